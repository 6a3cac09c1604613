/**
 * Topic names and creation. Every event goes to `<prefix><stream category>` — `chorus.user`,
 * `chorus.listens`, `chorus.catalog`, `chorus.playlist`, and one topic for any other category —
 * so a stream's events share one topic, and (keyed by stream name) one partition.
 */
import type { Admin } from 'kafkajs';
import { streamCategory } from '../event-store/validation.js';
import { Backoff } from '../backoff.js';

/** The default prefix: topics `chorus.<category>` (DESIGN.md section 8). */
export const DEFAULT_TOPIC_PREFIX = 'chorus.';

/** The categories of DESIGN.md section 2: their topics are created when the relay starts. */
export const KNOWN_CATEGORIES = ['user', 'listens', 'catalog', 'playlist'] as const;

/**
 * Largest record the topics accept. An event may hold 1 MiB of data and metadata
 * (MAX_EVENT_BYTES); its envelope adds a little, and the broker default (1 MiB) would refuse it.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Kafka's rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function topicFor(prefix: string, stream: string): string {
  return `${prefix}${streamCategory(stream)}`;
}

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** A prefix is valid when a topic made from it and a category is a valid topic name. */
export function isValidTopicPrefix(prefix: string): boolean {
  return prefix === '' || /^[a-zA-Z0-9._-]{1,200}$/.test(prefix);
}

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics that do not exist yet (an existing topic is left as it is, whatever its
 * partition count) and waits until every partition of them has a leader.
 */
export async function ensureTopics(admin: Admin, topics: readonly string[], settings: TopicSettings, waitMs = 30_000): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({
      // Waited for below, with more patience than kafkajs's own retries have for a busy broker.
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
        configEntries: [
          { name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) },
          // With acks=all, a write needs this many replicas in sync: 2 from three replicas on.
          { name: 'min.insync.replicas', value: String(Math.max(1, Math.min(2, settings.replicationFactor - 1))) },
        ],
      })),
    });
  }
  await waitForLeaders(admin, [...topics], waitMs);
}

async function waitForLeaders(admin: Admin, topics: string[], waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  const backoff = new Backoff({ minMs: 50, maxMs: 1_000 });
  for (;;) {
    let error: unknown;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const led = found.filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (led.length === topics.length) return;
    } catch (failure) {
      // Just created: "does not host this topic-partition" until the metadata has spread.
      error = failure;
    }
    const delay = backoff.next();
    if (Date.now() + delay > deadline) {
      throw new Error(`topics ${topics.join(', ')} have no leader after ${waitMs} ms${error instanceof Error ? ` (${error.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
