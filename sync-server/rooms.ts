/**
 * The documents (rooms) of this node: those loaded, those being loaded, and the updates of other
 * nodes that reach it meanwhile. An update for a room being loaded is applied once the load ends
 * (the load may have read the stream before the update was stored); one for a document not loaded
 * is kept a while (RecentFanout), for a load that begins before the other node has stored it.
 */
import type { Logger } from 'pino';
import { RecentFanout } from './recent-fanout.js';
import type { Room } from './room.js';

/** How long, and how many bytes of, other nodes' updates to documents not loaded here are kept. */
const RECENT_FANOUT_MS = 10_000;
const RECENT_FANOUT_BYTES = 8 * 1024 * 1024;

export class Rooms {
  /** Loaded rooms, by playlist id. */
  readonly loaded = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly recentFanout = new RecentFanout(RECENT_FANOUT_MS, RECENT_FANOUT_BYTES);

  constructor(
    private readonly create: (playlistId: string) => Room,
    private readonly logger: Logger,
  ) {}

  /** The room of a playlist, loaded from the store if needed. */
  async room(playlistId: string): Promise<Room> {
    const loaded = this.loaded.get(playlistId);
    if (loaded) return loaded;
    let pending = this.loading.get(playlistId);
    if (!pending) {
      const room = this.create(playlistId);
      pending = room.load().then(() => {
        // Edits other nodes relayed before this load began and may have stored after it read the stream.
        for (const update of this.recentFanout.updatesOf(playlistId)) this.applyTo(room, update, 'fanout');
        this.loaded.set(playlistId, room);
        return room;
      });
      this.loading.set(playlistId, pending);
      pending.finally(() => this.loading.delete(playlistId)).catch(() => undefined);
    }
    return pending;
  }

  /** An update made on another node (from the fan-out or the stored events): applied where it can be, now or later. */
  applyStored(playlistId: string, update: Uint8Array, from: 'store' | 'fanout'): void {
    const room = this.loaded.get(playlistId);
    if (room) return this.applyTo(room, update, from);
    const loading = this.loading.get(playlistId);
    if (loading) loading.then((loaded) => this.applyTo(loaded, update, from)).catch(() => undefined);
    else if (from === 'fanout') this.recentFanout.add(playlistId, update);
  }

  private applyTo(room: Room, update: Uint8Array, from: 'store' | 'fanout'): void {
    try {
      room.applyStored(update, from);
    } catch (error) {
      this.logger.warn({ err: error, playlistId: room.playlistId }, 'sync: a stored update did not apply');
    }
  }
}
