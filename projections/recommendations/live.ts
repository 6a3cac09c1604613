/**
 * The `recommendations` projection: the listening model (model.ts) kept in this process's memory,
 * fed by a subscription to `$all` filtered to the events it reads. It is rebuilt from the events
 * at every start (and on `rebuild()`), then follows the store live: a play is applied as soon as
 * the store delivers it (LISTEN/NOTIFY on Postgres), so it changes its neighbours' rows and the
 * listener's profile within milliseconds. Each node keeps its own copy; all converge on the same
 * model because it is a function of the events and their order only.
 *
 * Read-your-writes: `waitFor(position)` resolves once every event up to `position` that the model
 * reads has been applied. An event the model cannot read (malformed data) is logged and skipped,
 * as the other projections skip poison events; it changes nothing (apply throws before a change).
 */
import type { Logger } from 'pino';
import type { EventStore, Position, Subscription } from '../../gateways/event-store/port.js';
import { PositionWaiters } from '../waiters.js';
import { MODEL_DEFAULTS, MODEL_EVENT_TYPES, RecsModel, type ModelConfig } from './model.js';

export const RECOMMENDATIONS_PROJECTION = 'recommendations';

export interface LiveModelStatus {
  state: 'catching-up' | 'live' | 'stopped';
  /** The last position applied (or passed over), undefined before the first. */
  position: Position | undefined;
  eventsApplied: number;
  playsApplied: number;
  skipped: number;
  /** How long the last catch-up from the first event took. */
  catchUpMs: number | undefined;
}

export class LiveRecsModel {
  private current: RecsModel;
  private subscription: Subscription | undefined;
  private waiters: PositionWaiters;
  private position: Position | undefined;
  private state: LiveModelStatus['state'] = 'stopped';
  private skipped = 0;
  private catchUpMs: number | undefined;
  private running: Promise<void> | undefined;
  private generation = 0;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly config: ModelConfig = MODEL_DEFAULTS,
  ) {
    this.current = new RecsModel(config);
    this.waiters = new PositionWaiters((a, b) => store.comparePositions(a, b));
  }

  /** The model as of now (a rebuild swaps in a new one once it has caught up). */
  get model(): RecsModel {
    return this.current;
  }

  /** Starts following the store from its first event; resolves once caught up with the head. */
  async start(): Promise<void> {
    await this.follow(new RecsModel(this.config), true);
  }

  /** Builds a new model from the first event beside the current one, then swaps it in. */
  async rebuild(): Promise<void> {
    await this.stopFollowing();
    await this.follow(new RecsModel(this.config), false);
  }

  async stop(): Promise<void> {
    await this.stopFollowing();
    this.state = 'stopped';
    this.waiters.abandon();
  }

  /** True once every event up to `position` the model reads is applied; false after `timeoutMs`. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.position !== undefined && this.store.comparePositions(this.position, position) >= 0) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  status(): LiveModelStatus {
    return {
      state: this.state,
      position: this.position,
      eventsApplied: this.current.eventsApplied,
      playsApplied: this.current.playsApplied,
      skipped: this.skipped,
      catchUpMs: this.catchUpMs,
    };
  }

  private async stopFollowing(): Promise<void> {
    this.generation += 1;
    await this.subscription?.close();
    await this.running;
    this.subscription = undefined;
    this.running = undefined;
  }

  /**
   * Reads from the first event into `model`; once at the head, `model` becomes the current one
   * (at once when `serveWhileCatchingUp`, so a fresh node answers from what it has so far).
   */
  private async follow(model: RecsModel, serveWhileCatchingUp: boolean): Promise<void> {
    const generation = this.generation;
    const started = performance.now();
    const head = await this.store.headPosition();
    if (serveWhileCatchingUp) this.current = model;
    this.state = 'catching-up';
    let position: Position | undefined;
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const advance = (to: Position) => {
      position = to;
      if (this.current !== model) {
        if (this.store.comparePositions(to, head) < 0) return;
        this.current = model;
      }
      this.position = to;
      if (this.state === 'catching-up' && this.store.comparePositions(to, head) >= 0) {
        this.state = 'live';
        this.catchUpMs = performance.now() - started;
        this.logger.info({ events: model.eventsApplied, plays: model.playsApplied, ms: Math.round(this.catchUpMs) }, 'recommendations: model caught up');
        caughtUp();
      }
      this.waiters.reach(to);
    };
    const subscription = this.store.subscribeToAll({ filter: { eventTypes: MODEL_EVENT_TYPES }, onProgress: advance });
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) {
          if (generation !== this.generation) break;
          try {
            model.applyOne(event);
          } catch (error) {
            this.skipped += 1;
            this.logger.warn({ err: error, eventId: event.id, type: event.type }, 'recommendations: skipped an event it cannot apply');
          }
          advance(event.position);
        }
      } catch (error) {
        if (generation === this.generation) {
          this.state = 'stopped';
          this.logger.error({ err: error, position }, 'recommendations: the subscription failed; the model stops here');
        }
      } finally {
        caughtUp();
      }
    })();
    // The subscription reports progress at the head (onProgress) even when nothing matched.
    await ready;
  }
}
