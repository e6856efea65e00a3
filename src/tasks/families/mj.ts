import type { MjButton, MjTask } from '../../core/apicore.js';
import type { CommandButton, FollowUpForm } from '../../core/command.js';
import { type Lang, type Localized, t } from '../../core/i18n.js';
import type { ResultPart, TaskRecord } from '../../core/tasks.js';
import { progressBar, T } from '../texts.js';
import type { TaskFamily, UpstreamView } from './types.js';

/** Discord allows 5 buttons a row and 5 rows; Telegram is looser. */
const BUTTONS_PER_ROW = 5;
const MAX_BUTTON_ROWS = 5;
/** Ids in one batch request (SQLite-backed gateways allow 999 query parameters; 100 is safe). */
const MJ_BATCH_SIZE = 100;
const MJ_DEADLINE_MS = 15 * 60_000;
/** Discord's limit for a modal field. */
const PROMPT_MAX_CHARS = 4000;

/** The commands Midjourney's buttons run (commands/midjourney/). */
export const MJ_COMMANDS = {
  action: 'mj-action',
  modal: 'mj-modal',
  region: 'mj-region',
  seed: 'mj-seed',
  imagine: 'imagine',
} as const;

/** What Midjourney results say, in both languages. */
export const MJ_TEXT = {
  modalWaiting: {
    en: '✏️ Midjourney is waiting for your prompt (Remix mode is on for this button). Press the button and write it; the result comes here.',
    zh: '✏️ Midjourney 正在等待你的提示词（此按钮处于 Remix 模式）。点击按钮填写，结果会发到这里。',
  },
  modalButton: { en: '✏️ Write the prompt', zh: '✏️ 填写提示词' },
  modalTitle: { en: 'Midjourney Remix: your prompt', zh: 'Midjourney Remix：提示词' },
  promptLabel: { en: 'Prompt (parameters like --ar work)', zh: '提示词（可带 --ar 等参数）' },
  modalStatus: { en: '✏️ Midjourney · waiting for your prompt', zh: '✏️ Midjourney · 等待你的提示词' },
  zoomTitle: { en: 'Custom Zoom: prompt and --zoom', zh: '自定义缩放：提示词与 --zoom' },
  zoomLabel: { en: 'Prompt with --zoom 1–2 (and --ar)', zh: '提示词，含 --zoom 1–2（及 --ar）' },
  seedButton: { en: '🌱 Seed', zh: '🌱 种子' },
  shortenTitle: { en: '✂️ Shorter prompts:', zh: '✂️ 精简后的提示词：' },
  shortenNone: {
    en: '✂️ Midjourney returned no shorter prompts for this one.',
    zh: '✂️ Midjourney 没有为这个提示词给出精简版本。',
  },
  videoCaption: { en: '🎬 Midjourney video {n}', zh: '🎬 Midjourney 视频 {n}' },
} satisfies Record<string, Localized>;

/** Discord-side buttons that start nothing here (❤️ bookmarks the gateway's own account). */
const HIDDEN_BUTTON = /^MJ::BOOKMARK::/;

/** `--ar W:H` in a prompt, if any. */
function aspectOf(prompt: string): string | undefined {
  return /--(?:ar|aspect)\s+(\d+\s*:\s*\d+)/i.exec(prompt)?.[1]?.replace(/\s+/g, '');
}

/** The prompt a Custom Zoom window starts with: the job's prompt, its --ar, and --zoom 2. */
export function customZoomPrompt(prompt: string, fallbackAspect = '1:1'): string {
  const base = prompt.replace(/\s*--zoom\s+\S+/gi, '').trim();
  const ar = aspectOf(base) ? '' : ` --ar ${fallbackAspect}`;
  return `${base}${ar} --zoom 2`.trim();
}

/** A form asking one prompt, pre-filled. */
function promptForm(title: Localized, label: Localized, value: string): FollowUpForm {
  return {
    title,
    fields: [
      {
        name: 'prompt',
        label,
        style: 'paragraph',
        maxLength: PROMPT_MAX_CHARS,
        ...(value ? { value: value.slice(0, PROMPT_MAX_CHARS) } : {}),
      },
    ],
  };
}

