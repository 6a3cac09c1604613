import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canEdit, canManage, canRead, roleOf, type PlaylistAccessFacts } from './access.js';
import type { CollaboratorRole } from './events.js';

const facts = (over: Partial<PlaylistAccessFacts> = {}): PlaylistAccessFacts => ({
  ownerId: 'owner',
  public: false,
  collaborative: false,
  collaborators: new Map<string, CollaboratorRole>([
    ['ed', 'editor'],
    ['vi', 'viewer'],
  ]),
  ...over,
});

type Who = 'owner' | 'ed' | 'vi' | 'stranger';

/** [who, public, collaborative, canRead, canEdit, canManage] */
const table: [Who, boolean, boolean, boolean, boolean, boolean][] = [
  ['owner', false, false, true, true, true],
  ['owner', false, true, true, true, true],
  ['owner', true, false, true, true, true],
  ['owner', true, true, true, true, true],
  ['ed', false, false, true, false, false],
  ['ed', false, true, true, true, false],
  ['ed', true, false, true, false, false],
  ['ed', true, true, true, true, false],
  ['vi', false, false, true, false, false],
  ['vi', false, true, true, false, false],
  ['vi', true, false, true, false, false],
  ['vi', true, true, true, false, false],
  ['stranger', false, false, false, false, false],
  ['stranger', false, true, false, false, false],
  ['stranger', true, false, true, false, false],
  ['stranger', true, true, true, false, false],
];

const idArb = fc.constantFrom('owner', 'a', 'b', 'c');
const factsArb: fc.Arbitrary<PlaylistAccessFacts> = fc.record({
  ownerId: idArb,
  public: fc.boolean(),
  collaborative: fc.boolean(),
  collaborators: fc.array(fc.tuple(idArb, fc.constantFrom<CollaboratorRole>('editor', 'viewer'))).map((entries) => new Map(entries)),
});

describe('playlist access', () => {
  it.each(table)('%s on a playlist public=%s collaborative=%s: read %s, edit %s, manage %s', (who, isPublic, collaborative, read, edit, manage) => {
    const playlist = facts({ public: isPublic, collaborative });
    expect([canRead(playlist, who), canEdit(playlist, who), canManage(playlist, who)]).toStrictEqual([read, edit, manage]);
  });

  it('the role of the owner is owner, of a collaborator their role, of anyone else undefined', () => {
    const playlist = facts();
    expect(['owner', 'ed', 'vi', 'stranger'].map((id) => roleOf(playlist, id))).toStrictEqual(['owner', 'editor', 'viewer', undefined]);
  });

  it('the owner stays owner even if also listed as a viewer', () => {
    const playlist = facts({ collaborators: new Map([['owner', 'viewer']]) });
    expect(roleOf(playlist, 'owner')).toBe('owner');
    expect(canManage(playlist, 'owner')).toBe(true);
  });

  it('ids are compared exactly (no case folding)', () => {
    expect(roleOf(facts(), 'Owner')).toBeUndefined();
    expect(canRead(facts(), 'ED')).toBe(false);
  });

  it('managing implies editing, and editing implies reading, for anyone on any playlist', () => {
    fc.assert(
      fc.property(
        factsArb,
        idArb,
        (playlist, userId) => {
          if (canManage(playlist, userId)) expect(canEdit(playlist, userId)).toBe(true);
          if (canEdit(playlist, userId)) expect(canRead(playlist, userId)).toBe(true);
        },
      ),
    );
  });

  it('making a playlist public or collaborative never takes a right away', () => {
    fc.assert(
      fc.property(
        factsArb,
        idArb,
        (playlist, userId) => {
          const opened = { ...playlist, public: true, collaborative: true };
          for (const can of [canRead, canEdit, canManage]) if (can(playlist, userId)) expect(can(opened, userId)).toBe(true);
        },
      ),
    );
  });
});
