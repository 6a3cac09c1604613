/**
 * The `player` read model: each user's player state as the domain folds it (domain/player/state.ts),
 * one row per user with its version. Commands start from this row and read only the events after
 * it, so the player stream may grow for years; a restarted node or another node serves the same
 * state. Events are typed by the domain's union; an event at or below the row's version was applied
 * already and is passed over.
 */
import { PLAYER_STREAM_PREFIX, type PlayerEvent } from '../../domain/player/events.js';
import { evolvePlayer, initialPlayerState, type PlayerState } from '../../domain/player/state.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection, type Recorded } from '../projection.js';

/** How often the player projection commits at the head at most (Projection.minCommitIntervalMs). */
export const PLAYER_COMMIT_INTERVAL_MS = 25;

/** Every player event: each one is folded by the domain's exhaustive `evolvePlayer`. */
export const playerProjection = sqlProjection<PlayerEvent>({
  kind: 'sql',
  name: 'player',
  version: 1,
  // Nobody waits on this read model: commands decide on the node's copy of the state, or on this
  // row and the events after it. Gathering 25 ms of commands per commit at the head spares
  // Postgres a transaction per wake-up (hundreds a second under load) at no visible cost.
  minCommitIntervalMs: PLAYER_COMMIT_INTERVAL_MS,
  handles: eventTypes<PlayerEvent>({
    DeviceRegistered: true,
    DeviceSeen: true,
    DeviceRemoved: true,
    PlaybackStarted: true,
    PlaybackPaused: true,
    PlaybackResumed: true,
    PlaybackSeeked: true,
    TrackChanged: true,
    PlaybackTransferred: true,
    QueueChanged: true,
    ShuffleChanged: true,
    RepeatChanged: true,
  }),
  tables: {
    player_states: (t) => /* sql */ `
      create table ${t} (
        user_id text primary key,
        version int not null,
        state jsonb not null
      );`,
  },
  async apply(tx, events, tables) {
    const byUser = new Map<string, Array<Recorded<PlayerEvent>>>();
    for (const e of events) {
      if (!e.stream.startsWith(PLAYER_STREAM_PREFIX)) continue;
      const userId = e.stream.slice(PLAYER_STREAM_PREFIX.length);
      byUser.set(userId, [...(byUser.get(userId) ?? []), e]);
    }
    if (byUser.size === 0) return;
    const table = tables.player_states!;
    const rows = await tx.query<{ user_id: string; state: PlayerState }>(`select user_id, state from ${table} where user_id = any ($1::text[])`, [[...byUser.keys()]]);
    const states = new Map(rows.map((r) => [r.user_id, r.state]));
    const ids: string[] = [];
    const versions: number[] = [];
    const json: string[] = [];
    for (const [userId, recorded] of byUser) {
      let state = states.get(userId) ?? initialPlayerState;
      for (const e of recorded) {
        if (Number(e.revision) < state.version) continue;
        state = evolvePlayer(state, e);
      }
      ids.push(userId);
      versions.push(state.version);
      json.push(JSON.stringify(state));
    }
    await tx.query(
      `insert into ${table} (user_id, version, state) select * from unnest($1::text[], $2::int[], $3::jsonb[])
       on conflict (user_id) do update set version = excluded.version, state = excluded.state`,
      [ids, versions, json],
    );
  },
});

/** A user's player state as the read model holds it (undefined: no player event seen yet). */
export async function storedPlayerState(sql: SqlExecutor, userId: string): Promise<PlayerState | undefined> {
  const [row] = await sql.query<{ state: PlayerState }>(`select state from player_states where user_id = $1`, [userId]);
  return row?.state;
}
