import { FormData } from 'undici';
import type {
  CallOptions,
  GeneratedImage,
  ImageEditRequest,
  ImageRequest,
  ImageUpload,
  ImageVariationRequest,
  KlingImageRequest,
  KlingImageTask,
} from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';
import { klingImageFetch, klingImageSubmit } from './images/kling.js';
import type { ApiCoreTransport } from './transport.js';

/** `{data:[{b64_json}|{url}, revised_prompt?]}` → images; an answer without any is a protocol error. */
export function readImages(endpoint: string, raw: unknown): GeneratedImage[] {
  const body = (raw ?? {}) as Record<string, unknown>;
  if (body.error) throw bodyError(endpoint, body);
  const data = Array.isArray(body.data) ? (body.data as Record<string, unknown>[]) : [];
  const images = data.flatMap((d): GeneratedImage[] => {
    if (!d || typeof d !== 'object') return [];
    const revised = typeof d.revised_prompt === 'string' ? { revisedPrompt: d.revised_prompt } : {};
    if (typeof d.b64_json === 'string' && d.b64_json)
      return [{ data: Buffer.from(d.b64_json, 'base64'), ...revised }];
    if (typeof d.url === 'string' && d.url) return [{ url: d.url, ...revised }];
    return [];
  });
  if (images.length === 0) throw new BotError('protocol', `${endpoint} answered without images`);
  return images;
}

function appendFile(form: FormData, name: string, file: ImageUpload): void {
  form.append(name, new Blob([file.data], { type: file.mime }), file.filename);
}

function appendCommon(
  form: FormData,
  req: { n?: number | undefined; size?: string | undefined; response_format?: string | undefined },
): void {
  if (req.n !== undefined) form.set('n', String(req.n));
  if (req.size) form.set('size', req.size);
  if (req.response_format) form.set('response_format', req.response_format);
}

/**
 * The image families (catalogue §4): `/v1/images/generations` (dall-e, gpt-image-1, flux,
 * grok, seedream, stable diffusion; flux-kontext takes `input_image` there), multipart
 * `/v1/images/edits` and `/variations`, and Kling's image task. Results arrive as URLs or
 * inline base64 and are returned as either.
 */
export class ImagesApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  async generateImages(req: ImageRequest, opts: CallOptions = {}): Promise<GeneratedImage[]> {
    const body = await this.#t.json('POST', '/v1/images/generations', {
      ...opts,
      json: req,
    });
    return readImages('POST /v1/images/generations', body);
  }

  /** gpt-image-1 takes several images as `image[]`; dall-e-2 one `image` (catalogue §4.1). */
  async editImages(req: ImageEditRequest, opts: CallOptions = {}): Promise<GeneratedImage[]> {
    const form = new FormData();
    form.set('model', req.model);
    form.set('prompt', req.prompt);
    const field = req.images.length > 1 ? 'image[]' : 'image';
    for (const image of req.images) appendFile(form, field, image);
    if (req.mask) appendFile(form, 'mask', req.mask);
    appendCommon(form, req);
    const body = await this.#t.json('POST', '/v1/images/edits', {
      ...opts,
      form,
    });
    return readImages('POST /v1/images/edits', body);
  }

  async imageVariations(req: ImageVariationRequest, opts: CallOptions = {}): Promise<GeneratedImage[]> {
    const form = new FormData();
    form.set('model', req.model);
    appendFile(form, 'image', req.image);
    appendCommon(form, req);
    const body = await this.#t.json('POST', '/v1/images/variations', {
      ...opts,
      form,
    });
    return readImages('POST /v1/images/variations', body);
  }

  klingImageSubmit(req: KlingImageRequest, opts: CallOptions = {}): Promise<string> {
    return klingImageSubmit(this.#t, req, opts);
  }

  klingImageFetch(taskId: string, opts: CallOptions = {}): Promise<KlingImageTask> {
    return klingImageFetch(this.#t, taskId, opts);
  }
}
