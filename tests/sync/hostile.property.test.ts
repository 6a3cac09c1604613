/**
 * Hostile editors against a real node (issue "Hostile clients"; PROTOCOL.md, "Checked edits"): on
 * one playlist per run, two honest stock providers (the owner and an editor) make random inserts,
 * removes, moves, renames and descriptions with the document functions, while the same two users
 * also send, from other connections — a stock provider or a raw socket — random updates that are:
 *
 * - well formed (an entry from a fresh document over a raw socket): accepted;
 * - repairable (a forged `addedBy`, an `addedAt` in the future): accepted, rewritten by the server;
 * - malformed (an unknown top-level type, a bad or over-long `pos` or entry id, NUL in a trackId, a
 *   track not in the catalog, a bad `addedBy` or `addedAt`, a missing, extra or nested field, a bad
 *   name or description, a deleted name, a change to an entry's fields other than `pos`), alone or
 *   together with a good insert: the sender is closed with 4422 and nothing of the update is kept;
 * - an invalid name set concurrently with the name there that loses the CRDT's tie-break (a lower
 *   client id): it changes nothing, so it is taken, and must not reach the store;
 * - garbage bytes, as a frame or as the payload of an update.
 *
 * Afterwards: the node is up (GET /healthz); the honest clients were never closed, never saw a
 * refused entry or a value the server rewrote, and agree; the entries are exactly those inserted
 * and not removed; a fresh client's document equals the read model (`GET /v1/playlists/:id`, once
 * the projections caught up); and every stored PlaylistEdited, replayed in order, passes the
 * document's rules (domain/playlist/document-rules.ts) and a check of its own here: only `meta`
 * and `entries`, ids that are ids, catalog tracks, position keys, the users themselves as
 * `addedBy`, no `addedAt` ahead of the event, no refused entry id anywhere.
 *
 * One cluster (one node) for the whole property, a new playlist per run. FC_NUM_RUNS sets the
 * number of runs (default 4), FC_SEED replays one. A failure stops at once (shrinking would take
 * minutes); FC_SHRINK=1 shrinks anyway.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { loadDocument } from '../../application/playlist-documents/load.js';
import { textProblem } from '../../application/text.js';
import { ENTRIES, META, insertTracks, listEntries, moveRange, readMeta, removeEntries, rename, describe as describePlaylist } from '../../domain/playlist/document.js';
import { DOCUMENT_ID, checkEdit } from '../../domain/playlist/document-rules.js';
import type { PlaylistEdited } from '../../domain/playlist/events.js';
import { isPositionKey, keyBetween } from '../../domain/playlist/position-key.js';
import { seededRandom } from '../../domain/shared/seeded-random.js';
import { MESSAGE_SYNC, SYNC_UPDATE } from '../../sync-server/protocol.js';
import { propertyParameters } from '../support/property.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { DEMO_TRACKS, closeCode, eventually, openSynced, order, rawConnect, sleep, type SyncClient } from '../support/sync-clients.js';

/** How far ahead of the server's clock an `addedAt` may be (PROTOCOL.md; sync-server/limits.ts). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const ENTRY_FIELDS = ['trackId', 'pos', 'addedBy', 'addedAt'] as const;
type EntryField = (typeof ENTRY_FIELDS)[number];

type Via = 'provider' | 'raw';

/** What makes an update break the rules (PROTOCOL.md, "Checked edits"). */
type Breach =
  | { kind: 'unknown-type'; name: string; shape: 'text' | 'map' | 'array'; content: string }
  | { kind: 'bad-pos'; pos: unknown }
  | { kind: 'bad-entry-id'; entryId: string }
  | { kind: 'nul-track'; track: number; at: number }
  | { kind: 'unknown-track'; trackId: string }
  | { kind: 'bad-added-by'; addedBy: unknown }
  | { kind: 'bad-added-at'; addedAt: unknown }
  | { kind: 'extra-field'; field: string }
  | { kind: 'missing-field'; field: EntryField }
  | { kind: 'nested-field'; field: EntryField }
  | { kind: 'bad-name'; name: unknown }
  | { kind: 'bad-description'; description: unknown }
  | { kind: 'unknown-meta'; key: string }
  | { kind: 'nested-meta'; key: 'name' | 'description' }
  | { kind: 'delete-name' }
  | { kind: 'change-entry'; at: number; change: 'trackId' | 'addedBy' | 'addedAt' | 'bad-pos' | 'delete-field' };

