/**
 * `chorus kafka tail --topic T`: the records of one Kafka topic as NDJSON on stdout, through a
 * throwaway consumer group that never commits offsets (so it moves no one else's position).
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { headersAsText } from '../gateways/kafka/message.js';
import { isValidTopicName } from '../gateways/kafka/topics.js';
import { CliFailure, EXIT_OK, UsageError, noPositionals, parse, wholeNumber } from './args.js';
import type { CliContext } from './context.js';
import { LineWriter } from './output.js';

export const KAFKA_TAIL_HELP = `Usage: chorus kafka tail --topic T [options]

Prints the records of Kafka topic T as NDJSON on stdout, one record per line, wrapped:
  {"topic","partition","offset","timestamp","key","headers":{"event-id","event-type"},"value"}
"value" is the record's value parsed as JSON — on the relay's topics (chorus.<category>) the event
envelope { id, type, stream, revision, position, occurredAt, data, metadata } — or a string when
it is not JSON; "key" is the stream name; "timestamp" is Kafka's (ms since 1970, as a string).
The records of one partition come in order (a stream's events in revision order); partitions
interleave. The relay delivers at least once: deduplicate by headers["event-id"].

Without --from-beginning it prints what is published after it has joined. It uses a throwaway
consumer group and never commits offsets.

Options:
  --topic T           the topic, e.g. chorus.listens (required)
  --from-beginning    start at the oldest record the topic keeps
  --limit N           stop after N records
  --value-only        print only each value (the envelope, as "chorus events" prints it)
  -h, --help          show this help

Needs KAFKA_BROKERS (host:port,...).

Exit codes: 0 done (--limit reached, stopped by SIGINT/SIGTERM, or stdout closed by its reader),
1 failure (e.g. no such topic, Kafka unreachable), 2 usage error.`;

export async function kafkaTailCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('kafka tail', args, {
    topic: { type: 'string' },
    'from-beginning': { type: 'boolean', default: false },
    limit: { type: 'string' },
    'value-only': { type: 'boolean', default: false },
  });
  noPositionals('kafka tail', positionals);
  const topic = values.topic;
  if (topic === undefined) throw new UsageError('kafka tail: --topic is required (see chorus kafka tail --help)');
  if (!isValidTopicName(topic)) {
    throw new UsageError(`--topic must be a Kafka topic name (1-249 letters, digits, dots, dashes, underscores), got ${JSON.stringify(topic)}`);
  }
  const limit = values.limit === undefined ? undefined : wholeNumber('--limit', values.limit, 1);
  const brokers = ctx.settings.kafkaBrokers;
  if (!brokers?.length) throw new UsageError('kafka tail: KAFKA_BROKERS is not set (host:port,...)');

  // The driver is loaded by this command only: the CLI's other commands start without it.
  const { createKafkaClient } = await import('../gateways/kafka/client.js');
  const kafka = createKafkaClient({ brokers, clientId: 'chorus-kafka-tail', logger: ctx.logger });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      const ours = topics.filter((t) => !t.startsWith('__')).sort();
      throw new CliFailure(`kafka tail: no topic ${JSON.stringify(topic)} on ${brokers.join(',')} (topics: ${ours.length > 0 ? ours.join(', ') : 'none'})`);
    }
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new CliFailure(`kafka tail: cannot reach Kafka at ${brokers.join(',')}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const consumer = kafka.consumer({ groupId: `chorus-tail-${randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  const out = new LineWriter(ctx.stdout);
  const valueOnly = values['value-only'];
  let printed = 0;
  let failure: unknown;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onAbort = () => finish();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) finish();
  out.onClose(() => finish());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    failure ??= new CliFailure(`kafka tail: the consumer stopped: ${payload.error.message}`);
    finish();
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: values['from-beginning'] });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: from, partition, message }) => {
        if (failure !== undefined || (limit !== undefined && printed >= limit) || ctx.signal.aborted) return;
        try {
          await out.writeLine(JSON.stringify(valueOnly ? parseValue(message) : wrap(from, partition, message)));
        } catch (error) {
          failure ??= error;
          finish();
          return;
        }
        printed += 1;
        if (limit !== undefined && printed >= limit) finish();
      },
    });
    await finished;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await disconnect(consumer);
    await out.end().catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
  return EXIT_OK;
}

function wrap(topic: string, partition: number, message: KafkaMessage) {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key === null ? null : message.key.toString('utf8'),
    headers: headersAsText(message.headers),
    value: parseValue(message),
  };
}

function parseValue(message: KafkaMessage): unknown {
  if (message.value === null) return null;
  const text = message.value.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function disconnect(consumer: Consumer): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
}
