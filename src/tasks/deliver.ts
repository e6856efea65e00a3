import type { Logger } from 'pino';
import type { ApiCore, MjTask, SunoClip, SunoTask } from '../core/apicore.js';
import type { CommandButton } from '../core/command.js';
import { t } from '../core/i18n.js';
import { downloadAsFile } from '../core/media.js';
import type {
  MediaKind,
  OutgoingFile,
  OutgoingMessage,
  PlatformLimits,
  ReplyChannel,
} from '../core/platform.js';
import type { TaskRecord } from '../core/tasks.js';
import type { ButtonRegistry } from '../store/buttons.js';
import { T } from './texts.js';

/** Discord allows 5 buttons a row and 5 rows; Telegram is looser. */
const BUTTONS_PER_ROW = 5;
const MAX_BUTTON_ROWS = 5;

export interface DeliveryContext {
  channel: ReplyChannel;
  limits: PlatformLimits;
  apicore: ApiCore;
  buttons: ButtonRegistry;
  log: Logger;
  /** Persists the record (delivery marks). */
  save(record: TaskRecord): Promise<void>;
}

/** Downloads a result as an attachment; undefined (post the link) when too large or unreachable. */
export async function fetchFile(
  d: DeliveryContext,
  url: string,
  kind: MediaKind,
  name: string,
  extra: Partial<OutgoingFile> = {},
): Promise<OutgoingFile | undefined> {
  const file = await downloadAsFile(d.apicore, url, { kind, name, ...extra }, d.limits.maxUploadBytes);
  if (!file) d.log.info({ kind }, 'result not attached; posting its link');
  return file;
}

/**
 * Sends one part of a result exactly once: the part is marked as being sent before, and as
 * delivered after. A crash in between leaves it marked `sending`, and it is not sent again.
 */
async function once(
  d: DeliveryContext,
  record: TaskRecord,
  part: string,
  url: string,
  send: () => Promise<void>,
): Promise<boolean> {
  if (record.delivered.includes(part) || record.sending === part) return false;
  record.sending = part;
  record.meta.sendingUrl = url;
  await d.save(record);
  await send();
  record.delivered.push(part);
  record.sending = undefined;
  await d.save(record);
  return true;
}

function mjButtons(task: MjTask): CommandButton[][] {
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

async function send(
  d: DeliveryContext,
  record: TaskRecord,
  message: OutgoingMessage,
  buttons?: CommandButton[][],
) {
  const platformButtons = buttons?.length ? await d.buttons.register(buttons) : undefined;
  await d.channel.send({
    ...message,
    replyTo: record.replyTo,
    ...(platformButtons ? { buttons: platformButtons } : {}),
  });
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

/** Delivers a finished Midjourney task: the image with its buttons, or the four prompts. */
export async function deliverMj(d: DeliveryContext, record: TaskRecord, task: MjTask): Promise<void> {
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
    await once(d, record, 'prompts', task.imageUrl, () => send(d, record, { text }, buttons));
    return;
  }
  const url = task.imageUrl;
  await once(d, record, 'image', url, async () => {
    const file = url ? await fetchFile(d, url, 'image', `mj-${task.id}.png`) : undefined;
    const caption = `🎨 ${record.meta.prompt ?? task.prompt}`.slice(0, d.limits.maxCaptionChars);
    if (file) await send(d, record, { text: caption, files: [file] }, mjButtons(task));
    else await send(d, record, { text: `${caption}\n${url}` }, mjButtons(task));
  });
}

function clipText(clip: SunoClip, lang: 'en' | 'zh'): string {
  const head = t(lang, T.audioCaption, { title: clip.title || 'Suno' });
  const tags = clip.tags ? `\n🏷️ ${clip.tags}` : '';
  const lyrics = clip.lyrics ? `\n\n${clip.lyrics}` : '';
  return `${head}${tags}${lyrics}`;
}

/** Delivers a finished Suno task: each clip as audio with its title, cover and lyrics. */
export async function deliverSuno(d: DeliveryContext, record: TaskRecord, task: SunoTask): Promise<number> {
  const lang = record.lang;
  if (record.purpose === 'lyrics') {
    const l = task.lyrics;
    await once(d, record, 'lyrics', '', () =>
      send(d, record, { text: `📝 ${l?.title ?? ''}\n\n${l?.text ?? ''}`.trim() }),
    );
    return 1;
  }
  let sent = 0;
  for (const clip of task.clips) {
    if (!clip.audioUrl) continue;
    sent++;
    await once(d, record, clip.id, clip.audioUrl, async () => {
      const name = `${(clip.title || 'song').replace(/[\\/:*?"<>|]+/g, '_')}.mp3`;
      const file = await fetchFile(d, clip.audioUrl, 'audio', name, {
        title: clip.title || undefined,
        performer: 'Suno AI',
        durationSeconds: clip.durationSeconds,
        thumbnailUrl: clip.imageUrl || undefined,
      });
      const text = clipText(clip, lang);
      if (file) await send(d, record, { text, files: [file] });
      else
        await send(d, record, {
          text: `${text}\n\n${t(lang, T.tooLargeLink, { name, url: clip.audioUrl })}`,
        });
    });
  }
  return sent;
}
