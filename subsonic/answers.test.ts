import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answers.js';
import type { SubsonicDeps } from './context.js';
import type { Format } from './envelope.js';

/** Read model versions set by the test (what Projections.contentVersion answers). */
function world() {
  const versions = new Map<string, number>([
    ['catalog', 1],
    ['users', 1],
  ]);
  const projections = { contentVersion: async (name: string) => `v${versions.get(name) ?? 0}` };
  const deps = { serverVersion: '9.9.9' } as SubsonicDeps;
  const caller = (userId: string, format: Format) => ({ deps, userId, format });
  let builds = 0;
  const build = (keep = true) => async () => {
    builds += 1;
    return { payload: { thing: { id: 'a&b', n: builds } }, keep };
  };
  return { versions, projections, caller, build, builds: () => builds };
}

describe('AnswerCache', () => {
  it('keeps the serialized answer per format, user and read model versions', async () => {
    const w = world();
    const cache = new AnswerCache(w.projections, { readModels: ['catalog', 'users'], perUser: true });
    const first = await cache.answer(w.caller('ann', 'json'), 'k', w.build());
    expect(JSON.parse(first.body.toString('utf8'))).toEqual({
      'subsonic-response': { status: 'ok', version: '1.16.1', type: 'chorus', serverVersion: '9.9.9', openSubsonic: true, thing: { id: 'a&b', n: 1 } },
    });
    expect((await cache.answer(w.caller('ann', 'json'), 'k', w.build())).body).toEqual(first.body);
    expect(w.builds()).toBe(1);

    const xml = await cache.answer(w.caller('ann', 'xml'), 'k', w.build());
    expect(xml.body.toString('utf8')).toContain('<thing id="a&amp;b" n="2"/>');
    await cache.answer(w.caller('bob', 'json'), 'k', w.build());
    await cache.answer(w.caller('ann', 'json'), 'other key', w.build());
    expect(w.builds()).toBe(4);

    // A star (the users read model moves): built again, once.
    w.versions.set('users', 2);
    await cache.answer(w.caller('ann', 'json'), 'k', w.build());
    await cache.answer(w.caller('ann', 'json'), 'k', w.build());
    expect(w.builds()).toBe(5);
  });

  it('shares answers between users when they do not depend on who asks', async () => {
    const w = world();
    const cache = new AnswerCache(w.projections, { readModels: ['catalog'], perUser: false });
    await cache.answer(w.caller('ann', 'xml'), 'k', w.build());
    await cache.answer(w.caller('bob', 'xml'), 'k', w.build());
    expect(w.builds()).toBe(1);
  });

  it('does not keep an answer its build says is not from the read models', async () => {
    const w = world();
    const cache = new AnswerCache(w.projections, { readModels: ['catalog'], perUser: true });
    await cache.answer(w.caller('ann', 'json'), 'k', w.build(false));
    await cache.answer(w.caller('ann', 'json'), 'k', w.build(false));
    expect(w.builds()).toBe(2);
  });

  it('keeps at most maxBytes, dropping the least recently used; answers age out', async () => {
    const w = world();
    let now = 0;
    const cache = new AnswerCache(w.projections, { readModels: ['catalog'], perUser: false, maxBytes: 8 * 250, ttlMs: 1_000 }, () => now);
    const size = (await cache.answer(w.caller('ann', 'json'), 'k0', w.build())).body.length;
    expect(size).toBeLessThan(250);
    const fits = Math.floor((8 * 250) / size);
    for (let i = 1; i < fits + 2; i += 1) await cache.answer(w.caller('ann', 'json'), `k${i}`, w.build());
    const built = w.builds();
    await cache.answer(w.caller('ann', 'json'), 'k0', w.build());
    expect(w.builds()).toBe(built + 1); // dropped for the newer ones
    await cache.answer(w.caller('ann', 'json'), `k${fits + 1}`, w.build());
    expect(w.builds()).toBe(built + 1);
    now = 1_000;
    await cache.answer(w.caller('ann', 'json'), `k${fits + 1}`, w.build());
    expect(w.builds()).toBe(built + 2);
  });
});
