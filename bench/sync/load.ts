/**
 * The load process: `tsx bench/sync/load.ts`. Every client of every server lives here, so the time
 * of a local edit and the time another client sees it are read from one clock. Clients are lean
 * (wire.ts: a Y.Doc and a socket) and identical for Chorus and for the stock server.
 *
 * An edit is what the app does when a user adds a track: insertTracks at the end of the playlist
 * (domain/playlist/document.ts), in one transaction with, once the client has added
 * KEEP_OWN_ENTRIES entries, the removal of its oldest one, so that playlists stay small during
 * long runs. The new entry's id names the edit; its send time is kept here, and every other
 * client of the playlist records the delay when the entry appears in its document.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Y from 'yjs';
import { insertTracks, removeEntries } from '../../domain/playlist/document.js';
import { BENCH_TRACKS } from './tracks.js';
import { serveTasks } from '../lib/rpc.js';
import { summarize } from '../lib/stats.js';
import { sleep } from '../lib/timing.js';
import type { ClientSpec, ConnectResult, LoadTasks } from './protocol.js';
import { REMOTE, connectWire, type WireClient } from './wire.js';

const KEEP_OWN_ENTRIES = 5;

interface Editor {
  index: number;
  spec: ClientSpec;
  wire: WireClient;
  own: string[];
  sequence: number;
}

interface Sent {
  at: number;
  node: string;
  measured: boolean;
}

let idle: WireClient[] = [];
let kept: WireClient[] = [];
let editors: Editor[] = [];
/** Edits by entry id. */
let sent = new Map<string, Sent>();
let measuredEdits = 0;
let updateBytes = 0;
let samples = { same: [] as number[], cross: [] as number[] };
let delivered = 0;
/** Runs so far: entry ids are new in every run (a playlist edited in an earlier run still holds that run's last entries). */
let runs = 0;
/** Other clients of each editor's playlist (arrivals expected per edit), and arrivals expected so far. */
let expectedPerEdit = new Map<number, number>();
let expectedArrivals = 0;
const expected = () => expectedArrivals;

serveTasks<LoadTasks>({
  pid: async () => process.pid,
  async openIdle({ url, connections, concurrency }) {
    const result = await connectAll(connections, concurrency, (c) => connectWire(url, c.room, c.token), (client) => idle.push(client));
    return result;
  },
  async closeIdle() {
    for (const client of idle) client.close();
    idle = [];
  },

  async openEditors({ playlists, concurrency }) {
    // Client-major order: the pacer goes round the clients, so the clients of one playlist edit
    // evenly spread over each period, not in a burst.
    const specs: Array<{ spec: ClientSpec; room: string; peers: number }> = [];
    const most = Math.max(...playlists.map((p) => p.clients.length));
    for (let c = 0; c < most; c += 1) {
      for (const playlist of playlists) {
        const spec = playlist.clients[c];
        if (spec) specs.push({ spec, room: playlist.room, peers: playlist.clients.length - 1 });
      }
    }
    runs += 1;
    sent = new Map();
    measuredEdits = 0;
    updateBytes = 0;
    samples = { same: [], cross: [] };
    delivered = 0;
    expectedPerEdit = new Map();
    expectedArrivals = 0;
    const result = await connectAll(
      specs,
      concurrency,
      ({ spec, room }) => connectWire(spec.url, room, spec.token),
      (wire, i) => {
        const { spec, peers } = specs[i]!;
        const editor: Editor = { index: i, spec, wire, own: [], sequence: 0 };
        expectedPerEdit.set(i, peers);
        watch(editor);
        editors.push(editor);
      },
    );
    editors.sort((a, b) => a.index - b.index);
    return result;
  },

  async runEdits({ rate, seconds, measured }) {
    const profile = measured && process.env.BENCH_SYNC_PROFILE_DIR ? await startProfile() : undefined;
    const before = { cpu: process.cpuUsage(), loop: performance.eventLoopUtilization(), at: performance.now() };
    let edits = 0;
    const run = await pace(rate * editors.length, seconds, (k) => {
      edit(editors[k % editors.length]!, measured);
      edits += 1;
    });
    await profile?.(join(process.env.BENCH_SYNC_PROFILE_DIR!, `load-${process.pid}-run${runs}.cpuprofile`));
    const cpu = process.cpuUsage(before.cpu);
    const wall = (performance.now() - before.at) / 1_000;
    return {
      edits,
      seconds: run.seconds,
      pacerMaxLagMs: run.maxLagMs,
      loadEventLoop: performance.eventLoopUtilization(before.loop).utilization,
      loadCores: (cpu.user + cpu.system) / 1e6 / wall,
    };
  },

  async latencies({ timeoutMs }) {
    const deadline = performance.now() + timeoutMs;
    while (delivered < expected() && performance.now() < deadline) await sleep(20);
    return {
      edits: measuredEdits,
      expected: expected(),
      delivered,
      all: summarize([...samples.same, ...samples.cross]),
      sameNode: summarize(samples.same),
      crossNode: summarize(samples.cross),
      meanUpdateBytes: measuredEdits === 0 ? Number.NaN : updateBytes / measuredEdits,
    };
  },

  async closeEditors() {
    for (const editor of editors) editor.wire.close();
    editors = [];
    sent = new Map();
  },

  async fill({ url, room, tokens, entries, batch, window }) {
    // Two members take turns (so the server stores each edit as an event of its own: it merges
    // only consecutive edits of one user), with up to `window` edits in flight; an edit counts as
    // done when a third client sees it, i.e. once the server has stored and relayed it.
    const writers = tokens.map((token) => connectWire(url, room, token, 60_000));
    const observer = connectWire(url, room, tokens[0]!, 60_000);
    try {
      await Promise.all([...writers.map((w) => w.synced), observer.synced]);
      const seen = observer.doc.getMap('entries');
      const started = performance.now();
      const lastOfEdit: string[] = [];
      const waitFor = async (entryId: string) => {
        const from = performance.now();
        while (!seen.has(entryId)) {
          if (performance.now() - from > 60_000) throw new Error(`fill: entry ${entryId} not seen within 60 s`);
          await sleep(1);
        }
      };
      for (let added = 0, edit = 0; added < entries; added += batch, edit += 1) {
        if (edit >= window) await waitFor(lastOfEdit[edit - window]!);
        const size = Math.min(batch, entries - added);
        const writer = writers[edit % writers.length]!;
        const trackIds = Array.from({ length: size }, (_, i) => BENCH_TRACKS[(added + i) % BENCH_TRACKS.length]!);
        let counter = added;
        const ids = insertTracks(writer.doc, trackIds, undefined, { addedBy: `bench-fill-${edit % writers.length}`, addedAt: new Date().toISOString(), newId: () => `fill-${counter++}` });
        lastOfEdit.push(ids[ids.length - 1]!);
      }
      for (const entryId of lastOfEdit.slice(-window)) await waitFor(entryId);
      return { seconds: (performance.now() - started) / 1_000, edits: lastOfEdit.length };
    } finally {
      for (const writer of writers) writer.close();
      observer.close();
    }
  },

  async syncOnce({ url, room, token, keep }) {
    const client = connectWire(url, room, token, 60_000);
    try {
      const t = await client.synced;
      return {
        openMs: t.opened - t.started,
        stepTwoMs: t.stepTwoReceived - t.started,
        syncedMs: t.synced - t.started,
        stepTwoBytes: t.stepTwoBytes,
        entries: client.doc.getMap('entries').size,
      };
    } finally {
      if (keep) kept.push(client);
      else client.close();
    }
  },
  async closeKept() {
    for (const client of kept) client.close();
    kept = [];
  },
});

