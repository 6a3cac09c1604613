/**
 * The check every edit passes before the room's document, its peers, other nodes or the store see
 * it (STYLE.md habit 11): a copy of the document (the shadow) takes the edit first, in one
 * transaction with the rules of domain/playlist/document-rules.ts; what it accepts — the
 * transaction's own update, repairs included, with anything it deleted already collected — is what
 * the room applies. A refused edit leaves the shadow to be copied afresh from the room (which never
 * saw it).
 *
 * The shadow also holds what cannot be applied yet (updates whose dependencies have not arrived),
 * so the room only ever holds integrated, checked structs; past `maxPendingBytes` the edit is
 * refused. The document's size is kept under `maxDocumentBytes` (an estimate, measured exactly when
 * it passes the cap) and its entries under `maxEntries`.
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

const TRUSTED = Symbol('trusted');

export class EditGate {
  private shadow!: Y.Doc;
  private entryCount = 0;
  private entriesAdded = 0;
  private documentBytes = 0;
  /** Who sent the client ids of updates still pending in the shadow (they are checked once they apply). */
  private pendingAuthors = new Map<number, string>();
  private captured: Uint8Array | undefined;

  constructor(
    private readonly source: Y.Doc,
    private readonly limits: GateLimits,
    private readonly textProblem: (text: string) => string | undefined,
  ) {
    this.copy();
  }

  /** An update the room took from a trusted source (the store, another node): the shadow follows. */
  follow(update: Uint8Array): void {
    Y.applyUpdate(this.shadow, update, TRUSTED);
    this.documentBytes += update.byteLength;
  }

  /**
   * A client's update: the update for the room to apply (undefined when it adds nothing the room
   * can apply yet), or EditRefusedError.
   */
  receive(update: Uint8Array, sender: Sender, now: number): { update: Uint8Array | undefined; echo: boolean } {
    const hadPending = this.pendingBytes() > 0;
    for (const client of sender.clients) if (!this.pendingAuthors.has(client)) this.pendingAuthors.set(client, sender.userId);
    const authorOf = (client: number) => (sender.clients.has(client) ? sender.userId : this.pendingAuthors.get(client));
    const out = this.run(() => Y.applyUpdate(this.shadow, update), { authorOf, trackExists: sender.trackExists, now, maxClockSkewMs: this.limits.maxClockSkewMs, textProblem: this.textProblem });
    const pending = this.pendingBytes();
    if (pending === 0) this.pendingAuthors.clear();
    else if (pending > this.limits.maxPendingBytes) {
      this.copy();
      throw new EditRefusedError('too_large', `more than ${this.limits.maxPendingBytes} bytes of updates wait for changes that never arrived`);
    }
    // The sender lacks what the server rewrote, and what other clients sent that waited in the shadow.
    return { update: out.update, echo: out.repaired || hadPending };
  }

  /** A change made by the server for `actorId` (the HTTP routes, which check the tracks themselves). */
  change<T>(actorId: string, change: (doc: Y.Doc) => T, now: number): { result: T; update: Uint8Array | undefined } {
    const own = this.shadow.clientID;
    return this.run((doc) => change(doc), { authorOf: (client) => (client === own ? actorId : undefined), now, maxClockSkewMs: this.limits.maxClockSkewMs, textProblem: this.textProblem });
  }

  private run<T>(change: (doc: Y.Doc) => T, context: EditRulesContext): { result: T; update: Uint8Array | undefined; repaired: boolean } {
    this.captured = undefined;
    this.entriesAdded = 0;
    let refused: EditRefusedError | undefined;
    let result!: T;
    let repaired = false;
    try {
      this.shadow.transact((transaction) => {
        result = change(this.shadow);
        const verdict = checkEdit(this.shadow, transaction, context);
        if (verdict.kind === 'refused') refused = new EditRefusedError('invalid', verdict.reason);
        else {
          applyRepairs(this.shadow, verdict.repairs);
          repaired = verdict.repairs.length > 0;
        }
      });
    } catch (error) {
      this.copy();
      throw error;
    }
    const update = this.captured as Uint8Array | undefined;
    if (!refused && this.entriesAdded > 0 && this.entryCount > this.limits.maxEntries) {
      refused = new EditRefusedError('too_large', `a playlist holds at most ${this.limits.maxEntries} entries`);
    }
    if (!refused && update && this.documentBytes + update.byteLength > this.limits.maxDocumentBytes) {
      this.documentBytes = Y.encodeStateAsUpdate(this.shadow).byteLength;
      if (this.documentBytes > this.limits.maxDocumentBytes) refused = new EditRefusedError('too_large', `a playlist's document holds at most ${this.limits.maxDocumentBytes} bytes`);
    } else if (update) this.documentBytes += update.byteLength;
    if (refused) {
      this.copy();
      throw refused;
    }
    return { result, update, repaired };
  }

  private pendingBytes(): number {
    const store = this.shadow.store;
    return (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
  }

  /** A fresh shadow from the room's document (at the start, and after a refusal). */
  private copy(): void {
    this.shadow?.destroy();
    const shadow = new Y.Doc();
    // Both maps declared before anything arrives, so that every update's changes meet these types.
    shadow.getMap<unknown>(META);
    const entries = shadow.getMap<unknown>(ENTRIES);
    const state = Y.encodeStateAsUpdate(this.source);
    Y.applyUpdate(shadow, state, TRUSTED);
    entries.observe((event) => {
      for (const change of event.changes.keys.values()) {
        if (change.action === 'add') {
          this.entryCount += 1;
          this.entriesAdded += 1;
        } else if (change.action === 'delete') this.entryCount -= 1;
      }
    });
    shadow.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== TRUSTED) this.captured = update;
    });
    this.shadow = shadow;
    this.entryCount = entries.size;
    this.documentBytes = state.byteLength;
    this.pendingAuthors.clear();
  }

  destroy(): void {
    this.shadow.destroy();
  }
}
