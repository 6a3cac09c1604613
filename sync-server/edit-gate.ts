/**
 * The room's document, and the check every edit passes before its peers, other nodes or the store
 * see it (STYLE.md habit 11): an edit applies to the document in one transaction with the rules of
 * domain/playlist/document-rules.ts, and only a transaction the rules accept reaches the room's
 * `accepted` hook (it relays, publishes and stores what that hook gets: the transaction's own
 * update, repairs included). An edit is applied once, as every Yjs server does.
 *
 * A refused transaction cannot be taken back out of a Yjs document: the document is then built
 * again from what was accepted (`rebuild`), which the gate keeps encoded — the state at a
 * checkpoint, and the updates of the transactions accepted since — and the room is handed the new
 * document. A refusal costs a rebuild, O(document); an accepted edit costs nothing more than its
 * apply (the checkpoint moves once the updates since weigh as much as it, so its cost is spread
 * over the edits).
 *
 * The document also holds what cannot be applied yet (updates whose dependencies have not arrived,
 * Yjs's pending structs), so whichever transaction later integrates them — a client's, or one of a
 * trusted source (the store, another node) — checks them with their sender's rules; past
 * `maxPendingBytes` the edit is refused. The document's size is kept under `maxDocumentBytes` (an
 * estimate, measured exactly when it passes the cap) and its entries under `maxEntries`.
 */
import * as Y from 'yjs';
import { ENTRIES, META } from '../domain/playlist/document.js';
import { applyRepairs, checkEdit, type EditRulesContext } from '../domain/playlist/document-rules.js';

export interface GateLimits {
  maxEntries: number;
  maxDocumentBytes: number;
  maxPendingBytes: number;
  maxClockSkewMs: number;
}

/** An edit that breaks the document's rules ('invalid') or would make it too large ('too_large'). */
export class EditRefusedError extends Error {
  override readonly name = 'EditRefusedError';
  constructor(
    readonly kind: 'invalid' | 'too_large',
    reason: string,
  ) {
    super(reason);
  }
}

export interface Sender {
  userId: string;
  /** The Yjs client ids of the update (what they wrote follows the sender's rules). */
  clients: ReadonlySet<number>;
  trackExists(trackId: string): boolean;
}

export interface GateHooks {
  /**
   * A transaction the rules accepted changed the document (called from Yjs's update event).
   * `echo`: the sender of a client edit lacks part of it (what the server repaired, or what other
   * clients sent that waited for it). `released`: a trusted update integrated content a client
   * sent earlier that waited for it (Yjs's pending structs): that user's, to store like an edit.
   */
  accepted(update: Uint8Array, origin: unknown, transaction: Y.Transaction, echo: boolean, released: string | undefined): void;
  /** The gate made the document anew (at the start, and after a refusal): it replaces the one before. */
  replaced(doc: Y.Doc): void;
}

/** Updates accepted since the checkpoint are merged into it once they weigh this much, or as much as it. */
const MIN_CHECKPOINT_BYTES = 64 * 1024;

/** How one transaction is checked, and what its check found (set before Yjs emits its update). */
interface Check {
  context: EditRulesContext;
  /** A client's edit (its pending bytes are capped), the server's (HTTP), or a trusted update that may release a client's. */
  kind: 'client' | 'server' | 'trusted';
  echo: boolean;
  refused?: EditRefusedError;
  /** What the change threw (the transaction is then dropped like a refused one, and this is thrown again). */
  failure?: { error: unknown };
  repaired?: boolean;
}

export class EditGate {
  private current!: Y.Doc;
  private entryCount = 0;
  private entriesAdded = 0;
  private documentBytes = 0;
  /** Who sent the client ids of updates still pending in the document (they are checked once they apply). */
  private readonly pendingAuthors = new Map<number, string>();
  /** What the rules accepted: the state at the checkpoint, and the updates accepted after it. */
  private checkpoint: Uint8Array[];
  private checkpointBytes: number;
  private since: Uint8Array[] = [];
  private sinceBytes = 0;
  /** The check of the transaction under way (undefined: a trusted one while nothing is pending). */
  private check: Check | undefined;

