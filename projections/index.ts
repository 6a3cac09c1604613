/** Every projection Chorus runs. */
import type { Projection } from './projection.js';

export const allProjections: readonly Projection[] = [];
