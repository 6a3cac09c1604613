/**
 * Runs a command against one stream: read it, fold it, decide, append with the expected revision.
 * When another writer got there first (WrongExpectedRevision), it reads again and decides again,
 * a bounded number of times.
 */
import { fold, type Decider, type DomainEvent } from '../domain/shared/decider.js';
import { WrongExpectedRevisionError } from '../gateways/event-store/errors.js';
import type { EventMetadata, EventStore, ExpectedRevision, JsonObject, NewEvent, Position, StreamRevision } from '../gateways/event-store/port.js';
import { uuidv7 } from '../gateways/event-store/uuid.js';

export interface CommandMetadata {
  actorId?: string;
  correlationId?: string;
  causationId?: string;
}

export interface HandleOptions {
  /** Attempts when another writer appended first (default 5). */
  maxAttempts?: number;
  /** Id generator (default UUIDv7). */
  newId?: () => string;
}

export interface CommandResult<Event extends DomainEvent, State> {
  /** The events this command recorded (none when it changed nothing). */
  events: Event[];
  eventIds: string[];
  /** Where the last event of the stream now sits: what read-your-writes waits for. */
  position: Position | undefined;
  revision: StreamRevision | undefined;
  state: State;
}

export class TooMuchContentionError extends Error {
  override readonly name = 'TooMuchContentionError';
  readonly code = 'TOO_MUCH_CONTENTION';
  constructor(readonly stream: string, attempts: number) {
    super(`stream ${stream}: gave up after ${attempts} attempts, other writers kept changing it`);
  }
}

export async function loadStream<Event extends DomainEvent, State>(
  store: EventStore,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  stream: string,
): Promise<{ state: State; revision: StreamRevision | undefined; position: Position | undefined }> {
  let revision: StreamRevision | undefined;
  let position: Position | undefined;
  const events: Event[] = [];
  for await (const recorded of store.readStream(stream)) {
    events.push({ type: recorded.type, data: recorded.data } as unknown as Event);
    revision = recorded.revision;
    position = recorded.position;
  }
  return { state: fold(decider, events), revision, position };
}

export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: string,
  command: Command,
  metadata: CommandMetadata = {},
  options: HandleOptions = {},
): Promise<CommandResult<Event, State>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const newId = options.newId ?? uuidv7;
  for (let attempt = 1; ; attempt += 1) {
    const loaded = await loadStream(store, decider, stream);
    const events = decider.decide(command, loaded.state);
    const state = events.reduce(decider.evolve, loaded.state);
    if (events.length === 0) {
      return { events, eventIds: [], position: loaded.position, revision: loaded.revision, state };
    }
    const batch = toNewEvents(events, metadata, newId);
    try {
      const result = await store.append(stream, batch, { expectedRevision: loaded.revision ?? 'no_stream' });
      return { events, eventIds: batch.map((e) => e.id), position: result.position, revision: result.nextRevision, state };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < maxAttempts) continue;
      if (error instanceof WrongExpectedRevisionError) throw new TooMuchContentionError(stream, attempt);
      throw error;
    }
  }
}

/**
 * For an aggregate whose decisions need no state (plays): decide and append with 'any', without
 * reading the stream — a user's listening stream grows with every play.
 */
export async function handleStatelessCommand<Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<Command, Event, null>,
  stream: string,
  command: Command,
  metadata: CommandMetadata = {},
  options: Pick<HandleOptions, 'newId'> = {},
): Promise<CommandResult<Event, null>> {
  return appendDecision(store, decider, stream, command, { metadata, expectedRevision: 'any', newId: options.newId });
}

export interface AppendOptions<Event extends DomainEvent> {
  /** The metadata of every event, or of each event (when one batch holds several actors' events). */
  metadata?: CommandMetadata | ((event: Event) => CommandMetadata);
  expectedRevision: ExpectedRevision;
  newId?: () => string;
}

/**
 * Decides a command that needs no state and appends its events at `expectedRevision` (the
 * store's guard); WrongExpectedRevision is the caller's to handle. Nothing is appended when the
 * decision is empty.
 */
export async function appendDecision<Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<Command, Event, null>,
  stream: string,
  command: Command,
  options: AppendOptions<Event>,
): Promise<CommandResult<Event, null>> {
  const events = decider.decide(command, null);
  if (events.length === 0) return { events, eventIds: [], position: undefined, revision: undefined, state: null };
  const newId = options.newId ?? uuidv7;
  const metadata = options.metadata ?? {};
  const batch = events.map((event) => toNewEvent(event, typeof metadata === 'function' ? metadata(event) : metadata, newId));
  const result = await store.append(stream, batch, { expectedRevision: options.expectedRevision });
  return { events, eventIds: batch.map((e) => e.id), position: result.position, revision: result.nextRevision, state: null };
}

function toNewEvents(events: readonly DomainEvent[], metadata: CommandMetadata, newId: () => string): NewEvent[] {
  return events.map((e) => toNewEvent(e, metadata, newId));
}

function toNewEvent(event: DomainEvent, metadata: CommandMetadata, newId: () => string): NewEvent {
  const meta: EventMetadata = {};
  if (metadata.actorId) meta.actorId = metadata.actorId;
  if (metadata.correlationId) meta.correlationId = metadata.correlationId;
  if (metadata.causationId) meta.causationId = metadata.causationId;
  return { id: newId(), type: event.type, data: event.data as JsonObject, metadata: meta };
}
