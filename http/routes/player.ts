/**
 * The cross-device player (DESIGN.md section 13): devices, the state, and commands from any
 * device. Every command answers `{applied, stale, player, position?}`: a command that changed
 * nothing (stale: made against an older state version; or already so) is answered with the
 * current state, not an error. `stateVersion` (the version the device showed) and `fromDeviceId`
 * (the device that sends it) are optional on every command.
 */
import { Type, type TObject } from '@sinclair/typebox';
import { playerRequest, type PlayerInput } from '../../application/player/inputs.js';
import { PlayerService, type PlayerOutcome } from '../../application/player/player.js';
import { DEVICE_TYPES, PLAYER_CONTEXT_TYPES, REPEAT_MODES } from '../../domain/player/events.js';
import { MAX_POSITION_MS, MAX_TRACKS } from '../../domain/player/decider.js';
import { deviceViews, playerView } from '../../domain/player/view.js';
import { commandMetadata, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { Id, IsoTime, NoQuery, Position, responses } from '../schemas.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Context = Type.Object({ type: literals(PLAYER_CONTEXT_TYPES), id: Id }, { additionalProperties: false });
export const PlayerViewSchema = Type.Object({
  version: Type.Integer({ description: 'the state version: send it back as stateVersion with a command' }),
  device: Nullable(Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() })),
  trackId: Nullable(Type.String()),
  positionMs: Type.Integer({ description: 'the position at serverTime' }),
  isPlaying: Type.Boolean(),
  queue: Type.Array(Type.Object({ trackId: Type.String() })),
  queued: Type.Integer(),
  index: Type.Integer(),
  context: Nullable(Context),
  shuffle: Type.Boolean(),
  repeat: literals(REPEAT_MODES),
  updatedAt: Nullable(IsoTime),
  serverTime: IsoTime,
});
const Device = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: literals(DEVICE_TYPES),
  isActive: Type.Boolean(),
  inactive: Type.Boolean(),
  lastSeenAt: IsoTime,
  registeredAt: IsoTime,
});
const Outcome = Type.Object({ applied: Type.Boolean(), stale: Type.Boolean(), player: PlayerViewSchema, position: Type.Optional(Position) });
const DeviceParams = Type.Object({ deviceId: Id }, { additionalProperties: false });

/** Fields every command may carry. */
const CommandFields = {
  stateVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'the version the device showed; stale relative commands change nothing' })),
  fromDeviceId: Type.Optional(Id),
};
const body = <P extends Parameters<typeof Type.Object>[0]>(properties: P) => Type.Object({ ...CommandFields, ...properties }, { additionalProperties: false });
const Empty = body({});
const PositionMs = Type.Integer({ minimum: 0, maximum: MAX_POSITION_MS });
const TransferBody = body({ deviceId: Id, play: Type.Optional(Type.Boolean()) });
const PlayBody = body({
  deviceId: Type.Optional(Id),
  trackIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: MAX_TRACKS })),
  context: Type.Optional(Context),
  offset: Type.Optional(Type.Object({ position: Type.Optional(Type.Integer({ minimum: 0 })), trackId: Type.Optional(Id) }, { additionalProperties: false })),
  positionMs: Type.Optional(PositionMs),
});
const RegisterBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), type: literals(DEVICE_TYPES) }, { additionalProperties: false });

export async function playerRoutes(app: Api, deps: ApiDeps): Promise<void> {
  const player = deps.player ?? new PlayerService(deps);
  const answer = (outcome: PlayerOutcome) => ({
    applied: outcome.applied,
    stale: outcome.stale,
    player: playerView(outcome.state, deps.now()),
    ...(outcome.position ? { position: outcome.position } : {}),
  });
  /** A command route: the body, with the command's type, is the input a socket would send. */
  const command = (method: 'PUT' | 'POST', url: string, schema: TObject, type: PlayerInput['type']) =>
    app.route({
      method,
      url,
      config: WRITE,
      schema: { querystring: NoQuery, body: schema, response: responses({ 200: Outcome }) },
      // Commands without fields may come without a body (as Spotify's do).
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      handler: async (request) => {
        const { userId } = principal(request);
        const input = { ...(request.body as object), type } as PlayerInput;
        return answer(await player.execute(userId, await playerRequest(deps, userId, input), commandMetadata(request)));
      },
    });

  app.get('/v1/me/player', { schema: { querystring: NoQuery, response: responses({ 200: PlayerViewSchema }) } }, async (request) =>
    playerView(await player.state(principal(request).userId), deps.now()),
  );
  app.get('/v1/me/player/devices', { schema: { querystring: NoQuery, response: responses({ 200: Type.Object({ items: Type.Array(Device) }) }) } }, async (request) => ({
    items: deviceViews(await player.state(principal(request).userId), deps.now()),
  }));
  app.put(
    '/v1/me/player/devices/:deviceId',
    { config: WRITE, schema: { querystring: NoQuery, params: DeviceParams, body: RegisterBody, response: responses({ 200: Type.Object({ device: Device, position: Type.Optional(Position) }) }) } },
    async (request) => {
      const { userId } = principal(request);
      const { deviceId } = request.params;
      const outcome = await player.execute(userId, { type: 'RegisterDevice', deviceId, name: request.body.name, deviceType: request.body.type }, commandMetadata(request));
      const device = deviceViews(outcome.state, deps.now()).find((d) => d.id === deviceId)!;
      return { device, ...(outcome.position ? { position: outcome.position } : {}) };
    },
  );
  app.delete(
    '/v1/me/player/devices/:deviceId',
    { config: WRITE, schema: { querystring: NoQuery, params: DeviceParams, response: responses({ 200: Outcome }) } },
    async (request) => answer(await player.execute(principal(request).userId, { type: 'RemoveDevice', deviceId: request.params.deviceId }, commandMetadata(request))),
  );

  command('PUT', '/v1/me/player', TransferBody, 'transfer');
  command('PUT', '/v1/me/player/play', PlayBody, 'play');
  command('PUT', '/v1/me/player/pause', Empty, 'pause');
  command('PUT', '/v1/me/player/seek', body({ positionMs: PositionMs }), 'seek');
  command('POST', '/v1/me/player/next', Empty, 'next');
  command('POST', '/v1/me/player/previous', Empty, 'previous');
  command('POST', '/v1/me/player/queue', body({ trackId: Id }), 'queue');
  command('PUT', '/v1/me/player/shuffle', body({ shuffle: Type.Boolean() }), 'shuffle');
  command('PUT', '/v1/me/player/repeat', body({ repeat: literals(REPEAT_MODES) }), 'repeat');
}
