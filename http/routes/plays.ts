/** POST /v1/me/plays: one play, recorded as TrackPlayed. */
import { Type } from '@sinclair/typebox';
import { handleStatelessCommand } from '../../application/handle-command.js';
import { listensDecider } from '../../domain/listens/decider.js';
import { PLAY_CONTEXT_TYPES, listensStream } from '../../domain/listens/events.js';
import { commandMetadata, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { trackDuration } from '../../application/facts.js';
import { Lru } from '../../application/lru.js';
import { Id, IsoTime, Position, responses, NoQuery } from '../schemas.js';

const PlayBody = Type.Object(
  {
    trackId: Id,
    msPlayed: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    playedAt: Type.Optional(IsoTime),
    context: Type.Optional(
      Type.Object({ type: Type.Union(PLAY_CONTEXT_TYPES.map((t) => Type.Literal(t))), id: Type.Optional(Id) }, { additionalProperties: false }),
    ),
    deviceId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
const Accepted = Type.Object({ eventId: Type.String(), position: Position });

export async function playRoutes(app: Api, deps: ApiDeps): Promise<void> {
  // A track's length never changes (an album is released once): known lengths are kept.
  const durations = new Lru<string, number>(100_000);
  const durationOf = async (trackId: string) => {
    const known = durations.get(trackId);
    if (known !== undefined) return known;
    const duration = await trackDuration(deps, trackId);
    if (duration !== undefined) durations.set(trackId, duration);
    return duration;
  };

  app.post('/v1/me/plays', { config: WRITE, schema: { querystring: NoQuery, body: PlayBody, response: responses({ 202: Accepted }) } }, async (request, reply) => {
    const { userId } = principal(request);
    const body = request.body;
    const result = await handleStatelessCommand(
      deps.store,
      listensDecider,
      listensStream(userId),
      {
        type: 'RecordPlay',
        userId,
        trackId: body.trackId,
        trackDurationMs: await durationOf(body.trackId),
        msPlayed: body.msPlayed,
        ...(body.playedAt === undefined ? {} : { playedAt: body.playedAt }),
        ...(body.context === undefined ? {} : { context: body.context }),
        ...(body.deviceId === undefined ? {} : { deviceId: body.deviceId }),
        at: deps.now().toISOString(),
      },
      commandMetadata(request),
    );
    return reply.code(202).send({ eventId: result.eventIds[0]!, position: result.position! });
  });
}
