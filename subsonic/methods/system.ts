/** System and user methods: ping, getLicense, getOpenSubsonicExtensions, getMusicFolders, getUser. */
import { findSubsonicUser } from '../../application/accounts/subsonic.js';
import { getUser as readUser, type User } from '../../projections/sql/users.js';
import type { Method } from '../context.js';
import type { Payload } from '../envelope.js';
import { notAllowed, notFound } from '../errors.js';

/** The one music folder: the whole catalog. */
export const MUSIC_FOLDER = { id: 1, name: 'Music' };

/** What a plan streams at most, in kbps (DESIGN: free 128, premium 320). */
export const PLAN_BITRATE = { free: 128, premium: 320 } as const;

export const EXTENSIONS = [
  { name: 'formPost', versions: [1] },
  { name: 'apiKeyAuthentication', versions: [1] },
];

/** The name a user signs in to Subsonic apps with. */
export const subsonicName = (user: Pick<User, 'id' | 'username'>) => user.username ?? user.id;

export function userPayload(user: User): Payload {
  const admin = user.role === 'admin';
  return {
    username: subsonicName(user),
    scrobblingEnabled: true,
    maxBitRate: PLAN_BITRATE[user.plan],
    adminRole: admin,
    settingsRole: true,
    downloadRole: true,
    uploadRole: false,
    playlistRole: true,
    coverArtRole: false,
    commentRole: false,
    podcastRole: false,
    streamRole: true,
    jukeboxRole: false,
    shareRole: false,
    videoConversionRole: false,
    folder: [MUSIC_FOLDER.id],
  };
}

export const systemMethods: Record<string, Method> = {
  ping: { run: async () => ({}) },
  getLicense: { run: async () => ({ license: { valid: true } }) },
  getOpenSubsonicExtensions: { public: true, run: async () => ({ openSubsonicExtensions: EXTENSIONS }) },
  getMusicFolders: { run: async () => ({ musicFolders: { musicFolder: [MUSIC_FOLDER] } }) },
  getUser: {
    async run({ deps, params, userId }) {
      const me = await readUser(deps.sql, userId);
      if (!me) throw notFound('user');
      const name = params.string('username') ?? subsonicName(me);
      if (name === subsonicName(me)) return { user: userPayload(me) };
      if (me.role !== 'admin') throw notAllowed('only an admin reads other users');
      const found = await findSubsonicUser(deps.accounts, name);
      const user = found && (await readUser(deps.sql, found.userId));
      if (!user) throw notFound(`user ${name}`);
      return { user: userPayload(user) };
    },
  },
};
