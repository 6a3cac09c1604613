/**
 * Output for the CLI: data lines on stdout with backpressure (a slow reader slows the command
 * down instead of filling memory) and a quiet stop when the reader goes away (`| head`); progress
 * lines on stderr.
 */
import type { Writable } from 'node:stream';

/** stdout was closed by its reader (EPIPE): the command stops, exit code 0. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor() {
    super('stdout was closed by its reader');
  }
}

const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ECONNRESET']);

/**
 * Writes lines to `out`, gathering them into chunks of up to `chunkBytes`. A partial chunk is
 * written after `idleMs` without a new line, so a live feed (`--follow`) is not held back.
 */
export class LineWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly closeListeners = new Set<() => void>();
  private readonly onError = (error: NodeJS.ErrnoException) => {
    if (error.code && CLOSED_CODES.has(error.code)) this.markClosed();
    else this.failure ??= error;
  };

  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 64 * 1024,
    private readonly idleMs = 20,
  ) {
    out.on('error', this.onError);
  }

  /** Calls `listener` once the reader has gone away (a follower stops waiting for events then). */
  onClose(listener: () => void): () => void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
    return () => void this.closeListeners.delete(listener);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }

  /** Queues one line (without its newline). Resolves when more may be written. */
  async writeLine(line: string): Promise<void> {
    this.check();
    this.pending.push(line, '\n');
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= this.chunkBytes) {
      await this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.writeChunk();
      }, this.idleMs);
    }
  }

  /** Writes what is queued and waits until `out` can take more. */
  async flush(): Promise<void> {
    this.writeChunk();
    this.check();
    if (this.out.writableNeedDrain) await this.waitForDrain();
    this.check();
  }

  /** Flushes, waits until everything written has been handed to the OS, and detaches. */
  async end(): Promise<void> {
    try {
      await this.flush();
      await new Promise<void>((resolve) => {
        if (this.closed || this.out.destroyed || this.out.errored) return resolve();
        this.out.write('', () => resolve());
      });
    } finally {
      clearTimeout(this.timer);
      // Keep a listener: a late EPIPE must not crash the process.
      this.out.off('error', this.onError);
      this.out.on('error', () => undefined);
    }
  }

  private writeChunk(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.closed) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.out.destroyed || this.out.writableEnded) {
      this.markClosed();
      return;
    }
    this.out.write(chunk);
  }

  /** Until `out` drains, or errs, or its reader is found gone (process.stdout is never `destroyed`). */
  private waitForDrain(): Promise<void> {
    return new Promise((resolve) => {
      let waiting = true;
      let forget: () => void = () => undefined;
      const done = () => {
        if (!waiting) return;
        waiting = false;
        forget();
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
      forget = this.onClose(done);
    });
  }

  private check(): void {
    if (this.closed || this.out.destroyed) throw new OutputClosedError();
    if (this.failure) throw this.failure;
  }
}

/** Writes a line to stderr now and then while a long command runs. */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private printedOnTty = false;
  private stopped = false;

  constructor(
    private readonly err: Writable & { isTTY?: boolean },
    private readonly render: () => string,
    private readonly everyMs = 2_000,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.print(), this.everyMs);
    this.timer.unref();
    return this;
  }

  print(): void {
    const text = this.render();
    if (this.err.isTTY) {
      this.err.write(`\r\x1b[K${text}`);
      this.printedOnTty = true;
    } else {
      this.err.write(`${text}\n`);
    }
  }

  /** Stops; with `last`, prints a final line. Later calls do nothing. */
  stop(last = false): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (last) this.print();
    if (this.printedOnTty) this.err.write('\n');
    this.printedOnTty = false;
  }
}

/** 1234567 -> "1,234,567". */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');
