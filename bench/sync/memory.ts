/**
 * Memory of a server process, measured the same way in Chorus's and in the stock server's:
 * process.memoryUsage() after two forced full garbage collections (the flag is switched on at run
 * time, so both run with the same Node flags as `npm start`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Memory } from './protocol.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export async function memoryAfterGc(): Promise<Memory> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}
