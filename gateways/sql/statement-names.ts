/**
 * Names for the statements worth preparing on the server. A statement sent unnamed is parsed,
 * analysed and planned by Postgres on every call; measured under the player benchmark (two nodes,
 * 400 commands/s), that was half of the Postgres backends' CPU, and executing the statements a
 * sixth. A named one is parsed once per connection, and Postgres keeps its plan once a generic
 * plan costs no more than the custom ones (its plan cache decides that per statement).
 *
 * A text is named from its `minUses`-th use on (the hot statements are used thousands of times; a
 * statement built for one batch size is not worth a prepared statement on every connection), and
 * at most `maxNamed` texts are named in a process, so the server keeps a bounded number of prepared
 * statements per connection whatever SQL the process makes.
 */
export const DEFAULT_MIN_USES = 3;
export const DEFAULT_MAX_NAMED = 200;
/** Texts whose uses are counted before they are named (beyond: the counts start afresh). */
const MAX_COUNTED = 5_000;

export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly uses = new Map<string, number>();
  private issued = 0;

  constructor(
    private readonly prefix = 'chorus_',
    private readonly minUses = DEFAULT_MIN_USES,
    private readonly maxNamed = DEFAULT_MAX_NAMED,
  ) {}

  /** The name to prepare `text` under, or undefined: send it unnamed this time. */
  nameFor(text: string): string | undefined {
    const name = this.named.get(text);
    if (name !== undefined) return name;
    if (this.named.size >= this.maxNamed) return undefined;
    const uses = (this.uses.get(text) ?? 0) + 1;
    if (uses < this.minUses) {
      if (this.uses.size >= MAX_COUNTED) this.uses.clear();
      this.uses.set(text, uses);
      return undefined;
    }
    this.uses.delete(text);
    return this.issue(text);
  }

  /**
   * A new name for `text`, whose prepared statement a connection can no longer run (Postgres
   * refuses a cached plan whose result columns changed under it, after a view was replaced): the
   * new name is parsed afresh on every connection. Undefined when `text` had no name.
   */
  renew(text: string): string | undefined {
    return this.named.has(text) ? this.issue(text) : undefined;
  }

  private issue(text: string): string {
    const name = `${this.prefix}${(this.issued += 1)}`;
    this.named.set(text, name);
    return name;
  }
}

/** Postgres's refusal to run a prepared statement whose result type changed (SQLSTATE 0A000). */
export function isStalePlan(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}
