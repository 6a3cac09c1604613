/**
 * A progress bar with counts and ETA for long jobs (scans, attaching audio), drawn by cli-progress
 * on stderr: redrawn in place on a terminal, a line every few seconds otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';

export interface ProgressBar {
  /** Starts a phase of `total` steps (a new bar, its ETA from scratch). */
  phase(name: string, total: number): void;
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(err: Writable & { isTTY?: boolean }, command: string, unit: string): ProgressBar {
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    phase(name, total) {
      stop();
      phase = name;
      bar = new cliProgress.SingleBar(
        {
          stream: err as NodeJS.WritableStream,
          format: `chorus ${command}: {phase} [{bar}] {value}/{total} ${unit} | {percentage}% | ETA {eta_formatted} | {note}`,
          noTTYOutput: !err.isTTY,
          notTTYSchedule: 2_000,
          etaBuffer: 50,
          hideCursor: false,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { phase, note: '' });
    },
    update(done, payload = {}) {
      bar?.update(done, { phase, note: '', ...payload });
    },
    stop,
  };
}
