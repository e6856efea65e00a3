import { TINY_PNG } from './assets.js';
import { chatChunks } from './builders.js';
import {
  firstProblem,
  isNonEmptyString,
  isObject,
  type JsonBody,
  json,
  type Problem,
  type Route,
  type RouteContext,
} from './route.js';
import type { MultipartPart, RecordedRequest, Scripted } from './types.js';

/**
 * The image endpoints of the fake gateway with their real shapes and strictness (catalogue §4):
 * generations (per-model sizes; flux-kontext's `input_image` / `aspect_ratio`), multipart edits
 * (an image required; dall-e-2 one square PNG < 4 MB; gpt-image-1 several as `image[]`),
 * variations (dall-e-2 only, no prompt), Kling's image task, and the chat-format image models'
 * markdown answer (gpt-4o-image, sora_image).
 */

const CREATED = 1767268800;
const MAX_DALLE2_BYTES = 4 * 1024 * 1024;

/** Sizes the gateway's OpenAI models take (OpenAI official); other models are not checked. */
const SIZES: Record<string, string[]> = {
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
};

/** Chat-format image models (catalogue §4.3). */
export const CHAT_IMAGE_MODEL = /^(gpt-4o-image|sora[_-]image)/i;

const sizeProblem = (model: string, size: unknown): Problem | undefined => {
  const allowed = SIZES[model];
  if (size === undefined || !allowed) return undefined;
  return allowed.includes(String(size))
    ? undefined
    : {
        message: `Invalid size '${String(size)}' for ${model}. Supported: ${allowed.join(', ')}`,
        code: 'invalid_value',
      };
};

/** Each image as b64 for gpt-image-1 (its only format), else as a link to the fake's files. */
function imagesAnswer(
  ctx: RouteContext,
  model: string,
  prefix: string,
  n: number,
  revised?: string,
): Scripted {
  const data = Array.from({ length: n }, (_, i) =>
    model === 'gpt-image-1'
      ? { b64_json: TINY_PNG.toString('base64'), ...(revised ? { revised_prompt: revised } : {}) }
      : { url: `${ctx.url}/files/${prefix}-${i + 1}.png`, ...(revised ? { revised_prompt: revised } : {}) },
  );
  return json({ created: CREATED, data });
}

const nOf = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 1)) || 1;
const nProblem = (v: unknown): Problem | undefined =>
  firstProblem([
    v === undefined || (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 10),
    'n must be 1–10',
  ]);

// ---------- multipart ----------

const field = (rec: RecordedRequest, name: string): string | undefined => {
  const p = rec.parts?.find((x) => x.name === name && x.filename === undefined);
  return p?.data.toString('utf8');
};
const files = (rec: RecordedRequest, ...names: string[]): MultipartPart[] =>
  rec.parts?.filter((p) => names.includes(p.name)) ?? [];

function pngSquare(data: Buffer): boolean {
  if (data.length < 24 || data.readUInt32BE(0) !== 0x89504e47) return false;
  return data.readUInt32BE(16) === data.readUInt32BE(20);
}
const isImageBytes = (data: Buffer): boolean =>
  data.length >= 12 &&
  (data.readUInt32BE(0) === 0x89504e47 ||
    (data[0] === 0xff && data[1] === 0xd8) ||
    data.subarray(8, 12).toString() === 'WEBP');

function editProblem(rec: RecordedRequest): Problem | undefined {
  const model = field(rec, 'model') ?? 'dall-e-2';
  const images = files(rec, 'image', 'image[]');
  const prompt = field(rec, 'prompt');
  const base = firstProblem(
    [images.length > 0, { message: "'image' is a required property", code: 'invalid_request_error' }],
    [images.every((i) => i.filename !== undefined && i.data.length > 0), 'image parts must be files'],
    [isNonEmptyString(prompt), "'prompt' is a required property"],
    [
      model === 'dall-e-2' || model === 'gpt-image-1',
      { message: `model ${model} does not support image edits`, code: 'model_not_supported' },
    ],
  );
  if (base) return base;
  if (model === 'dall-e-2')
    return firstProblem(
      [images.length === 1, 'dall-e-2 takes exactly one image'],
      [
        images.every((i) => pngSquare(i.data) && i.data.length < MAX_DALLE2_BYTES),
        'image must be a square PNG < 4 MB',
      ],
      [[...(prompt ?? '')].length <= 1000, 'prompt is longer than 1000 characters'],
    );
  return (
    firstProblem(
      [images.length <= 16, 'at most 16 images'],
      [images.every((i) => isImageBytes(i.data)), 'images must be png, webp or jpg'],
    ) ?? sizeProblem(model, field(rec, 'size'))
  );
}

