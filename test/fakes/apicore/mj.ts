import { deflateSync } from 'node:zlib';
import { mjError } from './builders.js';
import {
  firstProblem,
  isDataUrl,
  isNonEmptyString,
  type JsonBody,
  json,
  type Route,
  type RouteContext,
} from './route.js';
import type { MjButton, MjStage, MjTask, MjTaskState, Scripted } from './types.js';

export const MJ_TASK_KEYS = [
  'id',
  'action',
  'customId',
  'botType',
  'prompt',
  'promptEn',
  'description',
  'state',
  'submitTime',
  'startTime',
  'finishTime',
  'imageUrl',
  'videoUrl',
  'videoUrls',
  'status',
  'progress',
  'failReason',
  'buttons',
  'maskBase64',
  'properties',
] as const satisfies readonly (keyof MjTask)[];

const KEYCAPS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'];

export const DESCRIBE_FINAL_PROMPT = [
  'a rainy city street at night, neon reflections on wet asphalt, cinematic lighting --ar 1:1',
  'watercolor painting of a lonely umbrella in the rain, soft pastel tones --ar 1:1',
  'a cat sitting by a misty window, cozy interior, film grain, 35mm --ar 1:1',
  '雨中的城市 city in the rain, ukiyo-e style, deep blue palette 🌧 --ar 1:1',
]
  .map((p, i) => `${KEYCAPS[i]} ${p}`)
  .join('\n\n');

/** Deterministic UUID-shaped job hash used in button customIds. */
export function mjJobHash(id: string): string {
  const digits = id.padStart(12, '0');
  return `${digits.slice(-8)}-0000-4000-8000-${digits.slice(-12)}`;
}

const button = (customId: string, label: string, emoji = ''): MjButton => ({
  customId,
  emoji,
  label,
  type: 2,
  style: 2,
});

export function gridButtons(hash: string): MjButton[] {
  return [
    ...[1, 2, 3, 4].map((i) => button(`MJ::JOB::upsample::${i}::${hash}`, `U${i}`)),
    button(`MJ::JOB::reroll::0::${hash}::SOLO`, '', '🔄'),
    ...[1, 2, 3, 4].map((i) => button(`MJ::JOB::variation::${i}::${hash}`, `V${i}`)),
  ];
}

/** What an upscaled image offers (mjp relays Discord's real set; ❤️ and Web included). */
function upscaleButtons(hash: string): MjButton[] {
  return [
    button(`MJ::JOB::upsample_v6_2x_subtle::1::${hash}::SOLO`, 'Upscale (Subtle)'),
    button(`MJ::JOB::upsample_v6_2x_creative::1::${hash}::SOLO`, 'Upscale (Creative)'),
    button(`MJ::JOB::high_variation::1::${hash}::SOLO`, 'Vary (Strong)', '🪄'),
    button(`MJ::JOB::low_variation::1::${hash}::SOLO`, 'Vary (Subtle)', '🪄'),
    button(`MJ::Inpaint::1::${hash}::SOLO`, 'Vary (Region)', '🖌️'),
    button(`MJ::Outpaint::50::1::${hash}::SOLO`, 'Zoom Out 2x', '🔍'),
    button(`MJ::Outpaint::75::1::${hash}::SOLO`, 'Zoom Out 1.5x', '🔍'),
    button(`MJ::CustomZoom::${hash}`, 'Custom Zoom', '🔍'),
    ...(['left', 'right', 'up', 'down'] as const).map((d, i) =>
      button(`MJ::JOB::pan_${d}::1::${hash}::SOLO`, '', ['⬅️', '➡️', '⬆️', '⬇️'][i]),
    ),
    button(`MJ::BOOKMARK::${hash}`, '', '❤️'),
    { customId: '', emoji: '', label: 'Web', type: 2, style: 5 },
  ];
}

function describeButtons(): MjButton[] {
  return [
    ...KEYCAPS.map((emoji, i) => button(`MJ::Job::PicReader::${i + 1}`, '', emoji)),
    button('MJ::Picreader::Retry', '', '🔄'),
  ];
}