function label(b: MjButton): string {
  return [b.emoji, b.label].filter(Boolean).join(' ') || '🔄';
}

/** The job's prompt as the user knows it. */
function promptOf(record: TaskRecord | undefined, task: MjTask): string {
  return record?.meta.prompt || task.finalPrompt || task.promptEn || task.prompt;
}

/**
 * Every button Midjourney offers on a result, each one press from its command: plain actions run
 * `mj-action`; Custom Zoom asks its prompt first (a form); Vary (Region) offers region presets
 * (`mj-region`). Buttons that would open a window in Remix mode are plain: when the task then
 * waits in MODAL, the poller asks for the prompt (see `view`). Image results get a seed button.
 */
export function mjButtons(task: MjTask, record?: TaskRecord): CommandButton[][] {
  const speed = record?.meta.speed;
  const extra = speed ? { speed } : {};
  const lang: Lang = record?.lang ?? 'en';
  const buttons: CommandButton[] = task.buttons
    .filter((b) => b.customId && !HIDDEN_BUTTON.test(b.customId))
    .map((b): CommandButton => {
      const args = { taskId: task.id, customId: b.customId, ...extra };
      if (b.customId.startsWith('MJ::Inpaint::')) {
        return { label: label(b), command: MJ_COMMANDS.region, args };
      }
      if (b.customId.startsWith('MJ::CustomZoom::')) {
        const value = customZoomPrompt(promptOf(record, task), record?.meta.aspect);
        return {
          label: label(b),
          command: MJ_COMMANDS.action,
          args,
          form: promptForm(MJ_TEXT.zoomTitle, MJ_TEXT.zoomLabel, value),
        };
      }
      return { label: label(b), command: MJ_COMMANDS.action, args };
    });
  // The seed belongs to the job; offered on single images (an upscale), where a grid's U buttons are gone.
  const grid = task.buttons.some((b) => /^MJ::JOB::upsample::\d::/.test(b.customId));
  if (task.imageUrl && !grid && task.action !== 'SWAP_FACE') {
    buttons.push({
      label: t(lang, MJ_TEXT.seedButton),
      command: MJ_COMMANDS.seed,
      args: { taskId: task.id },
    });
  }
  const rows: CommandButton[][] = [];
  for (let i = 0; i < buttons.length && rows.length < MAX_BUTTON_ROWS; i += BUTTONS_PER_ROW) {
    rows.push(buttons.slice(i, i + BUTTONS_PER_ROW));
  }
  return rows;
}

/** Prompts numbered with keycaps (1️⃣ … 5️⃣), in order; text before the first one is dropped. */
export function keycapPrompts(text: string, max: number): string[] {
  const found = [...text.matchAll(/[1-9]\uFE0F?\u20E3\s*([\s\S]*?)(?=\s*[1-9]\uFE0F?\u20E3|$)/gu)];
  return found
    .map((m) => (m[1] ?? '').replace(/\*\*/g, '').trim())
    .filter((p) => p.length > 0)
    .slice(0, max);
}

/** Splits the four prompts of a describe result (1️⃣…4️⃣), falling back to promptEn. */
export function describePrompts(task: MjTask): string[] {
  for (const source of [task.finalPrompt, task.promptEn, task.prompt]) {
    const prompts = keycapPrompts(source, 4);
    if (prompts.length > 0) return prompts;
  }
  return [];
}

/** The shorter prompts of a SHORTEN result (after its "shortened options" heading, when present). */
export function shortenPrompts(task: MjTask): string[] {
  for (const source of [task.finalPrompt, task.description, task.promptEn]) {
    const at = source.search(/shortened/i);
    const prompts = keycapPrompts(at >= 0 ? source.slice(at) : source, 5);
    if (prompts.length > 0) return prompts;
  }
  return [];
}

function imagineButtons(lang: Lang, prompts: string[]): CommandButton[][] {
  return [
    prompts.map((prompt, i) => ({
      label: t(lang, T.describeButton, { n: i + 1 }),
      command: MJ_COMMANDS.imagine,
      args: { prompt },
    })),
  ];
}

