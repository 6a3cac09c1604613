/**
 * Whole answers of the busiest read methods (search3, getAlbumList2, getPlaylist), kept as the
 * bytes of the envelope in the format asked, per content version of every read model they come
 * from — the catalog, and for answers that show what a user added, the `users` read model (stars)
 * and `play-counts` — and per user when they depend on who asks. A star changes the `users`
 * version before `star` answers (it waits for the read model), so the next read is built again
 * and shows it: read-your-writes holds. The versions are taken before the answer is built, so a
 * kept answer is never older than what its key says. Bounded by bytes; each answer ages out.
 */
import type { Projections } from '../projections/manager.js';
import type { MethodContext } from './context.js';
import { okEnvelope, serialize, type Payload } from './envelope.js';

/** A method's answer already serialized in the format asked. */
export class Serialized {
  constructor(readonly body: Buffer) {}
}

/** What a build gives: the payload, and whether it may be kept (false: it came from elsewhere than the read models). */
export interface Built {
  payload: Payload;
  keep: boolean;
}

export interface AnswerCacheOptions {
  /** The read models the answers come from. */
  readModels: readonly string[];
  /** Answers differ per user (stars, play counts, access): the user is part of the key. */
  perUser: boolean;
  /** Bytes kept at most (default 32 MiB); an answer over an eighth of it is not kept. */
  maxBytes?: number;
  ttlMs?: number;
}

interface Entry {
  body: Buffer;
  expiresAt: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly ttlMs: number;

  constructor(
    private readonly projections: Pick<Projections, 'contentVersion'>,
    private readonly options: AnswerCacheOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** The answer to `key` for this caller and format: kept, or built, serialized and kept. */
  async answer(context: Pick<MethodContext, 'userId' | 'format' | 'deps'>, key: string, build: () => Promise<Built>): Promise<Serialized> {
    const versions = await Promise.all(this.options.readModels.map((name) => this.projections.contentVersion(name)));
    const full = `${versions.join('|')}\u0000${this.options.perUser ? context.userId : ''}\u0000${context.format}\u0000${key}`;
    const known = this.lookup(full);
    if (known) return new Serialized(known);
    const built = await build();
    const body = Buffer.from(serialize(context.format, okEnvelope(context.deps.serverVersion, built.payload)), 'utf8');
    if (built.keep) this.keep(full, body);
    return new Serialized(body);
  }

  private lookup(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.body.length;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.body;
  }

  private keep(key: string, body: Buffer): void {
    if (body.length > this.maxBytes / 8) return;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.body.length;
    }
    this.entries.set(key, { body, expiresAt: this.now() + this.ttlMs });
    this.bytes += body.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.body.length;
    }
  }
}
