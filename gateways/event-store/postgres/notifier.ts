/**
 * Telling other processes that events were appended. Each process that has subscriptions open
 * registers in `es_listeners` (with a heartbeat); an appender sends NOTIFY only while some other
 * process is registered, at most once per `minIntervalMs`, after its append has committed. A
 * single-process deployment (and PGlite, which only one process can open) sends none at all.
 *
 * A process that has just registered polls quickly for a moment, until every appender has seen
 * its registration (appenders re-read the registry every second).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SqlClient } from '../../sql/port.js';
import { NOTIFY_CHANNEL } from './schema.js';

const HEARTBEAT_MS = 5_000;
const STALE_AFTER_S = 15;
const REFRESH_MS = 1_000;
/** How long a new listener polls quickly: longer than REFRESH_MS plus a round trip. */
export const NEW_LISTENER_FAST_POLL_MS = 1_500;

export interface NotifierOptions {
  /** Minimum spacing of NOTIFYs from this process (default 2 ms): latency for other processes vs load. */
  minIntervalMs?: number;
}

export class Notifier {
  readonly id = randomUUID();
  private readonly enabled: boolean;
  private readonly minIntervalMs: number;
  private others = true;
  private othersCheckedAt = 0;
  private refreshing = false;
  private sending = false;
  private again = false;
  private lastSentAt = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private registered = false;
  private closed = false;
  /** Listeners woken some other way (a projections thread of this process): no NOTIFY for them alone. */
  private readonly siblings: string[] = [];

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Logger,
    options: NotifierOptions = {},
  ) {
    this.enabled = sql.kind !== 'pglite';
    this.minIntervalMs = options.minIntervalMs ?? 2;
  }

  /** After an append has committed. */
  announce(): void {
    if (!this.enabled || this.closed) return;
    this.refreshOthers();
    if (!this.others) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    void this.send();
  }

  private async send(): Promise<void> {
    do {
      this.again = false;
      const wait = this.lastSentAt + this.minIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastSentAt = Date.now();
      try {
        // A lost notification only delays other processes until their next safety poll, so its
        // commit need not wait for the WAL flush.
        // The payload names the sender: its own LISTEN connection hears it too, and this process
        // woke its subscriptions already (Wakeups.announce), so it passes over its own.
        await this.sql.query("select set_config('synchronous_commit', 'off', true), pg_notify($1, $2)", [NOTIFY_CHANNEL, this.id]);
      } catch (error) {
        if (!this.closed) this.logger.debug({ err: error }, 'event store: NOTIFY failed');
      }
    } while (this.again && !this.closed);
    this.sending = false;
  }

  private refreshOthers(): void {
    if (this.refreshing || Date.now() - this.othersCheckedAt < REFRESH_MS) return;
    this.refreshing = true;
    this.sql
      .query<{ others: boolean }>(
        `select exists (select 1 from es_listeners where listener_id <> all($1::uuid[]) and heartbeat_at > now() - make_interval(secs => $2)) as others`,
        [[this.id, ...this.siblings], STALE_AFTER_S],
      )
      .then((rows) => {
        this.others = rows[0]?.others ?? true;
      })
      .catch(() => {
        this.others = true; // when in doubt, notify
      })
      .finally(() => {
        this.othersCheckedAt = Date.now();
        this.refreshing = false;
      });
  }

  /** A listener this process wakes itself (a thread of its own, told of every append): it needs no NOTIFY. */
  ignore(listenerId: string): void {
    if (!this.siblings.includes(listenerId)) this.siblings.push(listenerId);
    this.othersCheckedAt = 0;
  }

  /** This process listens: appenders elsewhere start notifying within about a second. */
  async register(): Promise<void> {
    if (!this.enabled || this.registered || this.closed) return;
    this.registered = true;
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async unregister(): Promise<void> {
    if (!this.registered) return;
    this.registered = false;
    clearInterval(this.heartbeat);
    await this.sql.query('delete from es_listeners where listener_id = $1', [this.id]).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.sql.query(
        `insert into es_listeners (listener_id, heartbeat_at) values ($1, now())
           on conflict (listener_id) do update set heartbeat_at = now()`,
        [this.id],
      );
      await this.sql.query(`delete from es_listeners where heartbeat_at < now() - interval '1 minute'`);
    } catch (error) {
      this.logger.debug({ err: error }, 'event store: listener heartbeat failed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.unregister();
  }
}
