/**
 * The relay's Kafka records, as a symmetric pair: `writeEventMessage` turns a stored event into a
 * record (key the stream name, value the JSON envelope of DESIGN.md section 2, headers `event-id`
 * and `event-type`); `readEventMessage` reads one back for consumers and tests.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { toEnvelope, type EventEnvelope } from '../event-store/envelope.js';
import type { RecordedEvent } from '../event-store/port.js';

export const HEADER_EVENT_ID = 'event-id';
export const HEADER_EVENT_TYPE = 'event-type';

/** A record for the producer, and its size in bytes (for batching under the broker's limits). */
export interface OutgoingMessage {
  message: Message & { key: string; value: string };
  bytes: number;
}

export function writeEventMessage(event: RecordedEvent): OutgoingMessage {
  const value = JSON.stringify(toEnvelope(event));
  const message = {
    key: event.stream,
    value,
    headers: { [HEADER_EVENT_ID]: event.id, [HEADER_EVENT_TYPE]: event.type },
  };
  // Key and value dominate; headers and record overhead are a few dozen bytes.
  const bytes = Buffer.byteLength(value) + Buffer.byteLength(event.stream) + event.id.length + event.type.length + 64;
  return { message, bytes };
}

export interface IncomingEvent {
  /** The stream name (the record's key). */
  key: string | null;
  eventId: string | null;
  eventType: string | null;
  /** The envelope, or undefined when the value is not JSON. */
  envelope: EventEnvelope | undefined;
  /** The value as text (null for a tombstone). */
  value: string | null;
}

export function readEventMessage(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): IncomingEvent {
  const value = message.value === null ? null : message.value.toString('utf8');
  let envelope: EventEnvelope | undefined;
  if (value !== null) {
    try {
      envelope = JSON.parse(value) as EventEnvelope;
    } catch {
      envelope = undefined;
    }
  }
  return {
    key: message.key === null ? null : message.key.toString('utf8'),
    eventId: headerText(message.headers, HEADER_EVENT_ID),
    eventType: headerText(message.headers, HEADER_EVENT_TYPE),
    envelope,
    value,
  };
}

/** Every header as text (a repeated header: its values joined by commas). */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const text = headerText(headers, name);
    if (text !== null) out[name] = text;
  }
  return out;
}

function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  if (value === undefined) return null;
  const values = Array.isArray(value) ? value : [value];
  return values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join(',');
}
