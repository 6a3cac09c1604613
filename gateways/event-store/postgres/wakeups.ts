/**
 * Wake-ups for subscriptions: one LISTEN connection per store (opened while any subscription is
 * open) for appends of other processes, and local wake-ups after this process's own appends.
 * NOTIFY is sent by the Notifier, after the append has committed and in its own tiny
 * transaction: a NOTIFY inside the append would serialise every appending commit on Postgres's
 * global notify-queue lock and defeat group commit. Its payload is the sender's id, so that the
 * echo of this store's own NOTIFY (its LISTEN connection hears it too) wakes nothing: it would
 * only cost a read of the head that finds nothing new.
 */
import type { Logger } from 'pino';
import { Backoff } from '../../backoff.js';
import type { Listener, SqlClient } from '../../sql/port.js';
import { NEW_LISTENER_FAST_POLL_MS, Notifier, type NotifierOptions } from './notifier.js';
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
  private readonly reconnectDelay = new Backoff({ minMs: RECONNECT_MIN_MS, maxMs: RECONNECT_MAX_MS });
  private lostLogged = false;
  private closed = false;
  private readonly notifier: Notifier;
  private fastPollUntil = 0;
  /**
   * Senders whose NOTIFYs wake nothing here: this store (its subscriptions were woken when each of
   * its appends committed) and siblings that wake it themselves (ignoreNotifiesFrom).
   */
  private readonly quiet: Set<string>;

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Logger,
    options: NotifierOptions = {},
  ) {
    this.notifier = new Notifier(sql, logger, options);
    this.quiet = new Set([this.notifier.id]);
  }

  /** True while notifications from other processes can arrive. */
  get listening(): boolean {
    return this.listener !== undefined || this.sql.kind === 'pglite';
  }

  /** How long a subscription may sleep without a wake-up before it reads again anyway. */
  pollInterval(normalMs: number, deafMs: number): number {
    if (!this.listening) return deafMs;
    return Date.now() < this.fastPollUntil ? Math.min(normalMs, 50) : normalMs;
  }

  acquire(): void {
    this.users += 1;
    if (this.users === 1) {
      this.fastPollUntil = Date.now() + NEW_LISTENER_FAST_POLL_MS;
      void this.notifier.register();
      this.connect();
    }
  }

  release(): void {
    this.users -= 1;
    if (this.users > 0) return;
    void this.notifier.unregister();
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

  /** Told after every local append (the projections thread of this process is woken with it). */
  onAnnounce: (() => void) | undefined;

  /** The id under which this store registers as a listener (es_listeners). */
  get listenerId(): string {
    return this.notifier.id;
  }

  /** A listener woken through onAnnounce: appends are not NOTIFYed for it alone. */
  ignoreListener(listenerId: string): void {
    this.notifier.ignore(listenerId);
  }

  /**
   * The NOTIFYs of the store listening as `listenerId` wake nothing here: it wakes this store
   * itself after each append (the main thread, for its projections thread).
   */
  ignoreNotifiesFrom(listenerId: string): void {
    this.quiet.add(listenerId);
  }

  /** After a local append: wake this process's subscriptions and tell the others. */
  announce(): void {
    this.wake();
    this.onAnnounce?.();
    this.notifier.announce();
  }

  private connect(): void {
    if (this.connecting || this.listener || this.closed || this.users === 0) return;
    this.connecting = this.sql
      .listen(NOTIFY_CHANNEL, {
        onNotify: (payload) => {
          if (!this.quiet.has(payload)) this.wake();
        },
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
        this.reconnectDelay.reset();
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
    }, this.reconnectDelay.next());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.notifier.close();
    clearTimeout(this.reconnectTimer);
    this.wake();
    await this.connecting?.catch(() => undefined);
    await this.listener?.close();
    this.listener = undefined;
  }
}
