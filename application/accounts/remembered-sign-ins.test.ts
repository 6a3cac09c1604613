import { describe, expect, it } from 'vitest';
import { REFRESH_AFTER_MS, REMEMBERED_MS, RememberedSignIns, type SignInRead } from './remembered-sign-ins.js';

/** A read that answers when the test says so, counting how many began. */
function reads() {
  const started: Array<(read: SignInRead | undefined | Error) => void> = [];
  const load = () =>
    new Promise<SignInRead | undefined>((resolve, reject) => {
      started.push((read) => (read instanceof Error ? reject(read) : resolve(read)));
    });
  return { started, load };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const ann: SignInRead = { userId: 'u-ann', password: 'pw-1' };

describe('RememberedSignIns', () => {
  it('calls of one pair that need the read at the same time share one; another address reads on its own', async () => {
    const remembered = new RememberedSignIns();
    const { started, load } = reads();
    const waiting = Array.from({ length: 50 }, () => remembered.read('ann', '10.0.0.1', load));
    const other = remembered.read('ann', '10.0.0.2', load);
    expect(started).toHaveLength(2);
    started[0]!(ann);
    started[1]!(undefined);
    for (const fetched of await Promise.all(waiting)) expect(fetched.read).toEqual(ann);
    expect((await other).read).toBeUndefined();
    // Done: the next call reads again.
    void remembered.read('ann', '10.0.0.1', load);
    expect(started).toHaveLength(3);
  });

  it('a failed read (a limit reached) fails every call waiting for it', async () => {
    const remembered = new RememberedSignIns();
    const { started, load } = reads();
    const waiting = [remembered.read('ann', 'a', load), remembered.read('ann', 'a', load)];
    started[0]!(new Error('limited'));
    for (const result of await Promise.allSettled(waiting)) expect(result.status).toBe('rejected');
  });

  it('a pair in use is read again in the background once half its age, and stays remembered from when that read began', async () => {
    let now = 1_000_000;
    const remembered = new RememberedSignIns(() => now);
    const { started, load } = reads();
    remembered.remember('ann', 'a', ann, now);
    now += REFRESH_AFTER_MS - 1;
    remembered.refresh('ann', 'a', remembered.get('ann', 'a')!, load);
    expect(started).toHaveLength(0);
    now += 1;
    remembered.refresh('ann', 'a', remembered.get('ann', 'a')!, load);
    remembered.refresh('ann', 'a', remembered.get('ann', 'a')!, load);
    expect(started).toHaveLength(1);
    const readAt = now;
    now += 10;
    started[0]!({ userId: 'u-ann', password: 'pw-2' });
    await settle();
    expect(remembered.get('ann', 'a')).toEqual({ userId: 'u-ann', password: 'pw-2', readAt });
    now = readAt + REMEMBERED_MS - 1;
    expect(remembered.get('ann', 'a')?.password).toBe('pw-2');
    now += 1;
    expect(remembered.get('ann', 'a')).toBeUndefined();
  });

  it('a background read that finds no app password, or fails, forgets the pair', async () => {
    let now = 1_000_000;
    const remembered = new RememberedSignIns(() => now);
    const { started, load } = reads();
    remembered.remember('ann', 'a', ann, now);
    remembered.remember('ann', 'b', ann, now);
    now += REFRESH_AFTER_MS;
    remembered.refresh('ann', 'a', remembered.get('ann', 'a')!, load);
    remembered.refresh('ann', 'b', remembered.get('ann', 'b')!, load);
    started[0]!(undefined);
    started[1]!(new Error('redis down'));
    await settle();
    expect(remembered.get('ann', 'a')).toBeUndefined();
    expect(remembered.get('ann', 'b')).toBeUndefined();
  });

  it('a read that began before a forget (a password changed in this process) is not remembered', async () => {
    let now = 1_000_000;
    const remembered = new RememberedSignIns(() => now);
    const { started, load } = reads();
    const fetching = remembered.read('ann', 'a', load);
    remembered.forget('u-ann');
    started[0]!(ann);
    expect((await fetching).rememberable()).toBe(false);

    remembered.remember('ann', 'a', ann, now);
    now += REFRESH_AFTER_MS;
    remembered.refresh('ann', 'a', remembered.get('ann', 'a')!, load);
    remembered.forget('u-other');
    started[1]!(ann);
    await settle();
    expect(remembered.get('ann', 'a')).toBeUndefined();
  });

  it('remembers nothing already older than REMEMBERED_MS', () => {
    let now = 1_000_000;
    const remembered = new RememberedSignIns(() => now);
    const readAt = now;
    now += REMEMBERED_MS;
    remembered.remember('ann', 'a', ann, readAt);
    expect(remembered.get('ann', 'a')).toBeUndefined();
  });
});