/**
 * Breaches that set a key of `meta` that may be set already. From a fresh document (a raw socket)
 * the set is concurrent with the value there, and the higher Yjs client id wins: the raw document
 * takes the highest ids, so that its value is the one the rules must judge. (A set that loses is
 * the 'losing-set' operation.)
 */
const SETS_META = new Set<Breach['kind']>(['bad-name', 'bad-description', 'nested-meta', 'unknown-meta']);

/** Breaches that change what the server already holds: only a provider, synced first, can send them. */
const NEEDS_STATE = new Set<Breach['kind']>(['delete-name', 'change-entry']);

type Op =
  | { kind: 'insert'; who: number; at: number; tracks: number[] }
  | { kind: 'remove'; who: number; at: number; count: number }
  | { kind: 'move'; who: number; from: number; to: number; length: number }
  | { kind: 'rename'; who: number; name: string }
  | { kind: 'describe'; who: number; description: string }
  | { kind: 'sleep'; ms: number }
  | { kind: 'raw-valid'; who: number; tracks: number[] }
  | { kind: 'forge'; who: number; via: Via; track: number; addedBy: string | undefined; futureMs: number | undefined }
  | { kind: 'breach'; who: number; via: Via; breach: Breach; withValid: boolean }
  | { kind: 'losing-set'; who: number; name: unknown }
  | { kind: 'garbage'; who: number; bytes: Uint8Array; asUpdate: boolean };

interface Scenario {
  ops: Op[];
  /** Seeds the position keys' jitter, so a seed replays the same keys. */
  seed: number;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-'.split('');
const idArb = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: minLength - 1, maxLength: maxLength - 1 }).map((rest) => `x${rest}`);
const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const who = fc.nat({ max: 1 });
const via = fc.constantFrom<Via>('provider', 'raw');
const track = fc.nat({ max: DEMO_TRACKS.length - 1 });
const entryField = fc.constantFrom<EntryField>(...ENTRY_FIELDS);
/** Values that are not a string at all. */
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ a: 1 }), fc.constant(['x']));
const withNul = (text: fc.Arbitrary<string>) => fc.tuple(text, fc.nat()).map(([t, at]) => `${t.slice(0, at % (t.length + 1))}\u0000${t.slice(at % (t.length + 1))}`);

const badName = fc.oneof(fc.integer({ min: 201, max: 3_000 }).map((n) => 'n'.repeat(n)), fc.constant(''), withNul(fc.string({ maxLength: 50 })), notAString);

