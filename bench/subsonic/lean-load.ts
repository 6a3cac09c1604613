/**
 * A lean load process (`BENCH_SUBSONIC_CLIENT=lean`): the same closed loop as bench/http/load.ts
 * (keep-alive connections, each sending its next request once the previous answer is complete,
 * cycling through its requests), on plain sockets, reading each answer's status line and
 * Content-Length and skipping its body without decoding it.
 *
 * Why: autocannon parses answers in JavaScript (http-parser-js) and appends every body to a
 * string, so its CPU per answer grows with the answer's size (about 45 µs for the 8 KB of
 * /v1/search, 80 µs for the 16 KB of search3, 110 µs for the 59 KB of getPlaylist here). On a
 * 2-core machine that CPU is taken from the server, so the larger Subsonic answers were measured
 * with less of the machine left to the server than their /v1 peers (getPlaylist's event loop was
 * 70% busy: waiting for requests). Both sides get this same client in a run. Measured, it takes
 * 10-20% less per answer than autocannon, but about as much for the 59 KB answers: the socket
 * reads and their copies, not the parsing, are most of that cost.
 *
 * Answers must carry Content-Length (Chorus's do); anything else counts as an error.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LoadRequest, LoadResult, LoadTasks } from '../http/protocol.js';
import { processUsage, usageSince } from '../http/usage.js';
import { serveTasks } from '../lib/rpc.js';
import { percentileOfSorted } from '../lib/stats.js';

const HEADERS_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
/** A request with no answer for this long counts as a timeout, and its connection is replaced. */
const TIMEOUT_MS = 10_000;

function encode(host: string, request: LoadRequest): Buffer {
  const headers = { host, connection: 'keep-alive', ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }), ...request.headers };
  const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.from(head + (request.body ?? ''));
}

interface Tally {
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

/** One connection's closed loop until `endAt`. */
function loop(url: URL, requests: Buffer[], endAt: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    let socket: Socket;
    let next = 0;
    let sentAt = 0;
    let head: Buffer = Buffer.alloc(0);
    let status = 0;
    let remaining = -1; // body bytes still to come; -1 while reading the head
    let timer: NodeJS.Timeout | undefined;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const send = () => {
      if (performance.now() >= endAt) return finish();
      head = Buffer.alloc(0);
      remaining = -1;
      sentAt = performance.now();
      socket.write(requests[next++ % requests.length]!);
      clearTimeout(timer);
      timer = setTimeout(() => {
        tally.timeouts += 1;
        reopen();
      }, TIMEOUT_MS);
    };
    const complete = () => {
      tally.latencies.push(performance.now() - sentAt);
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      send();
    };
    const fail = () => {
      tally.errors += 1;
      reopen();
    };
    const onData = (chunk: Buffer) => {
      let data = chunk;
      if (remaining < 0) {
        head = head.length === 0 ? data : Buffer.concat([head, data]);
        const end = head.indexOf(HEADERS_END);
        if (end < 0) return;
        const text = head.toString('latin1', 0, end);
        const length = CONTENT_LENGTH.exec(text);
        status = Number(text.slice(9, 12));
        if (!length || !(status >= 100)) return fail();
        remaining = Number(length[1]);
        data = head.subarray(end + HEADERS_END.length);
      }
      remaining -= data.length;
      if (remaining === 0) complete();
      else if (remaining < 0) fail(); // more than one answer: nothing was pipelined
    };
    const open = () => {
      socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      socket.on('data', onData);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (!done && remaining !== 0 && performance.now() < endAt) fail();
      });
      socket.once('connect', send);
    };
    const reopen = () => {
      socket.removeAllListeners('close');
      socket.destroy();
      if (performance.now() >= endAt) return finish();
      open();
    };
    open();
  });
}

serveTasks<LoadTasks>({
  async run({ url, connections, seconds, perConnection }) {
    const target = new URL(url);
    const encoded = perConnection.map((requests) => requests.map((r) => encode(target.host, r)));
    const tally: Tally = { latencies: [], statuses: {}, errors: 0, timeouts: 0 };
    const before = processUsage();
    const started = performance.now();
    const endAt = started + seconds * 1_000;
    await Promise.all(Array.from({ length: connections }, (_, i) => loop(target, encoded[i % encoded.length]!, endAt, tally)));
    const elapsed = (performance.now() - started) / 1_000;
    const after = processUsage();
    const sorted = Array.from(Float64Array.from(tally.latencies).sort());
    const at = (p: number) => percentileOfSorted(sorted, p);
    return {
      responses: sorted.length,
      seconds: elapsed,
      perSecond: sorted.length / elapsed,
      latency: { p50: at(50), p90: at(90), p99: at(99), max: at(100) },
      statuses: tally.statuses,
      non2xx: Object.entries(tally.statuses).reduce((sum, [code, count]) => (code.startsWith('2') ? sum : sum + count), 0),
      errors: tally.errors,
      timeouts: tally.timeouts,
      usage: usageSince(before, after),
    } satisfies LoadResult;
  },
});
