/**
 * Statements on PGlite as named prepared statements, each call one protocol exchange.
 *
 * PGlite's `query` runs a statement as six exchanges with the database (parse, describe the
 * statement, bind, describe the portal, execute, sync), each a turn of Postgres's main loop in
 * WebAssembly, and parses and plans it every time. Measured on one INSERT ... ON CONFLICT of seven
 * parameters: 0.25 ms a call that way, 0.06 ms as a prepared statement run by one exchange (bind,
 * execute, sync). The embedded mode's hot statements (appends, projections, the sync store) run
 * thousands of times: as on a Postgres server (pg.ts), a text is named from its third use on, at
 * most 200 of them (statement-names.ts); it is prepared once — with the types of its parameters and
 * columns, which serialize the parameters and parse the rows with PGlite's own serializers and
 * parsers, as `query` does — and later calls send only bind, execute and sync.
 *
 * The same locks as `query`: a statement outside a transaction waits for the open transaction to
 * end (PGlite has one session), and every exchange holds the query lock. An error leaves the
 * session as `query` would (the sync in the same exchange ends the failed extended query); a
 * prepared statement whose result columns changed under it (a view replaced) is prepared afresh
 * under a new name, once.
 */
import type { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import type { SqlParam } from './port.js';
import { StatementNames, isStalePlan } from './statement-names.js';

interface Prepared {
  paramTypes: number[];
  /** The result's columns (none: the statement returns no rows). */
  fields: Array<{ name: string; dataTypeID: number }>;
}

type Message = { name: string } & Record<string, unknown>;

/** What PGlite runs `query` on: the database, or a transaction's handle (which checks it is still open). */
export type QueryRunner = Pick<PGlite, 'query'>;

export class PgliteStatements {
  private readonly names = new StatementNames('chorus_');
  private readonly prepared = new Map<string, Prepared>();

  constructor(private readonly db: PGlite) {}

  /**
   * Runs `text` with `params` and returns its rows. `runner` runs the statements not (yet) named;
   * `inTransaction`: the statement runs inside the transaction that holds the database.
   */
  async query(runner: QueryRunner, text: string, params: readonly SqlParam[] | undefined, inTransaction: boolean): Promise<unknown[]> {
    const name = this.names.nameFor(text);
    if (name === undefined) return (await runner.query(text, params as unknown[] | undefined)).rows;
    // As PGlite's transaction handle refuses statements once it has committed or rolled back.
    if (inTransaction && (runner as { closed?: boolean }).closed === true) throw new Error('Transaction is closed');
    try {
      return await this.run(name, text, params ?? [], inTransaction);
    } catch (error) {
      const renewed = isStalePlan(error) ? this.names.renew(text) : undefined;
      if (renewed === undefined) throw error;
      return this.run(renewed, text, params ?? [], inTransaction);
    }
  }

  private run(name: string, text: string, params: readonly SqlParam[], inTransaction: boolean): Promise<unknown[]> {
    const exchange = () =>
      this.db._runExclusiveQuery(async () => {
        const prepared = this.prepared.get(name) ?? (await this.prepare(name, text));
        const values = params.map((value, i) => this.serialize(value, prepared.paramTypes[i]));
        const message = Buffer.concat([serialize.bind({ statement: name, values }), serialize.execute({}), serialize.sync()]);
        const { messages } = await this.db.execProtocol(message, { syncToFs: !inTransaction });
        return this.rows(messages as unknown as Message[], prepared.fields);
      });
    return inTransaction ? exchange() : this.db._runExclusiveTransaction(exchange);
  }

  private async prepare(name: string, text: string): Promise<Prepared> {
    const message = Buffer.concat([serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]);
    const { messages } = await this.db.execProtocol(message, { syncToFs: false });
    const found = messages as unknown as Message[];
    const parameters = found.find((m) => m.name === 'parameterDescription') as { dataTypeIDs?: number[] } | undefined;
    const columns = found.find((m) => m.name === 'rowDescription') as { fields?: Array<{ name: string; dataTypeID: number }> } | undefined;
    const prepared: Prepared = {
      paramTypes: parameters?.dataTypeIDs ?? [],
      fields: (columns?.fields ?? []).map(({ name: column, dataTypeID }) => ({ name: column, dataTypeID })),
    };
    this.prepared.set(name, prepared);
    return prepared;
  }

  /** A parameter as PGlite's `query` sends it: its type's serializer, else its text. */
  private serialize(value: SqlParam, type: number | undefined): string | null {
    if (value === null || value === undefined) return null;
    const serializer = type === undefined ? undefined : this.db.serializers[type];
    return serializer ? (serializer(value) as string) : String(value);
  }

  /** The rows of an exchange's data rows, each column parsed by its type's parser (as `query` does). */
  private rows(messages: readonly Message[], fields: Prepared['fields']): unknown[] {
    const parsers = fields.map((field) => this.db.parsers[field.dataTypeID]);
    const rows: unknown[] = [];
    for (const message of messages) {
      if (message.name !== 'dataRow') continue;
      const values = message.fields as Array<string | null>;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i += 1) {
        const value = values[i] ?? null;
        const parser = parsers[i];
        row[fields[i]!.name] = value === null ? null : parser ? parser(value, fields[i]!.dataTypeID) : value;
      }
      rows.push(row);
    }
    return rows;
  }
}
