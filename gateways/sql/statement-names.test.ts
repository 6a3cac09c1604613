import { describe, expect, it } from 'vitest';
import { StatementNames, isStalePlan } from './statement-names.js';

describe('StatementNames', () => {
  it('names a text from its third use on, always the same name', () => {
    const names = new StatementNames('s', 3, 10);
    expect(names.nameFor('select 1')).toBeUndefined();
    expect(names.nameFor('select 1')).toBeUndefined();
    const name = names.nameFor('select 1');
    expect(name).toBe('s1');
    expect(names.nameFor('select 1')).toBe(name);
    expect(names.nameFor('select 2')).toBeUndefined();
  });

  it('names at most maxNamed texts; the others stay unnamed', () => {
    const names = new StatementNames('s', 1, 2);
    expect(names.nameFor('a')).toBe('s1');
    expect(names.nameFor('b')).toBe('s2');
    expect(names.nameFor('c')).toBeUndefined();
    expect(names.nameFor('c')).toBeUndefined();
    expect(names.nameFor('a')).toBe('s1');
  });

  it('renews the name of a stale statement (a fresh one, never used before) and keeps it', () => {
    const names = new StatementNames('s', 1, 2);
    expect(names.renew('a')).toBeUndefined();
    names.nameFor('a');
    names.nameFor('b');
    const renewed = names.renew('a');
    expect(renewed).toBe('s3');
    expect(names.nameFor('a')).toBe('s3');
    expect(names.nameFor('c')).toBeUndefined();
  });

  it('tells the stale-plan refusal from other errors', () => {
    expect(isStalePlan({ code: '0A000', message: 'cached plan must not change result type' })).toBe(true);
    expect(isStalePlan({ code: '0A000', message: 'something else is not supported' })).toBe(false);
    expect(isStalePlan(new Error('cached plan must not change result type'))).toBe(false);
    expect(isStalePlan(undefined)).toBe(false);
  });
});