function promptList(prompts: string[]): string[] {
  return prompts.map((p, i) => `${i + 1}\uFE0F\u20E3 ${p}`);
}

function parts(record: TaskRecord, task: MjTask): ResultPart[] {
  const lang = record.lang;
  if (task.action === 'SHORTEN' || record.meta.mode === 'shorten') {
    const prompts = shortenPrompts(task);
    if (prompts.length === 0) return [{ id: 'prompts', text: t(lang, MJ_TEXT.shortenNone) }];
    const text = [t(lang, MJ_TEXT.shortenTitle), ...promptList(prompts)].join('\n\n');
    return [{ id: 'prompts', text, buttons: imagineButtons(lang, prompts) }];
  }
  if (record.purpose === 'describe') {
    const prompts = describePrompts(task);
    const text = [t(lang, T.describeTitle), ...promptList(prompts)].join('\n\n');
    return [{ id: 'prompts', text, buttons: imagineButtons(lang, prompts) }];
  }
  const videos = task.videoUrls ?? (task.videoUrl ? [task.videoUrl] : []);
  if (videos.length > 0 && !task.imageUrl) {
    return videos.map((url, i) => ({
      id: `video-${i + 1}`,
      text: t(lang, MJ_TEXT.videoCaption, { n: i + 1 }),
      file: { url, kind: 'video', name: `mj-${task.id}-${i + 1}.mp4` },
    }));
  }
  const caption = record.meta.caption ?? `🎨 ${record.meta.prompt ?? task.prompt}`;
  const buttons = mjButtons(task, record);
  if (!task.imageUrl) return [{ id: 'image', text: caption, buttons }];
  return [
    {
      id: 'image',
      text: caption,
      buttons,
      file: { url: task.imageUrl, kind: 'image', name: `mj-${task.id}.png` },
    },
  ];
}

/** A task waiting in MODAL (a Remix-mode button): one button asks the prompt and confirms it. */
function modalPart(record: TaskRecord, task: MjTask): ResultPart {
  const speed = record.meta.speed;
  return {
    id: 'modal',
    text: t(record.lang, MJ_TEXT.modalWaiting),
    buttons: [
      [
        {
          label: t(record.lang, MJ_TEXT.modalButton),
          command: MJ_COMMANDS.modal,
          args: { taskId: task.id, ...(speed ? { speed } : {}) },
          form: promptForm(MJ_TEXT.modalTitle, MJ_TEXT.promptLabel, promptOf(record, task)),
        },
      ],
    ],
  };
}

function view(record: TaskRecord, task: MjTask): UpstreamView {
  const lang = record.lang;
  if (task.status === 'SUCCESS') return { state: 'success', parts: parts(record, task) };
  if (task.status === 'FAILURE' || task.status === 'CANCEL')
    return { state: 'failure', reason: task.failReason || task.description || task.status };
  // MODAL is never a failure: either our window answer is on its way (the bot confirmed it when
  // the button was pressed), or the button was in Remix mode and the user is asked for a prompt.
  if (task.status === 'MODAL' && record.meta.modal !== 'sent')
    return { state: 'success', parts: [modalPart(record, task)] };
  if (task.status === 'IN_PROGRESS' && task.progress > 0) {
    const percent = Math.round(task.progress);
    return { state: 'running', status: t(lang, T.mjProgress, { bar: progressBar(task.progress), percent }) };
  }
  return { state: 'running', status: t(lang, T.mjQueued) };
}

export const midjourney: TaskFamily = {
  kind: 'mj',
  name: 'midjourney',
  batchSize: MJ_BATCH_SIZE,
  deadlineMs: MJ_DEADLINE_MS,
  async fetchMany(apicore, ids) {
    const tasks = await apicore.mjFetchMany(ids);
    return tasks.map((task) => ({ id: task.id, view: (r: TaskRecord) => view(r, task) }));
  },
  doneText: (record) =>
    record.parts.some((p) => p.id === 'modal')
      ? t(record.lang, MJ_TEXT.modalStatus)
      : t(record.lang, T.mjDone),
};