function variationProblem(rec: RecordedRequest): Problem | undefined {
  const model = field(rec, 'model') ?? 'dall-e-2';
  const images = files(rec, 'image', 'image[]');
  return (
    firstProblem(
      [
        model === 'dall-e-2',
        { message: `variations are only for dall-e-2 (got ${model})`, code: 'model_not_supported' },
      ],
      [
        images.length === 1,
        { message: "'image' is a required property (one file)", code: 'invalid_request_error' },
      ],
      [
        images.every((i) => pngSquare(i.data) && i.data.length < MAX_DALLE2_BYTES),
        'image must be a square PNG < 4 MB',
      ],
      [field(rec, 'prompt') === undefined, 'Unrecognized request argument supplied: prompt'],
    ) ??
    nProblem(field(rec, 'n')) ??
    sizeProblem(model, field(rec, 'size'))
  );
}

// ---------- Kling image tasks ----------

export interface KlingImageFakeTask {
  id: string;
  /** Polls answered so far. */
  polls: number;
  /** Polls answered "submitted", then "processing", before the result (default 0: the first poll has it). */
  pending: number;
  /** Set: the task ends `failed` with this message. */
  fail: string | undefined;
  n: number;
}

export interface KlingImageFakeState {
  tasks: Map<string, KlingImageFakeTask>;
  /** Scripts for the NEXT submitted Kling image tasks (FIFO): polls before the result, or a failure. */
  scripts: Array<{ pending?: number; fail?: string }>;
}

const klingStates = new WeakMap<RouteContext, KlingImageFakeState>();

/** The Kling image part of a fake gateway (`klingImageFake(fake).scripts.push(…)`, `.tasks`). */
export function klingImageFake(ctx: RouteContext): KlingImageFakeState {
  let s = klingStates.get(ctx);
  if (!s) {
    s = { tasks: new Map(), scripts: [] };
    klingStates.set(ctx, s);
  }
  return s;
}
const klingOf = (ctx: RouteContext) => klingImageFake(ctx).tasks;

function klingData(ctx: RouteContext, t: KlingImageFakeTask): JsonBody {
  const settled = t.polls > t.pending;
  const status = !settled ? (t.polls <= 1 ? 'submitted' : 'processing') : t.fail ? 'failed' : 'succeed';
  return {
    task_id: t.id,
    task_status: status,
    ...(status === 'failed' ? { task_status_msg: t.fail } : {}),
    created_at: CREATED * 1000,
    updated_at: CREATED * 1000,
    ...(status === 'succeed'
      ? {
          task_result: {
            images: Array.from({ length: t.n }, (_, i) => ({
              index: i,
              url: `${ctx.url}/files/${t.id}-${i}.png`,
            })),
          },
        }
      : {}),
  };
}
const klingAnswer = (data: JsonBody): Scripted =>
  json({ code: 0, message: 'SUCCEED', request_id: 'req-fake-image', data });

// ---------- chat-format image models ----------

/** The tu-zi-style answer of a chat-format image model: progress quotes, then the image link. */
export function chatImageText(ctx: RouteContext, n: number): string {
  return [
    '```json\n{"prompt": "…", "ratio": "1:1"}\n```\n\n',
    '> 🕐 排队中…\n\n',
    '> ⚡ 生成中 ..\n\n',
    '> 🏃 进度 12..',
    '57..',
    '100\n\n',
    '> 生成完成 ✅\n\n',
    `> gen_id: \`gen_01fake${n}\`\n\n`,
    `![gen_01fake${n}](${ctx.url}/files/gpt4o-image-${n}.png)\n`,
  ].join('');
}

function imageUrlParts(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((m) =>
    isObject(m) && Array.isArray(m.content)
      ? m.content.filter((p) => isObject(p) && p.type === 'image_url')
      : [],
  );
}

let chatImageSeq = 0;

/**
 * A chat completion for a chat-format image model, or undefined for any other model (the caller
 * answers those). Reference images must be `image_url` parts with a data or https URL.
 */
