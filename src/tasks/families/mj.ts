import type { MjTask } from '../../core/apicore.js';
import type { CommandButton } from '../../core/command.js';
import { t } from '../../core/i18n.js';
import type { ResultPart, TaskRecord } from '../../core/tasks.js';
import { progressBar, T } from '../texts.js';
import type { TaskFamily, UpstreamView } from './types.js';

/** Discord allows 5 buttons a row and 5 rows; Telegram is looser. */
const BUTTONS_PER_ROW = 5;
const MAX_BUTTON_ROWS = 5;
/** Ids in one batch request (SQLite-backed gateways allow 999 query parameters; 100 is safe). */
const MJ_BATCH_SIZE = 100;
const MJ_DEADLINE_MS = 15 * 60_000;

/** U1–U4, V1–V4, re-roll…: each runs the `mj-action` command when pressed. */
export function mjButtons(task: MjTask): CommandButton[][] {
  const buttons = task.buttons
    .filter((b) => b.customId)
    .map((b) => ({
      label: [b.emoji, b.label].filter(Boolean).join(' ') || '🔄',
      command: 'mj-action',
      args: { taskId: task.id, customId: b.customId },
    }));
  const rows: CommandButton[][] = [];
  for (let i = 0; i < buttons.length && rows.length < MAX_BUTTON_ROWS; i += BUTTONS_PER_ROW) {
    rows.push(buttons.slice(i, i + BUTTONS_PER_ROW));
  }
  return rows;
}

/** Splits the four prompts of a describe result (1️⃣…4️⃣), falling back to promptEn. */
export function describePrompts(task: MjTask): string[] {
  const source = task.finalPrompt || task.promptEn || task.prompt;
  return source
    .split(/\s*[1-4]\uFE0F?\u20E3\s*/u)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .slice(0, 4);
}

function parts(record: TaskRecord, task: MjTask): ResultPart[] {
  const lang = record.lang;
  if (record.purpose === 'describe') {
    const prompts = describePrompts(task);
    const text = [t(lang, T.describeTitle), ...prompts.map((p, i) => `${i + 1}\uFE0F\u20E3 ${p}`)].join(
      '\n\n',
    );
    const buttons = [
      prompts.map((prompt, i) => ({
        label: t(lang, T.describeButton, { n: i + 1 }),
        command: 'imagine',
        args: { prompt },
      })),
    ];
    return [{ id: 'prompts', text, buttons }];
  }
  const caption = `🎨 ${record.meta.prompt ?? task.prompt}`;
  const buttons = mjButtons(task);
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

function view(record: TaskRecord, task: MjTask): UpstreamView {
  const lang = record.lang;
  if (task.status === 'SUCCESS') return { state: 'success', parts: parts(record, task) };
  if (task.status === 'FAILURE' || task.status === 'CANCEL' || task.status === 'MODAL')
    return { state: 'failure', reason: task.failReason || task.description || task.status };
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
  doneText: (record) => t(record.lang, T.mjDone),
};
