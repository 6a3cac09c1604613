import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../uuid.js';
import { prepareAppend } from '../validation.js';
import { appendPayload } from './append.js';

const TYPE = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/);
const OBJECT = fc.dictionary(fc.string(), fc.jsonValue());
const METADATA = fc.record({ actorId: fc.string(), correlationId: fc.string() }, { requiredKeys: [] });
const TIME = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });

describe('the append payload', () => {
  it('is the JSON of the checked events, whatever their data holds (escapes, any Unicode text, nesting)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ upper: fc.boolean(), type: TYPE, data: OBJECT, metadata: fc.option(METADATA, { nil: undefined }), occurredAt: fc.option(TIME, { nil: undefined }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (drawn) => {
          const events = drawn.map(({ upper, type, data, metadata, occurredAt }) => {
            const id = uuidv7();
            return { id: upper ? id.toUpperCase() : id, type, data, ...(metadata ? { metadata } : {}), ...(occurredAt ? { occurredAt } : {}) };
          });
          const batch = prepareAppend('s-1', events, undefined);
          const text = appendPayload(batch.events);
          expect(JSON.parse(text)).toEqual(
            JSON.parse(JSON.stringify(batch.events.map(({ id, type, data, metadata, occurredAt }) => ({ id, type, data, metadata, occurredAt })))),
          );
          // What the database's jsonb would get: ids lower-case, times as written.
          const parsed = JSON.parse(text) as Array<{ id: string; occurredAt: string }>;
          parsed.forEach((event, i) => {
            expect(event.id).toBe(events[i]!.id.toLowerCase());
            if (events[i]!.occurredAt) expect(event.occurredAt).toBe((events[i]!.occurredAt as Date).toISOString());
          });
        },
      ),
    );
  });

  it('gives the events of a batch written without a time one time, read once', () => {
    let reads = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, reads++));
    const given = '2025-06-01T12:00:00.000Z';
    const batch = prepareAppend(
      's-1',
      [
        { id: uuidv7(), type: 'A', data: {} },
        { id: uuidv7(), type: 'B', data: {}, occurredAt: given },
        { id: uuidv7(), type: 'C', data: {} },
      ],
      undefined,
      now,
    );
    expect(reads).toBe(1);
    expect(batch.events.map((e) => e.occurredAt)).toEqual(['2026-01-01T00:00:00.000Z', given, '2026-01-01T00:00:00.000Z']);
  });
});