  constructor(
    stored: readonly Uint8Array[],
    private readonly limits: GateLimits,
    private readonly textProblem: (text: string) => string | undefined,
    private readonly hooks: GateHooks,
  ) {
    this.checkpoint = [...stored];
    this.checkpointBytes = byteLength(stored);
    this.build(stored);
  }

  get doc(): Y.Doc {
    return this.current;
  }

  /**
   * `read` sees the document as accepted: without the updates that wait for their dependencies
   * (unchecked until they apply). For what leaves the node whole: a sync answer, a compaction.
   */
  settled<T>(read: (doc: Y.Doc) => T): T {
    const store = this.current.store;
    const { pendingStructs, pendingDs } = store;
    if (!pendingStructs && !pendingDs) return read(this.current);
    store.pendingStructs = null;
    store.pendingDs = null;
    try {
      return read(this.current);
    } finally {
      store.pendingStructs = pendingStructs;
      store.pendingDs = pendingDs;
    }
  }

  /** An update from a trusted source (the store, another node): applied unchecked, except what it releases of a client's. */
  follow(update: Uint8Array, origin: unknown): void {
    if (this.pendingAuthors.size === 0) {
      Y.applyUpdate(this.current, update, origin);
      return;
    }
    const context = this.context((client) => this.pendingAuthors.get(client), undefined, Date.now());
    try {
      this.run(() => Y.applyUpdate(this.current, update), origin, { context, kind: 'trusted', echo: false });
    } catch (error) {
      if (!(error instanceof EditRefusedError)) throw error;
      // What the client had sent is gone with the rebuild; the trusted update itself still applies.
      Y.applyUpdate(this.current, update, origin);
    }
  }

  /**
   * A client's update, applied with `origin`; throws EditRefusedError (the document is then built
   * again without it).
   */
  receive(update: Uint8Array, sender: Sender, now: number, origin: unknown): void {
    const hadPending = this.pendingBytes() > 0;
    for (const client of sender.clients) if (!this.pendingAuthors.has(client)) this.pendingAuthors.set(client, sender.userId);
    const authorOf = (client: number) => (sender.clients.has(client) ? sender.userId : this.pendingAuthors.get(client));
    const context = this.context(authorOf, sender.trackExists, now);
    this.run(() => Y.applyUpdate(this.current, update), origin, { context, kind: 'client', echo: hadPending });
    if (this.pendingBytes() === 0) this.pendingAuthors.clear();
  }

  /** A change made by the server for `actorId` (the HTTP routes, which check the tracks themselves). */
  change<T>(actorId: string, change: (doc: Y.Doc) => T, now: number, origin: unknown): T {
    const own = this.current.clientID;
    const context = this.context((client) => (client === own ? actorId : this.pendingAuthors.get(client)), undefined, now);
    return this.run(change, origin, { context, kind: 'server', echo: false });
  }

  private context(authorOf: EditRulesContext['authorOf'], trackExists: EditRulesContext['trackExists'], now: number): EditRulesContext {
    return { authorOf, trackExists, now, maxClockSkewMs: this.limits.maxClockSkewMs, textProblem: this.textProblem };
  }

  private run<T>(change: (doc: Y.Doc) => T, origin: unknown, check: Check): T {
    this.entriesAdded = 0;
    this.check = check;
    let result!: T;
    try {
      this.current.transact((transaction) => {
        try {
          result = change(this.current);
          const verdict = checkEdit(this.current, transaction, check.context);
          if (verdict.kind === 'refused') check.refused = new EditRefusedError('invalid', verdict.reason);
          else if (verdict.repairs.length > 0) {
            applyRepairs(this.current, verdict.repairs);
            check.repaired = true;
          }
        } catch (error) {
          check.failure = { error };
        }
      }, origin);
      // A transaction that changed nothing the document shows emits no update: its pending bytes are checked here.
      check.refused ??= this.tooMuchPending(check);
    } finally {
      this.check = undefined;
    }
    if (check.failure || check.refused) {
      this.rebuild();
      throw check.failure ? check.failure.error : check.refused;
    }
    return result;
  }

