import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { uuidv7 } from './uuid.js';
import { prepareAppend } from './validation.js';

const append = (data: unknown) => () => prepareAppend('s-1', [{ id: uuidv7(), type: 'Tested', data }], undefined);

/** A value JSON cannot hold, and the words its error gives. */
const bad = fc.constantFrom<[unknown, string]>(
  ['a\u0000b', 'NUL'],
  ['a\ud800b', 'lone surrogate'],
  [Number.NaN, 'not a JSON number'],
  [Number.POSITIVE_INFINITY, 'not a JSON number'],
  [undefined, 'which JSON cannot hold'],
  [() => 1, 'which JSON cannot hold'],
  [new Date(0), 'Date object'],
);

describe('event data validation', () => {
  it('takes any JSON value', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => void append(data)()));
  });

  it('refuses a value JSON cannot hold wherever it is, naming where', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 0, 1), { maxLength: 4 }), bad, ([...path], [value, words]) => {
        // Builds {k: [ {b: ... value } ]} along the path: strings are keys, numbers array indexes.
        let data: unknown = value;
        let where = '';
        for (const step of path.reverse()) {
          if (typeof step === 'number') data = [...Array.from({ length: step }, () => 0), data];
          else data = { [step]: data };
          where = (typeof step === 'number' ? `[${step}]` : `.${step}`) + where;
        }
        const wrapped = { root: data };
        const error = (() => {
          try {
            append(wrapped)();
          } catch (caught) {
            return caught;
          }
          return undefined;
        })();
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).code).toBe('INVALID_EVENT_DATA');
        expect((error as Error).message).toContain(`data.root${where} `);
        expect((error as Error).message).toContain(words);
      }),
    );
  });

  it('refuses circular data and a key holding a NUL', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    expect(append(circular)).toThrow(/is circular/);
    expect(append({ ['k\u0000']: 1 })).toThrow(/has a key with a NUL/);
  });
});
