/**
 * A worker process: `tsx bench/event-store/worker.ts <ours|peer|plain>`. Each system runs in its own
 * process. Besides fairness (separate event loops and heaps), it keeps Emmett's driver setup out of
 * our process: dumbo replaces pg's global type parsers (int8 -> BigInt, and jsonb through
 * JSON.parse with a BigInt reviver), which would otherwise slow our reads too.
 */
import { serveTasks } from '../lib/rpc.js';
import type { System, Tasks } from './protocol.js';
import { createTasks } from './tasks.js';

const SYSTEMS: readonly System[] = ['ours', 'peer', 'plain'];

const system = process.argv[2] as System;
if (!SYSTEMS.includes(system)) throw new Error(`usage: worker.ts <${SYSTEMS.join('|')}>`);
serveTasks<Tasks>(createTasks(system));
