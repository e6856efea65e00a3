import { imageTasks } from './images.js';
import { midjourney } from './mj.js';
import { sunoAct } from './suno/act.js';
import { suno } from './suno/music.js';
import { udio } from './suno/udio.js';
import type { TaskFamily } from './types.js';
import { videoTasks } from './video/index.js';

export type { TaskFamily, UpstreamAnswer, UpstreamView } from './types.js';

/** Every polled family, in one list: a new upstream is one file and one line here. */
export const FAMILIES: readonly TaskFamily[] = [midjourney, suno, sunoAct, udio, videoTasks, imageTasks];
