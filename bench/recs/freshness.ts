/**
 * Freshness on a real store: the planted catalogue and a slice of the history appended to a
 * PostgreSQL event store, the live model (the `recommendations` projection) caught up from it,
 * then plays appended one at a time; each is timed from its append until that listener's
 * recommendations name the played track as their reason (`similar-to`): store, subscription,
 * model and recommender, end to end.
 */
import { pino } from 'pino';
import { Recommender } from '../../application/recommendations/recommend.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent } from '../../gateways/event-store/port.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { LiveRecsModel } from '../../projections/recommendations/live.js';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { log } from '../lib/results.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import type { Dataset } from './dataset.js';
import { catalogEvents, trackId, userId } from './planted-catalog.js';

export interface Freshness {
  plays: number;
  catchUpMs: number;
  catchUpEventsPerSecond: number;
  /** From the append until the model has applied the play. */
  playToModelMs: LatencySummary;
  /** From the append until the listener's recommendations name the track as their reason. */
  playToRecommendationMs: LatencySummary;
}

export async function measureFreshness(dataset: Dataset, options: { popularTracks: readonly number[]; trials: number }): Promise<Freshness> {
  const db = await createTestDatabase('bench_recs');
  const sql = createPgClient({ connectionString: db.url, applicationName: 'bench-recs', max: 4 });
  const store = await PostgresEventStore.open(sql);
  const live = new LiveRecsModel(store, pino({ level: 'warn' }));
  try {
    let sequence = 0;
    const id = () => `0190a000-0000-7000-8000-${String(sequence++).padStart(12, '0')}`;
    const catalog = [...catalogEvents(dataset.catalog)];
    for (let i = 0; i < catalog.length; i += 500) {
      await store.appendMany(catalog.slice(i, i + 500).map((e, j) => ({ stream: `catalog-bench-${i + j}`, events: [{ id: id(), type: e.type, data: e.data as never }] })));
    }
    // The last training plays, as TrackPlayed events of each listener's stream.
    const plays = dataset.keptPlays;
    for (let i = 0; i < plays.length; i += 2_000) {
      const batch = plays.slice(i, i + 2_000).map((p) => ({ stream: `listens-${userId(p.user)}`, events: [playEvent(id(), p.user, p.track, p.playedAtMs)] }));
      await store.appendMany(batch);
    }
    const started = performance.now();
    await live.start();
    const catchUpMs = performance.now() - started;
    const events = live.status().eventsApplied;
    log(`freshness: live model caught up with ${events} events in ${Math.round(catchUpMs)} ms`);
    const recommender = () => new Recommender(live.model);
    const samples: number[] = [];
    const applied: number[] = [];
    const nowMs = dataset.splitMs;
    for (let trial = 0; trial < options.trials; trial++) {
      const user = `fresh-${trial}`;
      const track = options.popularTracks[trial % options.popularTracks.length]!;
      const sent = performance.now();
      await store.append(`listens-${user}`, [playEvent(id(), user, track, nowMs - 60_000)]);
      let appliedAt: number | undefined;
      for (;;) {
        if (appliedAt === undefined && live.model.profileOf(user)) appliedAt = performance.now() - sent;
        const items = recommender().recommend({ userId: user, limit: 10, nowMs });
        if (items.some((item) => item.reasons.some((r) => r.type === 'similar-to' && r.id === trackId(track)))) break;
        if (performance.now() - sent > 10_000) throw new Error(`trial ${trial}: the play never showed`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      samples.push(performance.now() - sent);
      applied.push(appliedAt ?? samples[samples.length - 1]!);
    }
    return { plays: plays.length, catchUpMs, catchUpEventsPerSecond: events / (catchUpMs / 1000), playToModelMs: summarize(applied), playToRecommendationMs: summarize(samples) };
  } finally {
    await live.stop();
    await store.close();
    await sql.close();
    await db.drop();
  }
}

function playEvent(eventId: string, user: number | string, track: number, playedAtMs: number): NewEvent {
  const name = typeof user === 'number' ? userId(user) : user;
  return { id: eventId, type: 'TrackPlayed', data: { userId: name, trackId: trackId(track), playedAt: new Date(playedAtMs).toISOString(), msPlayed: 120_000 } };
}
