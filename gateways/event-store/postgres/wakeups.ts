/**
 * Wake-ups for subscriptions: one LISTEN connection per store (opened while any subscription is
 * open), local wake-ups after this process's own appends, and a coalesced NOTIFY so that other
 * processes wake too. NOTIFY is sent after the append has committed, in its own tiny transaction,
 * because a NOTIFY inside the append would serialise every appending commit on Postgres's global
 * notify-queue lock and defeat group commit.
 */
import type { Logger } from 'pino';
import type { Listener, SqlClient } from '../../sql/port.js';
import { NOTIFY_CHANNEL } from './schema.js';

const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 5_000;

export class Wakeups {
  /** Bumped on every wake-up; a waiter that saw an older value returns at once. */
  generation = 0;
  private readonly waiters = new Set<() => void>();
  private users = 0;
  private listener: Listener | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  private lostLogged = false;
  private notifying = false;
  private notifyAgain = false;
  private closed = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Logger,
  ) {}

  /** True while notifications from other processes can arrive. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  acquire(): void {
    this.users += 1;
    if (this.users === 1) this.connect();
  }

  release(): void {
    this.users -= 1;
    if (this.users > 0) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const listener = this.listener;
    this.listener = undefined;
    void listener?.close();
  }

  /**
   * Resolves at the next wake-up after `seenGeneration`, after `timeoutMs`, or when `signal`
   * aborts, whichever comes first.
   */
  wait(seenGeneration: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.generation !== seenGeneration || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  wake(): void {
    this.generation += 1;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** After a local append: wake this process's subscriptions and tell the others. */
  announce(): void {
    this.wake();
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    void this.sendNotify();
  }

  private async sendNotify(): Promise<void> {
    do {
      this.notifyAgain = false;
      try {
        // A lost notification only delays other processes until their next safety poll, so its
        // commit need not wait for the WAL flush.
        await this.sql.query(
          "select set_config('synchronous_commit', 'off', true), pg_notify($1, '')",
          [NOTIFY_CHANNEL],
        );
      } catch (error) {
        if (!this.closed) this.logger.debug({ err: error }, 'event store: NOTIFY failed');
      }
    } while (this.notifyAgain && !this.closed);
    this.notifying = false;
  }

  private connect(): void {
    if (this.connecting || this.listener || this.closed || this.users === 0) return;
    this.connecting = this.sql
      .listen(NOTIFY_CHANNEL, {
        onNotify: () => this.wake(),
        onLost: (error) => {
          this.listener = undefined;
          this.onLost(error);
        },
      })
      .then((listener) => {
        if (this.users === 0 || this.closed) {
          void listener.close();
          return;
        }
        this.listener = listener;
        this.reconnectDelay = RECONNECT_MIN_MS;
        if (this.lostLogged) {
          this.logger.info('event store: notifications restored');
          this.lostLogged = false;
        }
        // Anything committed while we were not listening is picked up by a fresh read.
        this.wake();
      })
      .catch((error: unknown) => this.onLost(error))
      .finally(() => {
        this.connecting = undefined;
      });
  }

  private onLost(error: unknown): void {
    if (this.closed || this.users === 0) return;
    if (!this.lostLogged) {
      this.logger.warn({ err: error }, 'event store: notification connection lost; reconnecting (subscriptions poll meanwhile)');
      this.lostLogged = true;
    }
    this.wake();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.wake();
    await this.connecting?.catch(() => undefined);
    await this.listener?.close();
    this.listener = undefined;
  }
}