export function mjActionFromCustomId(customId: string): string {
  const c = customId.toLowerCase();
  if (c.includes('upsample')) return 'UPSCALE';
  if (c.includes('high_variation')) return 'HIGH_VARIATION';
  if (c.includes('low_variation')) return 'LOW_VARIATION';
  if (c.includes('variation')) return 'VARIATION';
  if (c.includes('reroll')) return 'REROLL';
  if (c.includes('::inpaint::')) return 'INPAINT';
  if (c.includes('customzoom')) return 'CUSTOM_ZOOM';
  if (c.includes('outpaint')) return 'ZOOM';
  if (c.includes('pan_')) return 'PAN';
  if (c.includes('animate_')) return 'VIDEO';
  if (c.includes('picreader')) return 'IMAGINE';
  return 'VARIATION';
}

/** Buttons that always open Discord's window (catalogue §3.3): the task waits in MODAL. */
const ALWAYS_MODAL = new Set(['INPAINT', 'CUSTOM_ZOOM']);
/** Buttons that open it when the account is in Remix mode. */
const REMIX_MODAL = new Set(['VARIATION', 'REROLL', 'PAN', 'HIGH_VARIATION', 'LOW_VARIATION']);

/** Remix mode per fake (off by default): V/re-roll/pan then wait in MODAL for a prompt. */
const remixMode = new WeakMap<RouteContext, boolean>();
export function setMjRemix(ctx: RouteContext, on: boolean): void {
  remixMode.set(ctx, on);
}

/** What each task's MODAL got, and the status the last fetch showed. */
const modalBodies = new WeakMap<MjTaskState, JsonBody>();
const lastShown = new WeakMap<MjTaskState, string>();

/** The `/modal` body a task in MODAL received (undefined: none yet). */
export function mjModalOf(state: MjTaskState): JsonBody | undefined {
  return modalBodies.get(state);
}

// ---------- images with real sizes, served where new-api's image proxy serves them ----------

/** `/mj/image/<id>` images: the size each task's image has (from its prompt's --ar). */
const imageSizes = new Map<string, { width: number; height: number }>();
const pngCache = new Map<string, Buffer>();
const IMAGE_LONG_SIDE_PX = 1024;

