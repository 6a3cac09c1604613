/**
 * The updates other nodes relayed lately for documents this node has not loaded. An edit is relayed
 * before it is stored, so a node that loads a document from the store just after another node
 * relayed an edit to it may read the store before that edit is there: without these, it would
 * lack the edit (and every later edit of that client, which Yjs holds back until the gap is filled)
 * until the stored copy came through the store-following backstop. Kept for `maxAgeMs` (longer
 * than the store takes to catch up) and at most `maxBytes` in all, oldest dropped first; applying
 * one twice does nothing (Yjs updates are idempotent).
 */
interface Kept {
  playlistId: string;
  update: Uint8Array;
  at: number;
}

export class RecentFanout {
  private kept: Kept[] = [];
  /** Index of the oldest entry still kept (entries before it are dropped, compacted now and then). */
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxBytes: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(playlistId: string, update: Uint8Array): void {
    this.kept.push({ playlistId, update, at: this.now() });
    this.bytes += update.byteLength;
    this.prune();
  }

  /** The updates kept for `playlistId`, oldest first. */
  updatesOf(playlistId: string): Uint8Array[] {
    this.prune();
    const out: Uint8Array[] = [];
    for (let i = this.head; i < this.kept.length; i += 1) if (this.kept[i]!.playlistId === playlistId) out.push(this.kept[i]!.update);
    return out;
  }

  get size(): { updates: number; bytes: number } {
    return { updates: this.kept.length - this.head, bytes: this.bytes };
  }

  private prune(): void {
    const oldest = this.now() - this.maxAgeMs;
    while (this.head < this.kept.length && (this.kept[this.head]!.at < oldest || this.bytes > this.maxBytes)) {
      this.bytes -= this.kept[this.head]!.update.byteLength;
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
  }
}
