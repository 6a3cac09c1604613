/**
 * Answers of read models kept in the process, per content version of the read models they come
 * from: when one of them changes, its version changes and every answer kept under the old version
 * is never looked up again (and ages out). The version is taken before the read model is asked,
 * so what is kept under a version reflects at least that version: a hit is never older than what
 * the read model shows now, and never older than a position the caller has waited for.
 * Used by the edges (the HTTP API, the OpenSubsonic API) for answers that do not depend on who asks.
 */
import type { Projections } from '../projections/manager.js';
import { Lru } from './lru.js';

export class ReadCache<V> {
  private readonly entries: Lru<string, V>;

  constructor(
    private readonly deps: { projections: Pick<Projections, 'contentVersion'> },
    private readonly readModels: readonly string[],
    capacity: number,
    private readonly ttlMs = 60_000,
  ) {
    this.entries = new Lru(capacity);
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const full = `${await this.version()}|${key}`;
    const known = this.entries.get(full);
    if (known !== undefined) return known;
    const value = await load();
    this.entries.set(full, value, this.ttlMs);
    return value;
  }

  private async version(): Promise<string> {
    if (this.readModels.length === 1) return this.deps.projections.contentVersion(this.readModels[0]!);
    const versions = await Promise.all(this.readModels.map((name) => this.deps.projections.contentVersion(name)));
    return versions.join('|');
  }
}
