/** V8's CPU profiler in this process, started and stopped on request (as `node --cpu-prof` would record). */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export class CpuProfiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    this.session = session;
  }

  /** Writes the `.cpuprofile` (Chrome DevTools, speedscope) to `file`. */
  async stop(file: string): Promise<void> {
    const session = this.session;
    if (!session) throw new Error('no profile running');
    this.session = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  }
}