const breachArb: fc.Arbitrary<Breach> = fc.oneof(
  fc.record({
    kind: fc.constant('unknown-type' as const),
    name: fc.string({ maxLength: 20 }).filter((n) => n !== META && n !== ENTRIES),
    shape: fc.constantFrom('text' as const, 'map' as const, 'array' as const),
    content: fc.string({ minLength: 1, maxLength: 2_000 }),
  }),
  fc.record({
    kind: fc.constant('bad-pos' as const),
    pos: fc.oneof(
      fc.integer({ min: 1_000, max: 4_000 }).map((n) => `a0${'V'.repeat(n)}`), // over 1,000 characters
      fc.constantFrom('', 'a10', 'a0!', '0a', 'a 5', 'a0\u0000'), // not a position key
      notAString,
    ),
  }),
  fc.record({
    kind: fc.constant('bad-entry-id' as const),
    entryId: fc.oneof(idArb(129, 2_000), fc.constantFrom('', '_x', '-x', 'a b', 'a/b', 'é', 'a\u0001b'), withNul(idArb(1, 20))),
  }),
  fc.record({ kind: fc.constant('nul-track' as const), track, at: fc.nat() }),
  fc.record({ kind: fc.constant('unknown-track' as const), trackId: idArb(1, 40).map((id) => `no-such-track-${id}`) }),
  fc.record({ kind: fc.constant('bad-added-by' as const), addedBy: fc.oneof(idArb(129, 1_000), withNul(idArb(1, 20)), fc.constantFrom('', ' x'), notAString) }),
  fc.record({
    kind: fc.constant('bad-added-at' as const),
    addedAt: fc.oneof(fc.constantFrom('', 'yesterday', '2026-13-45T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00'), fc.string({ maxLength: 30 }), notAString),
  }),
  fc.record({ kind: fc.constant('extra-field' as const), field: fc.string({ maxLength: 20 }).filter((f) => !(ENTRY_FIELDS as readonly string[]).includes(f)) }),
  fc.record({ kind: fc.constant('missing-field' as const), field: entryField }),
  fc.record({ kind: fc.constant('nested-field' as const), field: entryField }),
  fc.record({ kind: fc.constant('bad-name' as const), name: badName }),
  fc.record({
    kind: fc.constant('bad-description' as const),
    description: fc.oneof(fc.integer({ min: 1_001, max: 3_000 }).map((n) => 'd'.repeat(n)), withNul(fc.string({ maxLength: 50 })), notAString),
  }),
  fc.record({ kind: fc.constant('unknown-meta' as const), key: fc.string({ maxLength: 20 }).filter((k) => k !== 'name' && k !== 'description') }),
  fc.record({ kind: fc.constant('nested-meta' as const), key: fc.constantFrom('name' as const, 'description' as const) }),
  fc.record({ kind: fc.constant('delete-name' as const) }),
  fc.record({
    kind: fc.constant('change-entry' as const),
    at: fraction,
    change: fc.constantFrom('trackId' as const, 'addedBy' as const, 'addedAt' as const, 'bad-pos' as const, 'delete-field' as const),
  }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), who, at: fraction, tracks: fc.array(track, { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), who, at: fraction, count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), who, from: fraction, to: fraction, length: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), who, name: fc.string({ minLength: 1, maxLength: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('describe' as const), who, description: fc.string({ maxLength: 1_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw-valid' as const), who, tracks: fc.array(track, { minLength: 1, maxLength: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        kind: fc.constant('forge' as const),
        who,
        via,
        track,
        addedBy: fc.option(fc.oneof(fc.constant('*other*'), idArb(1, 30)), { nil: undefined }),
        // Minutes ahead: past the skew, up to about 50 years.
        futureMs: fc.option(fc.integer({ min: MAX_CLOCK_SKEW_MS / 60_000 + 1, max: 50 * 365 * 24 * 60 }).map((minutes) => minutes * 60_000), { nil: undefined }),
      })
      .filter((op) => op.addedBy !== undefined || op.futureMs !== undefined),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('breach' as const), who, via, breach: breachArb, withValid: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), who, bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }), asUpdate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('losing-set' as const), who, name: badName }) },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({ ops: fc.array(opArb, { minLength: 4, maxLength: 14 }), seed: fc.integer() });

let cluster: SyncCluster;
let node: SyncNode;
let users: [SyncUser, SyncUser];
let run = 0;

beforeAll(async () => {
  cluster = await startSyncCluster('hostile-property', 1);
  node = cluster.nodes[0]!;
  users = [await cluster.user('alice'), await cluster.user('bob')];
});

afterAll(async () => {
  await cluster?.close();
});

/** A sync `update` frame for a Yjs update (or any bytes). */
function updateFrame(update: Uint8Array): Buffer {
  const length: number[] = [];
  let n = update.length;
  while (n > 0x7f) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return Buffer.from([MESSAGE_SYNC, SYNC_UPDATE, ...length, ...update]);
}

const newEntry = (fields: Record<string, unknown>) => {
  const entry = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) entry.set(key, value);
  return entry;
};

/** A raw socket on the run's playlist, open (or the test fails). */
async function openRaw(playlistId: string, token: string): Promise<WebSocket> {
  const outcome = await rawConnect(node.syncUrl, playlistId, token);
  if (outcome.kind !== 'open') throw new Error(`raw socket not open: ${JSON.stringify(outcome)}`);
  return outcome.socket;
}

/** Closes a raw socket unless the server did (resolves with the server's code, if it closed it within `ms`). */
async function settle(socket: WebSocket, ms: number): Promise<number | undefined> {
  if (socket.readyState === socket.CLOSED) return undefined;
  const code = await closeCode(socket, ms).catch(() => undefined);
  socket.terminate();
  return code;
}

