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

function upscaleButtons(hash: string): MjButton[] {
  return [
    button(`MJ::JOB::high_variation::1::${hash}::SOLO`, 'Vary (Strong)', '🪄'),
    button(`MJ::JOB::low_variation::1::${hash}::SOLO`, 'Vary (Subtle)', '🪄'),
    button(`MJ::Outpaint::50::1::${hash}::SOLO`, 'Zoom Out 2x', '🔍'),
    button(`MJ::Outpaint::75::1::${hash}::SOLO`, 'Zoom Out 1.5x', '🔍'),
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
  if (c.includes('outpaint') || c.includes('customzoom')) return 'ZOOM';
  if (c.includes('pan_')) return 'PAN';
  if (c.includes('picreader')) return 'IMAGINE';
  return 'VARIATION';
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
  } else if (action === 'UPSCALE') {
    success = {
      imageUrl: `${url}/files/upscale.png`,
      properties: { finalPrompt: prompt, finalZhPrompt: '' },
      buttons: upscaleButtons(hash),
    };
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

/** The task as a fetch returns it now; advances the task one stage. */
export function renderMjTask(state: MjTaskState): MjTask {
  const last = Math.max(0, state.stages.length - 1);
  const idx = Math.max(0, Math.min(state.stage, last));
  const stage = state.stages[idx] ?? {};
  state.stage = Math.min(idx + 1, last);
  const task: MjTask = { ...state.base, ...stage };
  if (stage.startTime === undefined && !['', 'NOT_START', 'SUBMITTED'].includes(task.status)) {
    task.startTime = state.base.submitTime + 1000;
  }
  if (stage.finishTime === undefined && ['SUCCESS', 'FAILURE', 'CANCEL'].includes(task.status)) {
    task.finishTime = state.base.submitTime + 2000;
  }
  return task;
}

function submit(action: string, prompt: string, j: JsonBody, ctx: RouteContext): Scripted {
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
  const stages = ctx.mjStages.shift() ?? defaultMjStages(action, ctx.url, id, prompt);
  ctx.mjTasks.set(id, { id, action, submitBody: j, stages, stage: 0, base });
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
      return submit(mjActionFromCustomId(String(j.customId)), parent.base.prompt, j, ctx);
    },
  ),
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
