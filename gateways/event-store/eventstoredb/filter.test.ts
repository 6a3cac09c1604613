import type { Filter } from '@kurrent/kurrentdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventFilter } from '../port.js';
import { matchesFilter, serverFilter } from './filter.js';

/** What the server does with one filter (prefix match, or a regex on the name or type). */
function serverLetsThrough(filter: Filter, event: { streamId: string; type: string }): boolean {
  const subject = filter.filterOn === 'streamName' ? event.streamId : event.type;
  if ('prefixes' in filter) return filter.prefixes.some((prefix) => subject.startsWith(prefix));
  return new RegExp(filter.regex).test(subject);
}

const word = fc.constantFrom('playlist', 'track', 'user', 'play', '$stats', '$', 'Played', 'PlayedTwice', '$>', 'Created');
const event = fc.record({ streamId: fc.tuple(word, fc.string()).map(([a, b]) => a + b), type: fc.tuple(word, fc.string()).map(([a, b]) => a + b) });
const filter: fc.Arbitrary<EventFilter | undefined> = fc.option(
  fc.record(
    { streamPrefixes: fc.array(word.filter((w) => w.length > 0), { maxLength: 3 }), eventTypes: fc.array(word, { maxLength: 3 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

describe('serverFilter', () => {
  it('never holds back an event the whole filter keeps', () => {
    fc.assert(
      fc.property(filter, event, (f, e) => {
        if (matchesFilter(f, e)) expect(serverLetsThrough(serverFilter(f), e)).toBe(true);
      }),
    );
  });

  it('never holds back an event of the namespace that the whole filter keeps', () => {
    fc.assert(
      fc.property(filter, event, fc.constantFrom('t1/', 'ns.a-b/'), (f, e, prefix) => {
        const stored = { ...e, streamId: prefix + e.streamId };
        if (matchesFilter(f, e)) expect(serverLetsThrough(serverFilter(f, prefix), stored)).toBe(true);
      }),
    );
  });

  it('narrows to the namespace on the server', () => {
    expect(serverFilter({ streamPrefixes: ['playlist-'] }, 't1/')).toMatchObject({ filterOn: 'streamName', prefixes: ['t1/playlist-'] });
    expect(serverFilter({ eventTypes: ['Played'] }, 't1/')).toMatchObject({ filterOn: 'streamName', prefixes: ['t1/'] });
    expect(serverFilter(undefined, 't1/')).toMatchObject({ filterOn: 'streamName', prefixes: ['t1/'] });
  });

  it('filters on stream prefixes when there are some, else on event types, else drops system events', () => {
    expect(serverFilter({ streamPrefixes: ['playlist-'], eventTypes: ['Played'] })).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['playlist-'],
    });
    expect(serverFilter({ streamPrefixes: [], eventTypes: ['Played', 'Played'] })).toMatchObject({
      filterOn: 'eventType',
      prefixes: ['Played'],
    });
    expect(serverFilter(undefined)).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(serverFilter({})).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
  });
});

describe('matchesFilter', () => {
  const e = { streamId: 'playlist-1', type: 'Played' };

  it('keeps events matching every given constraint', () => {
    expect(matchesFilter(undefined, e)).toBe(true);
    expect(matchesFilter({ streamPrefixes: ['track-', 'playlist-'] }, e)).toBe(true);
    expect(matchesFilter({ streamPrefixes: ['playlist-'], eventTypes: ['Played'] }, e)).toBe(true);
    expect(matchesFilter({ streamPrefixes: ['playlist-'], eventTypes: ['Created'] }, e)).toBe(false);
    expect(matchesFilter({ streamPrefixes: ['track-'], eventTypes: ['Played'] }, e)).toBe(false);
  });

  it('matches event types exactly, not by prefix', () => {
    expect(matchesFilter({ eventTypes: ['Play'] }, e)).toBe(false);
    expect(matchesFilter({ eventTypes: ['Played'] }, { ...e, type: 'PlayedTwice' })).toBe(false);
  });

  it('treats an empty list as no constraint', () => {
    expect(matchesFilter({ streamPrefixes: [], eventTypes: [] }, e)).toBe(true);
  });

  it('never keeps system events', () => {
    expect(matchesFilter(undefined, { streamId: 'playlist-1', type: '$streamDeleted' })).toBe(false);
    expect(matchesFilter({ streamPrefixes: ['$'] }, { streamId: '$settings', type: 'Settings' })).toBe(false);
  });
});
