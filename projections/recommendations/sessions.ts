/**
 * Listening sessions: what counts as listening together. A session breaks after 30 minutes
 * without a play (from the end of one play to the start of the next). A play under 30 s is a
 * skip: a weak negative, never co-listening. Within a session, a play is co-listened with the
 * last few distinct tracks played before it (the window), not with the whole session.
 *
 * Plays are taken in the order they are applied (the event log's order), so a rebuild equals the
 * incremental run; a play uploaded late from an offline device lands far from the user's latest
 * one in time and so starts a session of its own.
 */

export interface SessionConfig {
  /** Silence that ends a session. */
  gapMs: number;
  /** Plays shorter than this are skips. */
  skipMs: number;
  /** A play pairs with up to `window - 1` distinct tracks played before it in its session. */
  window: number;
}

export const SESSION_DEFAULTS: SessionConfig = { gapMs: 30 * 60_000, skipMs: 30_000, window: 5 };

/** One user's current session: when the last play started and ended, the window (oldest first). */
export interface SessionState {
  lastStartMs: number;
  lastEndMs: number;
  window: number[];
}

export interface SessionStep {
  /** The play opened a new session. */
  opened: boolean;
  skip: boolean;
  /** Distinct tracks in the window before this play, other than its own track. */
  partners: number[];
}

export const newSessionState = (): SessionState => ({ lastStartMs: Number.NaN, lastEndMs: Number.NaN, window: [] });

/** Whether a play starting at `startMs` belongs to a new session. */
export function breaksSession(state: SessionState, startMs: number, config: SessionConfig): boolean {
  if (Number.isNaN(state.lastStartMs)) return true;
  return startMs - state.lastEndMs > config.gapMs || state.lastStartMs - startMs > config.gapMs;
}

/** Advances `state` (mutated) by one play of `track`; says what the play pairs with. */
export function advanceSession(state: SessionState, track: number, startMs: number, msPlayed: number, config: SessionConfig): SessionStep {
  const opened = breaksSession(state, startMs, config);
  if (opened) state.window = [];
  state.lastStartMs = startMs;
  state.lastEndMs = startMs + msPlayed;
  const skip = msPlayed < config.skipMs;
  const partners = state.window.filter((t) => t !== track);
  if (!skip) {
    // The window holds distinct tracks, most recent last.
    const at = state.window.indexOf(track);
    if (at >= 0) state.window.splice(at, 1);
    state.window.push(track);
    if (state.window.length > config.window - 1) state.window.shift();
  }
  return { opened, skip, partners };
}
