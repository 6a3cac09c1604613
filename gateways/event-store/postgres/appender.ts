/**
 * Group commit for appends. Up to `maxInFlight` transactions run at once; appends that arrive
 * while all of those are busy wait, and go together in the next one (`es_append_many`): one round
 * trip and one WAL flush for the lot, instead of one each. Appends handed over in the same tick
 * (a multi-stream `appendMany`) always start together. A lone writer sees no difference; many
 * concurrent writers get several times the throughput. Every append still answers for itself (a
 * conflict fails only its own caller), and each caller is answered only once its transaction has
 * committed. When a group's transaction fails on one append's data, each append of the group runs
 * again on its own, so that only that append fails.
 */
import { SqlError, type SqlClient } from '../../sql/port.js';

export interface AppendRow {
  status: string;
  revision: string | null;
  tx: string | null;
  seq: string | null;
}

interface Request {
  stream: string;
  expected: string;
  /** The batch as a JSON array (already serialised). */
  events: string;
  resolve(row: AppendRow): void;
  reject(error: unknown): void;
}

const SINGLE = 'select status, revision::text, tx::text, seq::text from es_append($1, $2, $3::jsonb)';
const MANY = 'select idx, status, revision::text, tx::text, seq::text from es_append_many($1::jsonb)';

export class GroupAppender {
  private readonly queue: Request[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly maxInFlight = 4,
    private readonly maxGroup = 1_000,
  ) {}

  append(stream: string, expected: string, events: string): Promise<AppendRow> {
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, expected, events, resolve, reject });
      // At the end of this tick, so that appends handed over together go together.
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      this.inFlight += 1;
      void this.run(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async run(group: Request[]): Promise<void> {
    if (group.length === 1) return this.runOne(group[0]!);
    const payload = `[${group.map((r) => `{"s":${JSON.stringify(r.stream)},"e":${JSON.stringify(r.expected)},"ev":${r.events}}`).join(',')}]`;
    let rows: Array<AppendRow & { idx: number }>;
    try {
      rows = await this.sql.query<AppendRow & { idx: number }>(MANY, [payload]);
    } catch (error) {
      // One append's data was refused (or two groups raced the same new event id into different
      // streams): the whole transaction is gone, so each append runs again on its own, and only
      // the one at fault fails (or meets the other's event, or wins).
      if (error instanceof SqlError) {
        await Promise.all(group.map((r) => this.runOne(r)));
        return;
      }
      for (const request of group) request.reject(error);
      return;
    }
    for (const row of rows) group[row.idx]!.resolve(row);
  }

  private async runOne(request: Request): Promise<void> {
    try {
      const [row] = await this.sql.query<AppendRow>(SINGLE, [request.stream, request.expected, request.events]);
      request.resolve(row!);
    } catch (error) {
      request.reject(error);
    }
  }
}
