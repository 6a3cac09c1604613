/**
 * The wire of `WS /v1/sync/player?token=&deviceId=` (PROTOCOL.md, "Player socket"): one JSON
 * object per text frame. `readPlayerMessage` checks a client frame once, at the edge; the
 * `write…` functions make the server's frames.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { PlayerInput } from '../application/player/inputs.js';
import { PLAYER_CONTEXT_TYPES, REPEAT_MODES } from '../domain/player/events.js';
import type { Instruction, PlayerView } from '../domain/player/view.js';

/** Server to client. */
export const PLAYER_MESSAGE = {
  STATE: 'state',
  INSTRUCTION: 'instruction',
  RESULT: 'result',
} as const;

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$' });
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const fields = <P extends Parameters<typeof Type.Object>[0]>(type: string, properties: P) =>
  Type.Object({ type: Type.Literal(type), stateVersion: Type.Optional(Type.Integer({ minimum: 0 })), ...properties }, { additionalProperties: false });

const Command = Type.Union([
  fields('transfer', { deviceId: Id, play: Type.Optional(Type.Boolean()) }),
  fields('play', {
    deviceId: Type.Optional(Id),
    trackIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 500 })),
    context: Type.Optional(Type.Object({ type: literals(PLAYER_CONTEXT_TYPES), id: Id }, { additionalProperties: false })),
    offset: Type.Optional(Type.Object({ position: Type.Optional(Type.Integer({ minimum: 0 })), trackId: Type.Optional(Id) }, { additionalProperties: false })),
    positionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  }),
  fields('pause', {}),
  fields('seek', { positionMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }) }),
  fields('next', {}),
  fields('previous', {}),
  fields('ended', {}),
  fields('queue', { trackId: Id }),
  fields('shuffle', { shuffle: Type.Boolean() }),
  fields('repeat', { repeat: literals(REPEAT_MODES) }),
]);

const CommandFrame = Type.Object(
  { type: Type.Literal('command'), id: Type.Optional(Type.String({ maxLength: 64 })), command: Command },
  { additionalProperties: false },
);
const checkFrame = TypeCompiler.Compile(CommandFrame);

export type CommandMessage = Static<typeof CommandFrame>;

/** A frame that is not a message of this protocol: the socket is closed (1007, or 1003 for binary). */
export class PlayerProtocolError extends Error {
  override readonly name = 'PlayerProtocolError';
}

/** The command a client frame carries (its device is the socket's). Throws PlayerProtocolError. */
export function readPlayerMessage(text: string): { id: string | undefined; input: PlayerInput } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PlayerProtocolError('not JSON');
  }
  if (!checkFrame.Check(value)) {
    const first = checkFrame.Errors(value).First();
    throw new PlayerProtocolError(`not a command: ${first ? `${first.path || '/'} ${first.message}` : 'unknown shape'}`);
  }
  const frame = value as CommandMessage;
  return { id: frame.id, input: frame.command as PlayerInput };
}

export const writeState = (player: PlayerView) => JSON.stringify({ type: PLAYER_MESSAGE.STATE, player });

export const writeInstruction = (instruction: Instruction, serverTime: string) =>
  JSON.stringify({ type: PLAYER_MESSAGE.INSTRUCTION, instruction, serverTime });

export const writeResult = (
  id: string | undefined,
  result: { applied: boolean; stale: boolean; version: number } | { error: { code: string; message: string } },
) => JSON.stringify({ type: PLAYER_MESSAGE.RESULT, ...(id === undefined ? {} : { id }), ...result });