/** 1024 on the long side, the other from `--ar W:H` (1:1 without one). */
export function mjImageSize(prompt: string): { width: number; height: number } {
  const m = /--(?:ar|aspect)\s+(\d+)\s*:\s*(\d+)/i.exec(prompt);
  const w = Number(m?.[1] ?? 1) || 1;
  const h = Number(m?.[2] ?? 1) || 1;
  return w >= h
    ? { width: IMAGE_LONG_SIDE_PX, height: Math.round((IMAGE_LONG_SIDE_PX * h) / w) }
    : { width: Math.round((IMAGE_LONG_SIDE_PX * w) / h), height: IMAGE_LONG_SIDE_PX };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A grey 8-bit PNG of the given size (synchronous: route handlers answer at once). */
export function greyPng(width: number, height: number): Buffer {
  const key = `${width}x${height}`;
  const cached = pngCache.get(key);
  if (cached) return cached;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // filter: none
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  pngCache.set(key, png);
  return png;
}

/** Width and height from a PNG's IHDR, or undefined for anything else. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('ascii', 12, 16) !== 'IHDR')
    return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A proxied image URL for task `id`, with its size remembered. */
function servedImage(url: string, id: string, prompt: string): string {
  imageSizes.set(id, mjImageSize(prompt));
  return `${url}/mj/image/${id}`;
}

// Shorten: Midjourney's analysis (important tokens) and then five shorter prompts.
export const SHORTEN_PROMPTS = [
  'a misty bamboo forest 竹林, morning light',
  'bamboo forest, soft fog, sunrise 🌅',
  'misty bamboo grove at dawn',
  'foggy bamboo forest, golden light',
  '竹林 bamboo, mist',
];
function shortenOutput(): string {
  return [
    '**IMPORTANT TOKENS**',
    '**bamboo** **forest** ~~a~~ ~~very~~ misty, ~~in~~ the ~~early~~ morning',
    '**SHORTENED OPTIONS**',
    ...SHORTEN_PROMPTS.map((p, i) => `${KEYCAPS5[i]} ${p}`),
  ].join('\n\n');
}
const KEYCAPS5 = [...KEYCAPS, '5️⃣'];

/** A deterministic seed for a task. */
export function mjSeedOf(id: string): string {
  return String((Number(id.replace(/\D/g, '').slice(-9)) * 7919) % 4294967295);
}

export function defaultMjStages(action: string, url: string, id: string, prompt: string): MjStage[] {
  const hash = mjJobHash(id);
  let success: MjStage;
  if (action === 'DESCRIBE') {
    success = {
      imageUrl: `${url}/files/describe.png`,
      prompt: '',
      promptEn: DESCRIBE_FINAL_PROMPT,
      properties: { finalPrompt: DESCRIBE_FINAL_PROMPT, finalZhPrompt: '' },
      buttons: describeButtons(),
    };
  } else if (action === 'SHORTEN') {
    success = {
      imageUrl: '',
      properties: { finalPrompt: shortenOutput(), finalZhPrompt: '' },
      buttons: [
        ...KEYCAPS5.map((emoji, i) => button(`MJ::Job::PromptAnalyzer::${i + 1}::${hash}`, '', emoji)),
        button(`MJ::Job::PromptAnalyzerExtended::${hash}`, 'Show Details'),
      ],
    };
  } else if (action === 'UPSCALE') {
    success = {
      imageUrl: servedImage(url, id, prompt),
      properties: { finalPrompt: prompt, finalZhPrompt: '' },
      buttons: upscaleButtons(hash),
    };
  } else if (action === 'SWAP_FACE') {
    success = { imageUrl: servedImage(url, id, prompt), buttons: [] };
  } else if (action === 'VIDEO') {
    const videos = [0, 1, 2, 3].map((i) => ({ url: `${url}/files/mj-video-${id}-${i}.mp4` }));
    success = { imageUrl: '', videoUrl: videos[0]!.url, videoUrls: videos, buttons: [] };
  } else {
    success = {
      imageUrl: `${url}/files/grid.png`,
      properties: { finalPrompt: prompt, finalZhPrompt: '' },
      buttons: gridButtons(hash),
    };
  }
  return [
    { status: 'SUBMITTED', progress: '0%' },
    { status: 'IN_PROGRESS', progress: '50%' },
    { status: 'SUCCESS', progress: '100%', ...success },
  ];
}

const MODAL_STAGE: MjStage = { status: 'MODAL', progress: '0%', description: 'Waiting for window confirm' };

/** The task as a fetch returns it now; advances the task one stage. */
export function renderMjTask(state: MjTaskState): MjTask {
  const last = Math.max(0, state.stages.length - 1);
  const idx = Math.max(0, Math.min(state.stage, last));
  const stage = state.stages[idx] ?? {};
  // A task in MODAL waits for `/mj/submit/modal`; it never moves on by itself.
  if (stage.status !== 'MODAL' || modalBodies.has(state)) state.stage = Math.min(idx + 1, last);
  lastShown.set(state, stage.status ?? state.base.status);
  const task: MjTask = { ...state.base, ...stage };
  if (stage.startTime === undefined && !['', 'NOT_START', 'SUBMITTED'].includes(task.status)) {
    task.startTime = state.base.submitTime + 1000;
  }
  if (stage.finishTime === undefined && ['SUCCESS', 'FAILURE', 'CANCEL'].includes(task.status)) {
    task.finishTime = state.base.submitTime + 2000;
  }
  return task;
}

function submit(
  action: string,
  prompt: string,
  j: JsonBody,
  ctx: RouteContext,
  opts: { modal?: boolean } = {},
): Scripted {
  const id = String(1732400000000 + ctx.nextSeq('mj'));
  const base: MjTask = {
    id,
    action,
    customId: '',
    botType: '',
    prompt,
    promptEn: prompt,
    description: 'Submit success',
    state: typeof j.state === 'string' ? j.state : '',
    submitTime: Date.now(),
    startTime: 0,
    finishTime: 0,
    imageUrl: '',
    videoUrl: '',
    videoUrls: null,
    status: '',
    progress: '0%',
    failReason: '',
    buttons: null,
    maskBase64: '',
    properties: null,
  };
  const scripted = ctx.mjStages.shift() ?? defaultMjStages(action, ctx.url, id, prompt);
  const stages = opts.modal ? [MODAL_STAGE, ...scripted] : scripted;
  ctx.mjTasks.set(id, { id, action, submitBody: j, stages, stage: 0, base });
  if (opts.modal) {
    // mjp's answer (new-api may rewrite 21 to 1): the window must be confirmed with /modal.
    return json({
      code: 21,
      description: 'Waiting for window confirm',
      result: id,
      properties: { finalPrompt: prompt, remix: true },
    });
  }
  return json({ code: 1, description: 'Submit success', result: id, properties: {} });
}

const botTypeOk = (j: JsonBody): [boolean, string] => [
  j.botType === undefined || j.botType === 'MID_JOURNEY' || j.botType === 'NIJI_JOURNEY',
  'botType must be MID_JOURNEY or NIJI_JOURNEY',
];

const post = (path: string, validate: Route['validate'], handle: Route['handle']): Route => ({
  method: 'POST',
  pattern: new RegExp(`^/mj/${path}$`),
  family: 'mj',
  body: 'json',
  ...(validate ? { validate } : {}),
  handle,
});

/** All buttons any stage of a task offers. */
const buttonsOf = (t: MjTaskState): string[] =>
  t.stages.flatMap((s) => s.buttons ?? []).map((b) => b.customId);

export const mjRoutes: Route[] = [
  post(
    'submit/imagine',
    (j) =>
      firstProblem(
        [isNonEmptyString(j.prompt), { message: 'prompt_is_required', code: 4 }],
        [
          j.base64Array === undefined || (Array.isArray(j.base64Array) && j.base64Array.every(isDataUrl)),
          'base64Array must be an array of data: URLs',
        ],
        botTypeOk(j),
      ),
    (j, _rec, ctx) => submit('IMAGINE', String(j.prompt), j, ctx),
  ),
  post(
    'submit/describe',
    (j) => firstProblem([isDataUrl(j.base64), 'base64 must be a data:<mime>;base64, URL'], botTypeOk(j)),
    (j, _rec, ctx) => submit('DESCRIBE', '', j, ctx),
  ),
  post(
    'submit/blend',
    (j) =>
      firstProblem(
        [
          Array.isArray(j.base64Array) &&
            j.base64Array.length >= 2 &&
            j.base64Array.length <= 5 &&
            j.base64Array.every(isDataUrl),
          'base64Array must hold 2-5 data: URLs',
        ],
        [
          j.dimensions === undefined || ['PORTRAIT', 'SQUARE', 'LANDSCAPE'].includes(String(j.dimensions)),
          'dimensions must be PORTRAIT, SQUARE or LANDSCAPE',
        ],
        botTypeOk(j),
      ),
    (j, _rec, ctx) => submit('BLEND', '', j, ctx),
  ),
  post(
    'submit/action',
    (j, _rec, ctx) => {
      const parent = typeof j.taskId === 'string' ? ctx.mjTasks.get(j.taskId) : undefined;
      return firstProblem(
        [isNonEmptyString(j.customId), 'customId is required'],
        [isNonEmptyString(j.taskId), 'taskId is required'],
        [parent !== undefined, { message: `task_not_found: ${String(j.taskId)}`, code: 4 }],
        [
          parent === undefined || buttonsOf(parent).includes(String(j.customId)),
          `customId ${String(j.customId)} is not a button of task ${String(j.taskId)}`,
        ],
      );
    },
    (j, _rec, ctx) => {
      const parent = ctx.mjTasks.get(String(j.taskId))!;
      const action = mjActionFromCustomId(String(j.customId));
      const modal = ALWAYS_MODAL.has(action) || (REMIX_MODAL.has(action) && remixMode.get(ctx) === true);
      return submit(action, parent.base.prompt, { ...j, parentId: parent.id }, ctx, { modal });
    },
  ),
  post(
    'submit/modal',
    (j, _rec, ctx) => {
      const task = typeof j.taskId === 'string' ? ctx.mjTasks.get(j.taskId) : undefined;
      const waiting = task !== undefined && lastShown.get(task) === 'MODAL' && !modalBodies.has(task);
      const parentId = task ? String((task.submitBody as JsonBody).parentId ?? '') : '';
      const parentSize = imageSizes.get(parentId);
      const mask =
        typeof j.maskBase64 === 'string' && isDataUrl(j.maskBase64)
          ? pngSize(Buffer.from(j.maskBase64.slice(j.maskBase64.indexOf(',') + 1), 'base64'))
          : undefined;
      const zoom = /--zoom\s+([\d.]+)/.exec(String(j.prompt ?? ''))?.[1];
      return firstProblem(
        [isNonEmptyString(j.taskId), 'taskId is required'],
        [task !== undefined, { message: `task_not_found: ${String(j.taskId)}`, code: 4 }],
        // Only a task whose fetch showed MODAL waits for a window (the client must look first).
        [waiting, { message: `task_status_not_modal: ${String(j.taskId)}`, code: 4 }],
        [isNonEmptyString(j.prompt), { message: 'prompt_is_required', code: 4 }],
        [
          j.maskBase64 === undefined ||
            (typeof j.maskBase64 === 'string' &&
              j.maskBase64.startsWith('data:image/png;base64,') &&
              mask !== undefined),
          'maskBase64 must be a PNG data: URL',
        ],
        [task?.action !== 'INPAINT' || mask !== undefined, 'Vary (Region) needs maskBase64'],
        [
          task?.action !== 'INPAINT' ||
            parentSize === undefined ||
            (mask?.width === parentSize.width && mask.height === parentSize.height),
          `the mask must be ${parentSize?.width}x${parentSize?.height}, like the image; got ${mask?.width}x${mask?.height}`,
        ],
        [
          task?.action !== 'CUSTOM_ZOOM' || (zoom !== undefined && Number(zoom) >= 1 && Number(zoom) <= 2),
          { message: 'Custom Zoom needs --zoom between 1 and 2 in the prompt', code: 4 },
        ],
      );
    },
    (j, _rec, ctx) => {
      const task = ctx.mjTasks.get(String(j.taskId))!;
      modalBodies.set(task, j);
      if (task.stages[task.stage]?.status === 'MODAL')
        task.stage = Math.min(task.stage + 1, task.stages.length - 1);
      task.base.prompt = String(j.prompt);
      task.base.promptEn = String(j.prompt);
      return json({ code: 1, description: 'Submit success', result: task.id, properties: {} });
    },
  ),
  post(
    'submit/shorten',
    (j) =>
      firstProblem([isNonEmptyString(j.prompt), { message: 'prompt_is_required', code: 4 }], botTypeOk(j)),
    (j, _rec, ctx) => submit('SHORTEN', String(j.prompt), j, ctx),
  ),
  post(
    'insight-face/swap',
    (j) =>
      firstProblem(
        [isDataUrl(j.sourceBase64), 'sourceBase64 (the face) must be a data: URL'],
        [isDataUrl(j.targetBase64), 'targetBase64 (the picture) must be a data: URL'],
      ),
    (j, _rec, ctx) => submit('SWAP_FACE', '', j, ctx),
  ),
  {
    method: 'GET',
    pattern: /^\/mj\/task\/([^/]+)\/image-seed$/,
    family: 'mj',
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const state = ctx.mjTasks.get(id ?? '');
      if (!state) return mjError(404, 4, 'task_no_found');
      if (lastShown.get(state) !== 'SUCCESS') return mjError(400, 4, 'task_status_not_success');
      return json({ code: 1, description: 'Success', result: mjSeedOf(state.id), properties: {} });
    },
  },
  {
    method: 'GET',
    pattern: /^\/mj\/image\/([^/]+)$/,
    family: 'mj',
    body: 'none',
    public: true,
    handle: (_j, _rec, _ctx, [id]) => {
      const size = imageSizes.get(id ?? '');
      if (!size) return mjError(404, 4, 'image_not_found');
      return { kind: 'binary', contentType: 'image/png', body: greyPng(size.width, size.height) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/mj\/task\/([^/]+)\/fetch$/,
    family: 'mj',
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const state = ctx.mjTasks.get(id ?? '');
      return state ? json(renderMjTask(state)) : mjError(404, 4, 'task_no_found');
    },
  },
  post(
    'task/list-by-condition',
    (j) =>
      firstProblem([
        j.ids === undefined || (Array.isArray(j.ids) && j.ids.every((id) => typeof id === 'string')),
        'ids must be an array of strings',
      ]),
    (j, _rec, ctx) => {
      const ids = Array.isArray(j.ids) ? (j.ids as string[]) : [];
      return json(ids.flatMap((id) => ctx.mjTasks.get(id) ?? []).map(renderMjTask));
    },
  ),
];
