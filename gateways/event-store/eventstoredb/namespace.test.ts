import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { namespace } from './namespace.js';

describe('namespace', () => {
  it('maps names there and back, and disowns other namespaces', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/), fc.string(), fc.string(), (name, stream, other) => {
        const ns = namespace(name);
        expect(ns.fromStored(ns.toStored(stream))).toBe(stream);
        expect(ns.toStored(stream).startsWith(ns.prefix)).toBe(true);
        if (!other.startsWith(`${name}/`)) expect(ns.fromStored(other)).toBeUndefined();
      }),
    );
  });

  it('keeps names as they are without a namespace', () => {
    const ns = namespace(undefined);
    expect(ns.prefix).toBe('');
    expect(ns.toStored('playlist-1')).toBe('playlist-1');
    expect(ns.fromStored('t1/playlist-1')).toBe('t1/playlist-1');
  });

  it('refuses names that could collide or read as system streams', () => {
    for (const bad of ['$t1', 't/1', ' t1', 'x'.repeat(65)]) expect(() => namespace(bad)).toThrow();
  });
});
