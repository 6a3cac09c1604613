/**
 * The recommendations model of this node: rebuilt from the events when the node starts (it
 * answers from what it has read so far meanwhile; `?after=` waits for a position), then kept live.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RecommendationService } from '../application/recommendations/service.js';
import type { Cache } from '../gateways/cache/port.js';
import type { EventStore } from '../gateways/event-store/port.js';
import { LiveRecsModel } from '../projections/recommendations/live.js';

export interface RecommendationsRuntime {
  service: RecommendationService;
  live: LiveRecsModel;
  stop(): Promise<void>;
}

export function startRecommendations(deps: { store: EventStore; cache: Cache; logger: Logger }): RecommendationsRuntime {
  const logger = deps.logger.child({ projection: 'recommendations' });
  const live = new LiveRecsModel(deps.store, logger);
  live.start().catch((error: unknown) => logger.error({ err: error }, 'recommendations: the model could not start'));
  const service = new RecommendationService(live, deps.cache, () => randomUUID().replaceAll('-', ''));
  return { service, live, stop: () => live.stop() };
}