async function check(scenario: Scenario): Promise<void> {
  run += 1;
  const [alice, bob] = users;
  const playlistId = await createPlaylist(alice, { name: `Hostile ${run}` });
  await setCollaborator(alice, playlistId, bob.userId, 'editor');
  const random = seededRandom(scenario.seed);
  const honest: SyncClient[] = [];
  const hostile: SyncClient[] = [];
  const sockets: WebSocket[] = [];
  /** Who each entry must show as its adder (every entry comes from this test). */
  const author = new Map<string, string>();
  const removed = new Set<string>();
  /** Entry ids of refused updates: nobody may ever see or store them. */
  const refused = new Set<string>();
  const violations: string[] = [];
  const log: string[] = [];
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}-${run}-${(ids += 1)}`;
  const userOf = (i: number) => users[i % users.length]!;

  try {
    for (const [i, user] of users.entries()) {
      const client = await openSynced(node.syncUrl, playlistId, user.token, { label: `honest-${i}`, userId: user.userId });
      honest.push(client);
      // What an honest client is sent: never a refused entry, never a value the server rewrites.
      client.doc.getMap(ENTRIES).observeDeep(() => {
        for (const entry of listEntries(client.doc)) {
          if (refused.has(entry.entryId)) violations.push(`${client.label} saw refused entry ${entry.entryId}`);
          const by = author.get(entry.entryId);
          if (by !== undefined && entry.addedBy !== by) violations.push(`${client.label} saw ${entry.entryId} added by ${entry.addedBy}, not ${by}`);
          if (Date.parse(entry.addedAt) > Date.now() + MAX_CLOCK_SKEW_MS) violations.push(`${client.label} saw ${entry.entryId} added at ${entry.addedAt}`);
        }
      });
    }

    for (const op of scenario.ops) {
      const c = 'who' in op ? honest[op.who]! : undefined;
      const user = 'who' in op ? userOf(op.who) : undefined;
      switch (op.kind) {
        case 'insert': {
          const size = c!.entries().length;
          const newIds = insertTracks(
            c!.doc,
            op.tracks.map((t) => DEMO_TRACKS[t]!),
            Math.floor(op.at * (size + 1)),
            { addedBy: c!.userId, addedAt: new Date().toISOString(), newId: () => nextId('e'), random },
          );
          for (const id of newIds) author.set(id, c!.userId);
          log.push(`${c!.label} insert ${newIds.length}`);
          break;
        }
        case 'remove': {
          const entries = c!.entries();
          if (entries.length === 0) break;
          const at = Math.floor(op.at * entries.length);
          for (const id of removeEntries(c!.doc, entries.slice(at, at + op.count).map((e) => e.entryId))) removed.add(id);
          log.push(`${c!.label} remove at ${at}`);
          break;
        }
        case 'move': {
          const size = c!.entries().length;
          if (size === 0) break;
          const from = Math.floor(op.from * size);
          moveRange(c!.doc, from, Math.floor(op.to * (size + 1)), Math.min(op.length, size - from), { random });
          log.push(`${c!.label} move`);
          break;
        }
        case 'rename':
          rename(c!.doc, op.name);
          log.push(`${c!.label} rename ${JSON.stringify(op.name.slice(0, 20))}`);
          break;
        case 'describe':
          describePlaylist(c!.doc, op.description);
          log.push(`${c!.label} describe`);
          break;
        case 'sleep':
          await sleep(op.ms);
          break;
        case 'raw-valid': {
          const socket = await openRaw(playlistId, user!.token);
          sockets.push(socket);
          const doc = new Y.Doc();
          const newIds = insertTracks(
            doc,
            op.tracks.map((t) => DEMO_TRACKS[t]!),
            undefined,
            { addedBy: user!.userId, addedAt: new Date().toISOString(), newId: () => nextId('raw'), random },
          );
          for (const id of newIds) author.set(id, user!.userId);
          socket.send(updateFrame(Y.encodeStateAsUpdate(doc)));
          doc.destroy();
          log.push(`raw ${user!.userId} insert ${newIds.length}`);
          await eventually(() => expect(honest[0]!.entries().map((e) => e.entryId)).toEqual(expect.arrayContaining(newIds)), 10_000);
          expect(socket.readyState, 'a well-formed update over a raw socket is taken').toBe(socket.OPEN);
          await settle(socket, 0);
          break;
        }
        case 'forge': {
          const entryId = nextId('forged');
          author.set(entryId, user!.userId);
          const addedBy = op.addedBy === '*other*' ? userOf(op.who + 1).userId : (op.addedBy ?? user!.userId);
          const addedAt = new Date(Date.now() + (op.futureMs ?? 0)).toISOString();
          const forge = (doc: Y.Doc) => insertTracks(doc, [DEMO_TRACKS[op.track]!], undefined, { addedBy, addedAt, newId: () => entryId, random });
          log.push(`${op.via} ${user!.userId} forge addedBy=${addedBy} addedAt=${addedAt}`);
          const repaired = (entry: { addedBy: string; addedAt: string } | undefined) => {
            expect(entry?.addedBy).toBe(user!.userId);
            expect(Date.parse(entry!.addedAt)).toBeLessThanOrEqual(Date.now() + MAX_CLOCK_SKEW_MS);
          };
          if (op.via === 'provider') {
            const sender = await openSynced(node.syncUrl, playlistId, user!.token, { label: 'forger', userId: user!.userId });
            hostile.push(sender);
            forge(sender.doc);
            await eventually(() => repaired(honest[0]!.entries().find((e) => e.entryId === entryId)), 10_000);
            // The repair reaches the sender too, and it stays connected.
            await eventually(() => repaired(sender.entries().find((e) => e.entryId === entryId)), 10_000);
            expect(sender.closeCodes).toEqual([]);
            sender.destroy();
          } else {
            const socket = await openRaw(playlistId, user!.token);
            sockets.push(socket);
            const doc = new Y.Doc();
            forge(doc);
            socket.send(updateFrame(Y.encodeStateAsUpdate(doc)));
            doc.destroy();
            await eventually(() => repaired(honest[0]!.entries().find((e) => e.entryId === entryId)), 10_000);
            expect(socket.readyState, 'a repaired update leaves its sender connected').toBe(socket.OPEN);
            await settle(socket, 0);
          }
          break;
        }
        case 'breach': {
          const sendVia: Via = NEEDS_STATE.has(op.breach.kind) ? 'provider' : op.via;
          const what = `${sendVia} ${user!.userId} ${JSON.stringify(op.breach).slice(0, 120)}${op.withValid ? ' + a good insert' : ''}`;
          log.push(what);
          const doc = sendVia === 'provider' ? undefined : new Y.Doc();
          if (doc && SETS_META.has(op.breach.kind)) doc.clientID = 0xffffffff - (ids += 1);
          const sender = sendVia === 'provider' ? await openSynced(node.syncUrl, playlistId, user!.token, { label: 'hostile', userId: user!.userId }) : undefined;
          if (sender) hostile.push(sender);
          const target = sender?.doc ?? doc!;
          // A change to what the server holds is made once the sender has everything the honest
          // clients sent (else it could change an entry that a removal on its way deletes).
          if (sender) await eventually(() => expect(honest.every((h) => covers(sender.doc, h.doc))).toBe(true), 10_000);
          if (!applicable(target, op.breach)) {
            // Nothing to change (no entry yet): nothing is sent.
            sender?.destroy();
            doc?.destroy();
            log.push('  (nothing to change)');
            break;
          }
          target.transact(() => {
            if (op.withValid) {
              insertTracks(target, [DEMO_TRACKS[0]!], undefined, { addedBy: user!.userId, addedAt: new Date().toISOString(), newId: () => rememberRefused(nextId('with-bad')), random });
            }
            breach(target, op.breach, user!.userId, (id) => rememberRefused(id ?? nextId('bad')));
          });
          if (sender) {
            await eventually(() => expect(sender.closeCodes, what).toEqual([4422]), 10_000);
            sender.destroy();
          } else {
            const socket = await openRaw(playlistId, user!.token);
            sockets.push(socket);
            const closed = closeCode(socket, 10_000);
            socket.send(updateFrame(Y.encodeStateAsUpdate(doc!)));
            doc!.destroy();
            expect(await closed, what).toBe(4422);
          }
          break;
        }
        case 'losing-set': {
          // An invalid name set concurrently with the one there, by a lower client id: it loses
          // (deleted as it arrives, nothing changes), so it is taken — and must not be stored.
          const socket = await openRaw(playlistId, user!.token);
          sockets.push(socket);
          const doc = new Y.Doc();
          doc.clientID = (ids += 1);
          doc.getMap(META).set('name', op.name);
          socket.send(updateFrame(Y.encodeStateAsUpdate(doc)));
          log.push(`raw ${user!.userId} losing set of name ${JSON.stringify(op.name)?.slice(0, 60)}`);
          await eventually(() => expect(covers(honest[0]!.doc, doc)).toBe(true), 10_000);
          doc.destroy();
          expect(socket.readyState, 'a set that lost is taken').toBe(socket.OPEN);
          const shown = honest[0]!.doc.getMap(META).get('name');
          expect(typeof shown === 'string' && shown !== op.name && shown.length >= 1 && shown.length <= 200 && !shown.includes('\u0000'), `name ${JSON.stringify(shown)}`).toBe(true);
          await settle(socket, 0);
          break;
        }
        case 'garbage': {
          const socket = await openRaw(playlistId, user!.token);
          sockets.push(socket);
          socket.send(op.asUpdate ? updateFrame(op.bytes) : Buffer.from(op.bytes));
          const code = await settle(socket, 300);
          log.push(`garbage ${op.bytes.length} bytes${op.asUpdate ? ' as an update' : ''}: ${code ?? 'left open'}`);
          break;
        }
      }
    }

    // The node is up; the honest clients were never closed, saw nothing they should not have, and agree.
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const [a, b] = honest as [SyncClient, SyncClient];
    await eventually(
      () => {
        expect(order(b.entries())).toEqual(order(a.entries()));
        expect(readMeta(b.doc)).toEqual(readMeta(a.doc));
      },
      20_000,
      50,
    );
    for (const client of honest) expect(client.closeCodes, `${client.label} was closed`).toEqual([]);
    expect(violations).toEqual([]);
    const final = a.entries();
    const expected = [...author.keys()].filter((id) => !removed.has(id));
    expect(new Set(final.map((e) => e.entryId))).toEqual(new Set(expected));
    for (const entry of final) expect(entry.addedBy, entry.entryId).toBe(author.get(entry.entryId));

    // The store caught up; a fresh client's document equals it and the read model.
    await eventually(async () => expect(order(listEntries(await storedDoc(playlistId)))).toEqual(order(final)), 20_000, 100);
    const fresh = await openSynced(node.syncUrl, playlistId, alice.token, { label: 'fresh', userId: alice.userId });
    honest.push(fresh);
    expect(order(fresh.entries())).toEqual(order(final));
    expect(readMeta(fresh.doc)).toEqual(readMeta(a.doc));
    const meta = readMeta(fresh.doc);
    await eventually(
      async () => {
        const got = await alice.api.get<{ name: string; description: string; items: Array<{ entryId: string; trackId: string; addedBy: string; addedAt: string }> }>(
          `/v1/playlists/${playlistId}`,
        );
        expect(got.status, got.text).toBe(200);
        expect(got.body.items.map((i) => `${i.entryId}:${i.trackId}`), 'GET /v1/playlists/:id items').toEqual(order(fresh.entries()));
        expect(got.body.items.map((i) => i.addedBy)).toEqual(fresh.entries().map((e) => e.addedBy));
        expect(got.body.name).toBe(meta.name);
        expect(got.body.description).toBe(meta.description ?? '');
      },
      20_000,
      100,
    );

    await checkStoredEvents(playlistId, refused);
    console.log(`[hostile] run ${run}: ${scenario.ops.length} ops, ${final.length} entries, ${hostileOps(scenario)} from other connections, ${refused.size} refused entry ids`);
  } catch (error) {
    console.log(`[hostile] run ${run} failed; operations:\n  ${log.join('\n  ')}\n${node.output().slice(-3000)}`);
    throw error;
  } finally {
    for (const socket of sockets) socket.terminate();
    for (const client of [...honest, ...hostile]) client.destroy();
  }

  function rememberRefused(id: string): string {
    refused.add(id);
    return id;
  }
}

const hostileOps = (scenario: Scenario) =>
  scenario.ops.filter((op) => op.kind === 'raw-valid' || op.kind === 'forge' || op.kind === 'breach' || op.kind === 'garbage' || op.kind === 'losing-set').length;

/** Whether `doc` holds what `what` changes (a name to delete, an entry to change). */
function applicable(doc: Y.Doc, what: Breach): boolean {
  if (what.kind === 'delete-name') return doc.getMap<unknown>(META).has('name');
  if (what.kind === 'change-entry') return listEntries(doc).length > 0;
  return true;
}

/** Whether `doc` has seen everything `other` has. */
function covers(doc: Y.Doc, other: Y.Doc): boolean {
  const mine = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(other))) if ((mine.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * Applies a breach to `doc` (inside the caller's transaction; `applicable` said it can).
 * `entryId` names the new entry (and remembers it as refused).
 */
function breach(doc: Y.Doc, what: Breach, userId: string, entryId: (id?: string) => string): void {
  const entries = doc.getMap<unknown>(ENTRIES);
  const meta = doc.getMap<unknown>(META);
  const good = (): Record<string, unknown> => ({ trackId: DEMO_TRACKS[1]!, pos: keyBetween(undefined, undefined, () => 0.5), addedBy: userId, addedAt: new Date().toISOString() });
  const add = (fields: Record<string, unknown>, id?: string) => entries.set(entryId(id), newEntry(fields));
  switch (what.kind) {
    case 'unknown-type':
      if (what.shape === 'text') doc.getText(what.name).insert(0, what.content);
      else if (what.shape === 'map') doc.getMap(what.name).set('k', what.content);
      else doc.getArray(what.name).push([what.content]);
      return;
    case 'bad-pos':
      add({ ...good(), pos: what.pos });
      return;
    case 'bad-entry-id':
      add(good(), what.entryId);
      return;
    case 'nul-track': {
      const id = DEMO_TRACKS[what.track]!;
      const at = what.at % (id.length + 1);
      add({ ...good(), trackId: `${id.slice(0, at)}\u0000${id.slice(at)}` });
      return;
    }
    case 'unknown-track':
      add({ ...good(), trackId: what.trackId });
      return;
    case 'bad-added-by':
      add({ ...good(), addedBy: what.addedBy });
      return;
    case 'bad-added-at':
      add({ ...good(), addedAt: what.addedAt });
      return;
    case 'extra-field':
      add({ ...good(), [what.field]: 'extra' });
      return;
    case 'missing-field': {
      const fields = good();
      delete fields[what.field];
      add(fields);
      return;
    }
    case 'nested-field':
      add({ ...good(), [what.field]: new Y.Text() });
      return;
    case 'bad-name':
      meta.set('name', what.name);
      return;
    case 'bad-description':
      meta.set('description', what.description);
      return;
    case 'unknown-meta':
      meta.set(what.key, 'x');
      return;
    case 'nested-meta':
      meta.set(what.key, new Y.Map());
      return;
    case 'delete-name':
      meta.delete('name');
      return;
    case 'change-entry': {
      const list = listEntries(doc);
      const target = list[Math.floor(what.at * list.length)]!;
      const entry = entries.get(target.entryId) as Y.Map<unknown>;
      if (what.change === 'trackId') entry.set('trackId', DEMO_TRACKS.find((t) => t !== target.trackId)!);
      else if (what.change === 'addedBy') entry.set('addedBy', `${target.addedBy}x`);
      else if (what.change === 'addedAt') entry.set('addedAt', new Date(Date.parse(target.addedAt) - 1_000).toISOString());
      else if (what.change === 'bad-pos') entry.set('pos', `${target.pos}!`);
      else entry.delete('addedAt');
      return;
    }
  }
}

async function storedDoc(playlistId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const update of (await loadDocument(cluster.store, playlistId)).updates) Y.applyUpdate(doc, update);
  return doc;
}

/**
 * Replays every stored PlaylistEdited of the playlist, in order, into one document and checks what
 * each one added: with the domain's rules (checkEdit, as the gate runs them, without the checks
 * that need the sender), and with a check of its own — the only types `meta`, `entries` and the
 * entries' maps; names and descriptions within their lengths; ids that are ids; catalog tracks;
 * position keys; `addedBy` one of the two users; `addedAt` an ISO time not ahead of the event; no
 * refused entry id anywhere; no text with NUL — on everything each event holds, what it deleted
 * included (the replay keeps deleted content), except content the server collected before storing.
 */
async function checkStoredEvents(playlistId: string, refused: ReadonlySet<string>): Promise<void> {
  const catalog = new Set(DEMO_TRACKS);
  const userIds = new Set(users.map((u) => u.userId));
  // Without garbage collection: what an update deleted keeps its content here, and is checked too
  // (an overwritten field, a removed entry: what the store holds, not only what shows).
  const doc = new Y.Doc({ gc: false });
  const meta = doc.getMap<unknown>(META);
  const entries = doc.getMap<unknown>(ENTRIES);
  const events = (await cluster.playlistEvents(playlistId)).filter((e) => e.type === 'PlaylistEdited');
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) {
    const data = event.data as PlaylistEdited['data'];
    const where = `event ${event.revision} (${event.id})`;
    const at = Date.parse(event.occurredAt);
    const problems: string[] = [];
    for (const change of data.changes) {
      if (change.op === 'add' && !catalog.has(change.trackId)) problems.push(`adds track ${JSON.stringify(change.trackId)}`);
      if ('entryId' in change && refused.has(change.entryId)) problems.push(`changes refused entry ${change.entryId}`);
    }
    const before = Y.decodeStateVector(Y.encodeStateVector(doc));
    doc.transact((transaction) => {
      Y.applyUpdate(doc, Buffer.from(data.update, 'base64'));
      const verdict = checkEdit(doc, transaction, { authorOf: () => undefined, now: at, maxClockSkewMs: MAX_CLOCK_SKEW_MS, textProblem });
      if (verdict.kind === 'refused') problems.push(`breaks the rules: ${verdict.reason}`);
    });
    expect(doc.store.pendingStructs, `${where} waits for changes never stored`).toBeNull();
    for (const name of doc.share.keys()) if (name !== META && name !== ENTRIES) problems.push(`top-level type ${JSON.stringify(name)}`);
    for (const [client, structs] of doc.store.clients) {
      const from = before.get(client) ?? 0;
      for (const struct of structs) {
        if (struct.id.clock + struct.length <= from || !(struct instanceof Y.Item) || struct.content instanceof Y.ContentDeleted) continue;
        problems.push(...itemProblems(struct, { meta, entries, catalog, userIds, refused, at }));
      }
    }
    expect(problems, `${where}: ${data.update.slice(0, 200)}`).toEqual([]);
  }
  // The stored state in the end: the entries are whole and valid.
  for (const entry of listEntries(doc)) {
    expect(isPositionKey(entry.pos), entry.entryId).toBe(true);
    expect(catalog.has(entry.trackId), entry.entryId).toBe(true);
    expect(userIds.has(entry.addedBy), entry.entryId).toBe(true);
  }
  expect([...entries.keys()].sort()).toEqual(listEntries(doc).map((e) => e.entryId).sort());
  doc.destroy();
}

function itemProblems(
  item: Y.Item,
  ctx: { meta: Y.Map<unknown>; entries: Y.Map<unknown>; catalog: ReadonlySet<string>; userIds: ReadonlySet<string>; refused: ReadonlySet<string>; at: number },
): string[] {
  const key = item.parentSub;
  const parent = item.parent as Y.AbstractType<unknown>;
  const values = item.content instanceof Y.ContentAny ? item.content.arr : item.content instanceof Y.ContentString ? [item.content.str] : [];
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (strings.some((s) => s.includes('\u0000'))) return [`text with NUL under ${JSON.stringify(key)}`];
  if (parent === ctx.meta) {
    if (key !== 'name' && key !== 'description') return [`meta.${JSON.stringify(key)}`];
    const [value] = values;
    if (typeof value !== 'string' || values.length !== 1) return [`meta.${key} is not a string`];
    if (key === 'name' ? value.length < 1 || value.length > 200 : value.length > 1_000) return [`meta.${key} of ${value.length} characters`];
    return [];
  }
  if (parent === ctx.entries) {
    if (key === null || !DOCUMENT_ID.test(key)) return [`entry id ${JSON.stringify(key?.slice(0, 64))}`];
    if (ctx.refused.has(key)) return [`refused entry ${key}`];
    if (!(item.content instanceof Y.ContentType) || !(item.content.type instanceof Y.Map)) return [`entry ${key} is not a map`];
    return [];
  }
  const entryItem = parent._item;
  if (!entryItem || entryItem.parent !== ctx.entries) return [`a type outside meta and entries (under ${JSON.stringify(key)})`];
  const entryId = entryItem.parentSub ?? '';
  if (ctx.refused.has(entryId)) return [`refused entry ${entryId}`];
  const [value] = values;
  if (values.length !== 1) return [`entry ${entryId}.${JSON.stringify(key)} holds ${values.length} values`];
  switch (key) {
    case 'trackId':
      return typeof value === 'string' && ctx.catalog.has(value) ? [] : [`entry ${entryId}: track ${JSON.stringify(value)}`];
    case 'pos':
      return isPositionKey(value) ? [] : [`entry ${entryId}: pos ${JSON.stringify(value).slice(0, 64)}`];
    case 'addedBy':
      return typeof value === 'string' && ctx.userIds.has(value) ? [] : [`entry ${entryId}: addedBy ${JSON.stringify(value).slice(0, 64)}`];
    case 'addedAt':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && Date.parse(value) <= ctx.at + MAX_CLOCK_SKEW_MS
        ? []
        : [`entry ${entryId}: addedAt ${JSON.stringify(value).slice(0, 64)}`];
    default:
      return [`entry ${entryId}: field ${JSON.stringify(key)}`];
  }
}

describe('hostile editors', () => {
  it('the node stays up; nothing refused is relayed or stored; a fresh client, the store and the read model agree', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, check), { ...propertyParameters<[Scenario]>(4), endOnFailure: process.env.FC_SHRINK !== '1' });
  });
});
