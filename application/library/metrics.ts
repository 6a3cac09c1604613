/**
 * Ingest metrics, fed by whoever ingests (today the `chorus library scan` process, which serves
 * them with --metrics-port): the time of each file's ingest by outcome, the seconds of audio
 * transcoded, and failures by reason code.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { IngestObserver } from './scan.js';

export function registerIngestMetrics(registry: Registry): IngestObserver {
  const duration = new Histogram({
    name: 'chorus_ingest_duration_seconds',
    help: 'Ingest of one audio file: probe, renditions, loudness, store (outcome: transcoded, reused, failed)',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const audio = new Counter({
    name: 'chorus_ingest_audio_seconds_total',
    help: 'Seconds of audio transcoded (reused renditions not counted)',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'chorus_ingest_failures_total',
    help: 'Audio files that could not be read or ingested, by reason code',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    ingested(seconds, audioSeconds, reused) {
      duration.observe({ outcome: reused ? 'reused' : 'transcoded' }, seconds);
      if (!reused) audio.inc(audioSeconds);
    },
    failed(reason, seconds) {
      failures.inc({ reason });
      if (seconds !== undefined) duration.observe({ outcome: 'failed' }, seconds);
    },
  };
}
