/** The worker side of protocol.ts: runs each task against the system this worker was started for. */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { summarize } from '../lib/stats.js';
import type { TaskHandlers } from '../lib/rpc.js';
import { closedLoop, paced, sleep, wallClockMs } from '../lib/timing.js';
import type { System, Tasks } from './protocol.js';
import { openEmmett } from './targets/emmett.js';
import { openOurs } from './targets/ours.js';
import { openPlainInsert } from './targets/plain-insert.js';
import { isStoreTarget, type OpenOptions, type StoreTarget, type Writer } from './targets/target.js';
import { streamName, trackPlayed, type TrackPlayed } from './workload.js';

const OPENERS: Record<System, (options: OpenOptions) => Promise<Writer>> = {
  ours: openOurs,
  peer: openEmmett,
  plain: openPlainInsert,
};

interface Recorder {
  stop(): Promise<void>;
  /** sentAt -> receivedAt, in wall-clock ms. */
  deliveries: { sentAt: number; receivedAt: number }[];
}

export function createTasks(system: System): TaskHandlers<Tasks> {
  let target: Writer | undefined;
  let recorder: Recorder | undefined;
  /** Unique per open, so that every run appends to streams of its own. */
  let runTag = '';
  let sequence = 0;

  const writer = (): Writer => target ?? fail(`${system}: no target is open`);
  const store = (): StoreTarget => {
    const current = writer();
    return isStoreTarget(current) ? current : fail(`${system}: not an event store`);
  };
  const nextStream = (writerIndex: number) => streamName(runTag, writerIndex, sequence++);

  return {
    async open(options) {
      if (target) throw new Error(`${system}: a target is already open`);
      target = await OPENERS[system](options);
      runTag = randomBytes(4).toString('hex');
    },
    async close() {
      await recorder?.stop();
      recorder = undefined;
      await target?.close();
      target = undefined;
    },
    appendSingles({ writers, seconds }) {
      const current = writer();
      return closedLoop(writers, seconds, async (w) => {
        await current.appendOne(nextStream(w), trackPlayed(sequence));
        return 1;
      });
    },
    appendBatches({ writers, batchSize, seconds }) {
      const current = writer();
      return closedLoop(writers, seconds, async (w) => {
        const events = Array.from({ length: batchSize }, (_, i) => trackPlayed(sequence + i));
        await current.appendBatch(nextStream(w), events);
        return batchSize;
      });
    },
    async preload({ events, batchSize }) {
      const current = writer();
      for (let done = 0; done < events; done += batchSize) {
        const size = Math.min(batchSize, events - done);
        await current.appendBatch(nextStream(0), Array.from({ length: size }, (_, i) => trackPlayed(done + i)));
      }
    },
    async readAll() {
      const started = performance.now();
      const units = await store().readAll();
      const seconds = (performance.now() - started) / 1_000;
      return { units, seconds, perSecond: units / seconds };
    },
    async startSubscriber() {
      if (recorder) throw new Error(`${system}: a subscriber is already running`);
      const deliveries: Recorder['deliveries'] = [];
      const subscription = await store().subscribe((event: TrackPlayed) => {
        deliveries.push({ sentAt: event.sentAt, receivedAt: wallClockMs() });
      });
      recorder = { deliveries, stop: () => subscription.stop() };
    },
    async stopSubscriber({ from, to, expected, timeoutMs }) {
      const current = recorder ?? fail(`${system}: no subscriber is running`);
      const inWindow = () => current.deliveries.filter((d) => d.sentAt >= from && d.sentAt <= to);
      const deadline = performance.now() + timeoutMs;
      while (inWindow().length < expected && performance.now() < deadline) await sleep(10);
      await current.stop();
      recorder = undefined;
      const window = inWindow();
      const distinct = new Set(window.map((d) => d.sentAt));
      return {
        latency: summarize(window.map((d) => d.receivedAt - d.sentAt)),
        received: distinct.size,
        duplicates: window.length - distinct.size,
      };
    },
    async pacedAppends({ perSecond, seconds }) {
      const current = writer();
      const acks: number[] = [];
      const run = await paced(perSecond, seconds, async () => {
        const sentAt = wallClockMs();
        await current.appendOne(nextStream(0), trackPlayed(sequence, sentAt));
        acks.push(wallClockMs() - sentAt);
      });
      return { ...run, ack: summarize(acks) };
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}
