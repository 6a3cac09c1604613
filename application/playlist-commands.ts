/** Playlist lifecycle commands (create, details, visibility, collaborators, delete), one decision per call. */
import { playlistDecider, type PlaylistCommand } from '../domain/playlist/decider.js';
import { playlistStream } from '../domain/playlist/events.js';
import type { EventStore } from '../gateways/event-store/port.js';
import { inSequence } from './decide-in-sequence.js';
import { handleCommand, type CommandMetadata } from './handle-command.js';

/** The playlist decider over several commands at once. */
export const playlistCommandsDecider = inSequence(playlistDecider);

/** Decides `commands` in order on the playlist's stream and appends their events together. */
export function runPlaylistCommands(store: EventStore, playlistId: string, commands: PlaylistCommand[], metadata: CommandMetadata) {
  return handleCommand(store, playlistCommandsDecider, playlistStream(playlistId), commands, metadata);
}
