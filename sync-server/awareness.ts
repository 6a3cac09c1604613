/**
 * Who may set an awareness state (presence, cursors): a connection owns the client ids it set
 * first, at most `max` of them (a stock provider uses one: its document's client id). Entries of an
 * awareness update for an id another connection owns are dropped — unless that connection is the
 * same user's (a client that reconnected before the server saw its old socket go), which hands the
 * id over. A connection's states are removed when it closes (room.ts).
 *
 * A stock provider sends back every awareness change it receives, other clients' included, with
 * the clock the server sent: an entry of another connection's id whose clock is not newer than the
 * server's changes nothing, and is skipped without being counted or claimed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface AwarenessOwner {
  readonly userId: string;
  /** The awareness client ids this connection owns. */
  readonly awarenessIds: Set<number>;
}

export interface OwnedAwareness {
  /** The entries the sender may set, encoded as an awareness update (undefined: none). */
  update: Uint8Array | undefined;
  /** Entries dropped: another user's client id, or past the sender's cap. */
  dropped: number;
}

/**
 * Keeps the entries of `update` (an encoded awareness update) that `sender` may set, claiming the
 * ids it may take. `reserved` is an id nobody may set (the server's own). Throws on a malformed
 * update (the caller closes the connection).
 */
export function ownAwareness(
  update: Uint8Array,
  sender: AwarenessOwner,
  owners: Map<number, AwarenessOwner>,
  max: number,
  reserved: number,
  /** The clock the server holds for a client id (undefined: none). */
  clockOf: (clientId: number) => number | undefined,
): OwnedAwareness {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const kept: Array<{ clientId: number; clock: number; state: string }> = [];
  let dropped = 0;
  for (let i = 0; i < count; i += 1) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state = decoding.readVarString(decoder);
    const current = clockOf(clientId);
    if (current !== undefined && clock <= current && owners.get(clientId) !== sender) continue; // an echo: changes nothing
    if (claim(clientId, sender, owners, max, reserved)) kept.push({ clientId, clock, state });
    else dropped += 1;
  }
  if (kept.length === 0) return { update: undefined, dropped };
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, kept.length);
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return { update: encoding.toUint8Array(encoder), dropped };
}

function claim(clientId: number, sender: AwarenessOwner, owners: Map<number, AwarenessOwner>, max: number, reserved: number): boolean {
  if (clientId === reserved) return false;
  const owner = owners.get(clientId);
  if (owner === sender) return true;
  if (owner && owner.userId !== sender.userId) return false;
  if (sender.awarenessIds.size >= max) return false;
  owner?.awarenessIds.delete(clientId);
  owners.set(clientId, sender);
  sender.awarenessIds.add(clientId);
  return true;
}

/** Forgets what `leaving` owned; returns the ids whose states are to be removed. */
export function releaseAwareness(leaving: AwarenessOwner, owners: Map<number, AwarenessOwner>): number[] {
  const ids = [...leaving.awarenessIds];
  for (const id of ids) if (owners.get(id) === leaving) owners.delete(id);
  leaving.awarenessIds.clear();
  return ids;
}
