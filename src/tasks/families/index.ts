import { midjourney } from './mj.js';
import { suno } from './suno.js';
import type { TaskFamily } from './types.js';

export type { TaskFamily, UpstreamView } from './types.js';

/** Every polled family, in one list: a new upstream is one file and one line here. */
export const FAMILIES: readonly TaskFamily[] = [midjourney, suno];