  /** Yjs's update event, before the room's: the last checks, then the room hears of what was accepted. */
  private onUpdate(update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
    const check = this.check;
    if (check?.failure) return;
    if (check && check.kind !== 'trusted') check.refused ??= this.tooMuchPending(check) ?? this.tooLarge(update);
    else this.documentBytes += update.byteLength;
    if (check?.refused) return;
    this.keep(update);
    const released = check?.kind === 'trusted' ? this.releasedBy(transaction) : undefined;
    this.hooks.accepted(update, origin, transaction, check ? check.echo || check.repaired === true : false, released);
  }

  private tooMuchPending(check: Check): EditRefusedError | undefined {
    if (check.kind !== 'client' || this.pendingBytes() <= this.limits.maxPendingBytes) return undefined;
    return new EditRefusedError('too_large', `more than ${this.limits.maxPendingBytes} bytes of updates wait for changes that never arrived`);
  }

  private tooLarge(update: Uint8Array): EditRefusedError | undefined {
    if (this.entriesAdded > 0 && this.entryCount > this.limits.maxEntries) {
      return new EditRefusedError('too_large', `a playlist holds at most ${this.limits.maxEntries} entries`);
    }
    if (this.documentBytes + update.byteLength > this.limits.maxDocumentBytes) {
      this.documentBytes = Y.encodeStateAsUpdate(this.current).byteLength;
      if (this.documentBytes > this.limits.maxDocumentBytes) return new EditRefusedError('too_large', `a playlist's document holds at most ${this.limits.maxDocumentBytes} bytes`);
      return undefined;
    }
    this.documentBytes += update.byteLength;
    return undefined;
  }

  /** The user whose waiting content a trusted transaction integrated, if it did. */
  private releasedBy(transaction: Y.Transaction): string | undefined {
    for (const [client, userId] of this.pendingAuthors) {
      if ((transaction.afterState.get(client) ?? 0) > (transaction.beforeState.get(client) ?? 0)) return userId;
    }
    return undefined;
  }

  /**
   * An accepted update joins what a rebuild starts from. Once those weigh as much as the checkpoint,
   * the document (as accepted) becomes the checkpoint: encoding it is O(document), spread over the
   * edits that weigh as much (merging the updates instead is many times slower).
   */
  private keep(update: Uint8Array): void {
    this.since.push(update);
    this.sinceBytes += update.byteLength;
    if (this.sinceBytes < Math.max(MIN_CHECKPOINT_BYTES, this.checkpointBytes)) return;
    this.checkpoint = [this.settled((doc) => Y.encodeStateAsUpdate(doc))];
    this.checkpointBytes = byteLength(this.checkpoint);
    this.since = [];
    this.sinceBytes = 0;
  }

  private pendingBytes(): number {
    const store = this.current.store;
    return (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
  }

  /** The document anew from what was accepted (after a refusal): the room is handed it, the old one is destroyed. */
  private rebuild(): void {
    const old = this.current;
    this.build([...this.checkpoint, ...this.since]);
    old.destroy();
  }

  private build(updates: readonly Uint8Array[]): void {
    const doc = new Y.Doc();
    // Both maps declared before anything arrives, so that every update's changes meet these types.
    doc.getMap<unknown>(META);
    const entries = doc.getMap<unknown>(ENTRIES);
    for (const update of updates) Y.applyUpdate(doc, update);
    entries.observe((event) => {
      for (const change of event.changes.keys.values()) {
        if (change.action === 'add') {
          this.entryCount += 1;
          this.entriesAdded += 1;
        } else if (change.action === 'delete') this.entryCount -= 1;
      }
    });
    doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => this.onUpdate(update, origin, transaction));
    this.current = doc;
    this.entryCount = entries.size;
    this.documentBytes = byteLength(updates);
    this.pendingAuthors.clear();
    this.hooks.replaced(doc);
  }

  destroy(): void {
    this.current.destroy();
  }
}

const byteLength = (updates: readonly Uint8Array[]) => updates.reduce((sum, update) => sum + update.byteLength, 0);
