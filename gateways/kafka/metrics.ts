/**
 * Prometheus gauges of a relay, read on scrape from its status: lag (events and seconds), whether
 * Kafka takes events, whether this process is the active relay, and events published.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaRelay } from './relay.js';

export function registerRelayMetrics(registry: Registry, relay: KafkaRelay): void {
  const labels = { relay: relay.name };
  new Gauge({
    name: 'chorus_kafka_relay_lag_events',
    help: 'Events stored after the relay checkpoint (counted up to 100,000; -1 when the store cannot count cheaply)',
    labelNames: ['relay'] as const,
    registers: [registry],
    async collect() {
      const { lag } = await relay.status();
      this.set(labels, lag.events ?? -1);
    },
  });
  new Gauge({
    name: 'chorus_kafka_relay_lag_seconds',
    help: 'Age in seconds of the oldest event not yet published (0 at the head)',
    labelNames: ['relay'] as const,
    registers: [registry],
    async collect() {
      this.set(labels, (await relay.status()).lag.ms / 1000);
    },
  });
  new Gauge({
    name: 'chorus_kafka_relay_kafka_available',
    help: '0 while the relay cannot publish to Kafka (it retries with backoff), else 1',
    labelNames: ['relay'] as const,
    registers: [registry],
    collect() {
      this.set(labels, relay.snapshot().state === 'kafka-unavailable' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'chorus_kafka_relay_active',
    help: '1 when this process holds the relay lock and publishes',
    labelNames: ['relay'] as const,
    registers: [registry],
    collect() {
      const { state } = relay.snapshot();
      this.set(labels, state === 'running' || state === 'kafka-unavailable' ? 1 : 0);
    },
  });
  new Counter({
    name: 'chorus_kafka_relay_events_published_total',
    help: 'Events acknowledged by Kafka to this process (a replay after a crash counts again)',
    labelNames: ['relay'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(labels, relay.snapshot().published);
    },
  });
}
