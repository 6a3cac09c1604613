/**
 * Event filters on KurrentDB. The server applies one filter per read of $all or subscription (on
 * stream names or on event types), so it gets the narrowest one as prefixes and `matchesFilter`
 * checks the whole filter on every event the server lets through. System events never pass.
 */
import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { EventFilter } from '../port.js';
import { isSystemEvent } from './codec.js';

/**
 * The server-side part of `filter` for a store whose stored stream names start with
 * `namespacePrefix`: it may let more through, never less.
 */
export function serverFilter(filter: EventFilter | undefined, namespacePrefix = ''): Filter {
  const prefixes = filter?.streamPrefixes;
  if (prefixes?.length) return streamNameFilter({ prefixes: [...new Set(prefixes.map((p) => namespacePrefix + p))] });
  if (namespacePrefix) return streamNameFilter({ prefixes: [namespacePrefix] });
  const types = filter?.eventTypes;
  // Type prefixes, not a regex: a prefix over-matches (`Played` lets `PlayedTwice` through), and
  // matchesFilter drops the extra events, so no pattern has to be escaped for .NET's regex engine.
  if (types?.length) return eventTypeFilter({ prefixes: [...new Set(types)] });
  return excludeSystemEvents();
}

/**
 * The whole filter, as the Postgres adapter applies it (an empty list does not constrain), on an
 * event whose `streamId` is the store's name for its stream.
 */
export function matchesFilter(filter: EventFilter | undefined, event: { streamId: string; type: string }): boolean {
  if (isSystemEvent(event)) return false;
  const prefixes = filter?.streamPrefixes;
  if (prefixes?.length && !prefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  const types = filter?.eventTypes;
  if (types?.length && !types.includes(event.type)) return false;
  return true;
}
