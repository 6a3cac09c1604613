/** Vitest global setup: PostgreSQL and Redis must be up (started if they are down). */
import { ensureServices } from '../../tools/services/up.mjs';

export default async function setup(): Promise<void> {
  await ensureServices({ log: (line) => console.log(`[services] ${line}`) });
}
