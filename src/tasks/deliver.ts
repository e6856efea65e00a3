import type { Logger } from 'pino';
import type { ApiCore } from '../core/apicore.js';
import type { CommandButton } from '../core/command.js';
import { t } from '../core/i18n.js';
import { downloadAsFile } from '../core/media.js';
import type {
  OutgoingFile,
  OutgoingMessage,
  PlatformButton,
  PlatformLimits,
  ReplyChannel,
} from '../core/platform.js';
import type { JobAttempt, ResultPart, TaskRecord } from '../core/tasks.js';
import type { ChatScheduler } from '../render/scheduler.js';
import type { ButtonRegistry } from '../store/buttons.js';
import type { TaskStore } from './task-store.js';
import { T } from './texts.js';

/** What delivering into one chat needs; made per job by the poller for the record's platform. */
export interface ChatAccess {
  /** The platform's channel, unpaced: every send below first takes a slot from `scheduler`. */
  channel: ReplyChannel;
  scheduler: ChatScheduler;
  limits: PlatformLimits;
  apicore: ApiCore;
  buttons: ButtonRegistry;
  log: Logger;
}

/** The send slot key every task message shares with command replies (see pacedChannel). */
const SEND_KEY = 'send';

async function platformButtons(
  d: ChatAccess,
  rows: CommandButton[][] | undefined,
): Promise<PlatformButton[][] | undefined> {
  return rows?.length ? d.buttons.register(rows) : undefined;
}

/** Sends one message in its turn in the chat's budget; `prepare` runs once the slot is granted. */
async function sendInTurn(d: ChatAccess, prepare: () => Promise<OutgoingMessage>): Promise<void> {
  // Counted from when the send came back, not from the grant: a download between the two (seconds
  // for a song) would otherwise let deliveries reach the platform in a burst.
  const end = await d.scheduler.begin(SEND_KEY, true);
  try {
    await d.channel.send(await prepare());
  } finally {
    end();
  }
}

function linkText(record: TaskRecord, part: ResultPart, url: string): string {
  if (part.file?.kind === 'image') return `${part.text}\n${url}`;
  return `${part.text}\n\n${t(record.lang, T.tooLargeLink, { name: part.file?.name ?? '', url })}`;
}

/**
 * A file the bot generated (an .lrc): its inline bytes, sent without a download. Undefined when
 * the part has none, or they exceed what the platform takes.
 */
function inlineFile(part: ResultPart, maxBytes: number): OutgoingFile | undefined {
  const f = part.file;
  if (f?.data === undefined) return undefined;
  const data = new Uint8Array(Buffer.from(f.data, f.base64 ? 'base64' : 'utf8'));
  if (data.byteLength > maxBytes) return undefined;
  const { url: _url, data: _data, base64: _base64, ...rest } = f;
  return { ...rest, data };
}

/**
 * The message when the file cannot go with it: its link; for a generated text file (no link), its
 * text in a code block, cut to the message limit.
 */
function fallbackText(d: ChatAccess, record: TaskRecord, part: ResultPart): string {
  const f = part.file;
  if (f?.url) return linkText(record, part, f.url);
  if (f?.data === undefined || f.base64) return part.text;
  const room = d.limits.maxChars - part.text.length - 12;
  if (room < 40) return part.text;
  const body = f.data.length > room ? `${f.data.slice(0, room - 1)}…` : f.data;
  return `${part.text}\n\n\`\`\`\n${body.replaceAll('```', "'''")}\n\`\`\``;
}

/**
 * Delivers one part exactly once. The file is downloaded only once the chat's send slot is granted
 * (so deliveries waiting for a busy group hold no file in memory). The part is marked `sending`
 * just before the send and `sent` after; an ordinary failure clears the mark and throws, so the
 * queue retries it; the last attempt posts the link and the buttons instead. A `sending` mark found
 * when the job starts means the process that began the send died: the part may have arrived, so
 * only its link (with its buttons) is posted, never the part again.
 */
export async function deliverPart(
  d: ChatAccess,
  tasks: TaskStore,
  record: TaskRecord,
  part: ResultPart,
  attempt: JobAttempt,
): Promise<void> {
  const mark = await tasks.mark(record.id, part.id);
  if (mark === 'sent' || mark === 'linked') return;
  const replyTo = record.replyTo;
  const url = part.file?.url;
  if (mark === 'sending') {
    d.log.warn({ part: part.id }, 'a send of this part was cut by a crash; posting its link');
    await sendInTurn(d, async () => ({
      text: url ? t(record.lang, T.maybeDelivered, { url }) : part.text,
      buttons: await platformButtons(d, part.buttons),
      replyTo,
    }));
    await tasks.setMark(record.id, part.id, 'linked');
    return;
  }
  let file: OutgoingFile | undefined;
  try {
    await sendInTurn(d, async () => {
      if (part.file) {
        const { url: fileUrl, data: _data, base64: _base64, ...rest } = part.file;
        file = inlineFile(part, d.limits.maxUploadBytes);
        if (!file && fileUrl) file = await downloadAsFile(d.apicore, fileUrl, rest, d.limits.maxUploadBytes);
        if (!file)
          d.log.info({ part: part.id, kind: part.file.kind }, 'result not attached; posting its link');
      }
      const buttons = await platformButtons(d, part.buttons);
      await tasks.setMark(record.id, part.id, 'sending');
      if (file)
        return { text: part.text.slice(0, d.limits.maxCaptionChars), files: [file], buttons, replyTo };
      return { text: fallbackText(d, record, part), buttons, replyTo };
    });
  } catch (error) {
    // An ordinary failure: the part did not arrive (the platform said so), so it may be sent again.
    await tasks.setMark(record.id, part.id, undefined);
    if (!attempt.final) throw error;
    d.log.error({ err: error, part: part.id }, 'result could not be sent; posting its link');
    file = undefined;
    await sendInTurn(d, async () => ({
      text: fallbackText(d, record, part),
      buttons: await platformButtons(d, part.buttons),
      replyTo,
    }));
    await tasks.setMark(record.id, part.id, 'linked');
    return;
  } finally {
    file = undefined; // the bytes go as soon as the send is done
  }
  await tasks.setMark(record.id, part.id, 'sent');
}