function edit(editor: Editor, measured: boolean): void {
  const { doc } = editor.wire;
  const entryId = `r${runs}.${editor.index}.${editor.sequence++}`;
  sent.set(entryId, { at: performance.now(), node: editor.spec.node, measured });
  if (measured) {
    measuredEdits += 1;
    expectedArrivals += expectedPerEdit.get(editor.index) ?? 0;
  }
  const oldest = editor.own.length >= KEEP_OWN_ENTRIES ? editor.own.shift() : undefined;
  const bytesBefore = editor.wire.updateBytes;
  doc.transact(() => {
    insertTracks(doc, [BENCH_TRACKS[editor.sequence % BENCH_TRACKS.length]!], undefined, {
      addedBy: editor.spec.userId,
      addedAt: new Date().toISOString(),
      newId: () => entryId,
    });
    if (oldest !== undefined) removeEntries(doc, [oldest]);
  });
  if (measured) updateBytes += editor.wire.updateBytes - bytesBefore;
  editor.own.push(entryId);
}

/** Records the arrival of other clients' entries at this client. */
function watch(editor: Editor): void {
  editor.wire.doc.getMap('entries').observe((event: Y.YMapEvent<unknown>, transaction: Y.Transaction) => {
    if (transaction.origin !== REMOTE) return;
    const now = performance.now();
    for (const [key, change] of event.changes.keys) {
      if (change.action !== 'add') continue;
      const edit = sent.get(key);
      if (!edit?.measured) continue;
      delivered += 1;
      (edit.node === editor.spec.node ? samples.same : samples.cross).push(now - edit.at);
    }
  });
}

/**
 * Calls `task` at a steady `perSecond` by the clock until `seconds` have passed (open loop). Unlike
 * lib/timing's `paced`, calls that are still due at the deadline are dropped, so that a starved
 * load process does not stretch the run: the edits made and the pacer's worst lag tell.
 */
async function pace(perSecond: number, seconds: number, task: (index: number) => void): Promise<{ seconds: number; maxLagMs: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let launched = 0;
  let maxLagMs = 0;
  for (let now = started; now < deadline; now = performance.now()) {
    const due = Math.floor(((now - started) * perSecond) / 1_000) + 1;
    while (launched < due) {
      maxLagMs = Math.max(maxLagMs, now - started - (launched * 1_000) / perSecond);
      task(launched);
      launched += 1;
    }
    await sleep(1);
  }
  return { seconds: (performance.now() - started) / 1_000, maxLagMs };
}

/** V8's sampling profiler in this process (BENCH_SYNC_PROFILE_DIR); the returned function stops it and writes the profile. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  };
}

async function connectAll<T>(items: readonly T[], concurrency: number, open: (item: T) => WireClient, keep: (client: WireClient, index: number) => void): Promise<ConnectResult> {
  const started = performance.now();
  const failures: string[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const client = open(items[i]!);
      try {
        await client.synced;
        keep(client, i);
      } catch (error) {
        client.close();
        failed += 1;
        if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { connections: items.length - failed, seconds: (performance.now() - started) / 1_000, failures, failed };
}
