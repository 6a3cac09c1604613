/**
 * Annotation: star/unstar (a song is a TrackLiked/TrackUnliked, an album an AlbumLiked/
 * AlbumUnliked, an artist an ArtistFollowed/ArtistUnfollowed, through the user decider like the
 * HTTP API's likes and follows) and scrobble
 * (`submission=false`: now playing; `true`, the default: a TrackPlayed of the whole track).
 */
import { albumExists, artistExists, trackDuration } from '../../application/facts.js';
import { inSequence } from '../../application/decide-in-sequence.js';
import { handleCommand, handleStatelessCommand } from '../../application/handle-command.js';
import { listensDecider } from '../../domain/listens/decider.js';
import { listensStream } from '../../domain/listens/events.js';
import { userDecider, type UserCommand } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { readYourWrite, type Method, type MethodContext } from '../context.js';
import { SubsonicError, missing, notFound } from '../errors.js';

const userCommands = inSequence(userDecider);

/** A device id the listens decider takes, from the app's name. */
const DEVICE = /[^A-Za-z0-9_.:@-]+/g;
export const deviceOf = (client: string) => client.replace(DEVICE, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'subsonic';

async function annotate(context: MethodContext, star: boolean): Promise<Record<string, never>> {
  const { deps, params, userId } = context;
  const songs = params.list('id');
  const albums = params.list('albumId');
  const artists = params.list('artistId');
  if (songs.length === 0 && albums.length === 0 && artists.length === 0) throw missing('id, albumId or artistId');
  const at = deps.now().toISOString();
  const commands: UserCommand[] = [];
  for (const trackId of songs) {
    commands.push(star ? { type: 'LikeTrack', userId, trackId, trackExists: (await trackDuration(deps, trackId)) !== undefined, at } : { type: 'UnlikeTrack', userId, trackId, at });
  }
  for (const albumId of albums) {
    commands.push(star ? { type: 'LikeAlbum', userId, albumId, albumExists: await albumExists(deps, albumId), at } : { type: 'UnlikeAlbum', userId, albumId, at });
  }
  for (const artistId of artists) {
    commands.push(star ? { type: 'FollowArtist', userId, artistId, artistExists: await artistExists(deps, artistId), at } : { type: 'UnfollowArtist', userId, artistId, at });
  }
  // One decision for the whole call: a bad id anywhere in it records nothing at all.
  const { position } = await handleCommand(deps.store, userCommands, userStream(userId), commands, { actorId: userId, correlationId: context.request.id });
  await readYourWrite(deps, ['users'], position);
  return {};
}

export const annotationMethods: Record<string, Method> = {
  star: { run: (context) => annotate(context, true) },
  unstar: { run: (context) => annotate(context, false) },
  scrobble: {
    async run(context) {
      const { deps, params, userId, nowPlaying, client } = context;
      const ids = params.list('id');
      if (ids.length === 0) throw missing('id');
      const times = params.list('time');
      const submission = params.bool('submission', true);
      for (const [i, trackId] of ids.entries()) {
        const durationMs = await trackDuration(deps, trackId);
        if (durationMs === undefined) throw notFound(`song ${trackId}`);
        if (!submission) {
          nowPlaying.report(userId, client, trackId, durationMs, deps.now().getTime());
          continue;
        }
        const time = times[i];
        if (time !== undefined && !/^\d{1,15}$/.test(time)) throw new SubsonicError(0, 'time must be milliseconds since 1970');
        await handleStatelessCommand(
          deps.store,
          listensDecider,
          listensStream(userId),
          {
            type: 'RecordPlay',
            userId,
            trackId,
            trackDurationMs: durationMs,
            msPlayed: durationMs,
            ...(time === undefined ? {} : { playedAt: new Date(Number(time)).toISOString() }),
            deviceId: deviceOf(client),
            at: deps.now().toISOString(),
          },
          { actorId: userId, correlationId: context.request.id },
        );
      }
      return {};
    },
  },
};
