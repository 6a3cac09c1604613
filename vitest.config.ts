import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const services = './tests/support/global-services.ts';

export default defineConfig({
  test: {
    // Vitest's default (cores - 1), but at least two: most files wait on other processes (Postgres,
    // Kafka, ffmpeg, Chorus children) more than they compute, so on two cores one file at a time
    // leaves them idle. The timing-sensitive projects, sync then browser, run after the rest, one
    // file at a time (sequence.groupOrder).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{domain,gateways,projections,application,http,subsonic,sync-server,cli,app}/**/*.test.ts', 'tests/lint/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'contract',
          include: ['tests/contract/**/*.test.ts'],
          globalSetup: [services],
          testTimeout: 30_000,
          hookTimeout: 120_000, // PGlite starts in seconds alone, over a minute beside the rest of the suite on 2 cores
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: [services, './tests/support/global-kafka.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: [services],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Real ffmpeg output: ingest, renditions, library scans, and media served over HTTP.
          name: 'media',
          include: ['tests/media/**/*.test.ts'],
          globalSetup: [services],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // One browser at a time: each file runs its own Chromium and Chorus; after the sync files.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          globalSetup: [services],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'property',
          include: ['tests/property/**/*.test.ts'],
          globalSetup: [services],
          setupFiles: ['./tests/support/fast-check-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'sync',
          include: ['tests/sync/**/*.test.ts'],
          // Each file runs Chorus processes; one file at a time keeps their timings (access
          // revocation within a second, latencies) about the server, not about the machine: they run
          // after the other projects.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          globalSetup: [services],
          setupFiles: ['./tests/support/fast-check-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