export function chatImageAnswer(j: JsonBody, ctx: RouteContext): Scripted | undefined {
  const model = String(j.model);
  if (!CHAT_IMAGE_MODEL.test(model)) return undefined;
  const bad = imageUrlParts(j.messages).find(
    (p) => !isObject(p) || !isObject(p.image_url) || !/^(data:image\/|https?:)/.test(String(p.image_url.url)),
  );
  if (bad)
    return json(
      { error: { message: 'invalid image_url', type: 'invalid_request_error', code: 'invalid_value' } },
      400,
    );
  chatImageSeq += 1;
  const text = chatImageText(ctx, chatImageSeq);
  if (j.stream === true) return { kind: 'sse', events: chatChunks(text, { model, pieces: 6 }) };
  return json({
    id: 'chatcmpl-fake-image',
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  });
}

// ---------- the routes ----------

export const imageRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/images\/generations$/,
    family: 'openai',
    body: 'json',
    validate: (j) => {
      const model = String(j.model ?? '');
      const kontext = /^flux-kontext/i.test(model);
      return (
        firstProblem(
          [isNonEmptyString(j.model), 'model is required'],
          [isNonEmptyString(j.prompt), 'prompt is required'],
          [j.n === undefined || (Number.isInteger(j.n) && Number(j.n) >= 1), 'n must be a positive integer'],
          [j.input_image === undefined || kontext, `${model} takes no input_image`],
          [
            j.input_image === undefined ||
              (typeof j.input_image === 'string' && /^(https?:|[A-Za-z0-9+/]+=*$)/.test(j.input_image)),
            'input_image must be base64 or a URL',
          ],
          [j.aspect_ratio === undefined || kontext, `${model} takes size, not aspect_ratio`],
          [
            j.aspect_ratio === undefined || /^\d{1,2}:\d{1,2}$/.test(String(j.aspect_ratio)),
            'aspect_ratio must look like 16:9',
          ],
        ) ?? sizeProblem(model, j.size)
      );
    },
    handle: (j, _rec, ctx) => {
      const model = String(j.model);
      const prefix = /^flux-kontext/i.test(model) ? (j.input_image ? 'kontext-edit' : 'kontext') : 'image';
      return imagesAnswer(ctx, model, prefix, nOf(j.n), String(j.prompt));
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/images\/edits$/,
    family: 'openai',
    body: 'multipart',
    validate: (_j, rec) => editProblem(rec) ?? nProblem(field(rec, 'n')),
    handle: (_j, rec, ctx) =>
      imagesAnswer(ctx, field(rec, 'model') ?? 'dall-e-2', 'edit', nOf(field(rec, 'n'))),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/images\/variations$/,
    family: 'openai',
    body: 'multipart',
    validate: (_j, rec) => variationProblem(rec),
    handle: (_j, rec, ctx) => imagesAnswer(ctx, 'dall-e-2', 'variation', nOf(field(rec, 'n'))),
  },
  {
    method: 'POST',
    pattern: /^\/kling\/v1\/images\/generations$/,
    family: 'suno',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.prompt), 'prompt is required'],
        [j.model_name === undefined || /^kling-v/.test(String(j.model_name)), 'unknown model_name'],
        [
          j.image === undefined || (typeof j.image === 'string' && !j.image.startsWith('data:')),
          'image must be raw base64 or a URL',
        ],
        [[...String(j.prompt ?? '')].length <= 500, 'prompt is longer than 500 characters'],
      ),
    handle: (j, _rec, ctx) => {
      const id = `kling-image-${ctx.nextSeq('clip')}`;
      const script = klingImageFake(ctx).scripts.shift() ?? {};
      const task: KlingImageFakeTask = {
        id,
        polls: 0,
        pending: script.pending ?? 0,
        fail: script.fail,
        n: nOf(j.n),
      };
      klingOf(ctx).set(id, task);
      return klingAnswer(klingData(ctx, task));
    },
  },
  {
    method: 'GET',
    pattern: /^\/kling\/v1\/images\/generations\/([^/]+)$/,
    family: 'suno',
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const task = klingOf(ctx).get(id ?? '');
      if (!task) return json({ code: 1203, message: 'task not found', request_id: 'req-fake' }, 404);
      task.polls += 1;
      return klingAnswer(klingData(ctx, task));
    },
  },
];
