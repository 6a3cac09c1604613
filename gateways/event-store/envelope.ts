/**
 * The event envelope as it leaves Chorus (NDJSON exports, Kafka values, the analyst CLI):
 * `{ id, type, stream, revision, position, occurredAt, data, metadata }` (DESIGN.md section 2).
 */
import type { EventMetadata, JsonObject, RecordedEvent } from './port.js';

export interface EventEnvelope {
  id: string;
  type: string;
  stream: string;
  /** 0-based index in its stream. */
  revision: number;
  /** Opaque; pass it back as it is (e.g. `chorus events --from`). */
  position: string;
  occurredAt: string;
  data: JsonObject;
  metadata: EventMetadata;
}

export function toEnvelope(event: RecordedEvent): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    stream: event.stream,
    revision: Number(event.revision),
    position: event.position,
    occurredAt: event.occurredAt,
    data: event.data,
    metadata: event.metadata,
  };
}
