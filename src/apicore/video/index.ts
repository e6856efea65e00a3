import type { CallOptions } from '../../core/apicore.js';
import {
  parseVideoTaskRef,
  type VideoSubmit,
  type VideoTask,
  type VideoTaskFamily,
  videoTaskRef,
} from '../../core/video-models.js';
import { BotError } from '../../errors.js';
import type { ApiCoreTransport } from '../transport.js';
import { jimeng } from './jimeng.js';
import { kling } from './kling.js';
import { luma } from './luma.js';
import { pika } from './pika.js';
import { runway } from './runway.js';
import { runwayPro } from './runway-pro.js';
import type { VideoModule } from './shared.js';
import { veo } from './veo.js';
import { vidu } from './vidu.js';

/** One module per task family; a new family is one file and one line here (and one route). */
const MODULES: Record<VideoTaskFamily, VideoModule> = {
  vidu,
  kling,
  luma,
  runway,
  'runway-pro': runwayPro,
  veo,
  jimeng,
  pika,
};

/** Video task families (catalogue §5): submits return a reference the poller keeps. */
export class VideoApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  /** Submits a video task → its reference (`${family}:…`), which `videoFetch` reads. */
  async videoSubmit(req: VideoSubmit, opts: CallOptions = {}): Promise<string> {
    return videoTaskRef(req.family, await MODULES[req.family].submit(this.#t, req, opts));
  }

  /** A video task's state; undefined when the gateway does not know it. */
  async videoFetch(ref: string, opts: CallOptions = {}): Promise<VideoTask | undefined> {
    const parsed = parseVideoTaskRef(ref);
    if (!parsed) throw new BotError('bad_request', `not a video task reference: ${ref}`);
    return MODULES[parsed.family].fetch(this.#t, parsed.path, opts);
  }
}
