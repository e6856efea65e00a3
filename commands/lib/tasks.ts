import type { CommandContext } from '../../src/core/command.js';
import type { Localized } from '../../src/core/i18n.js';
import type { MessageRef } from '../../src/core/platform.js';
import type { TaskKind, TaskPurpose, TaskRecord } from '../../src/core/tasks.js';
import { UsageRefusedError } from '../../src/core/usage.js';
import { errorMessage } from '../../src/error-text.js';

export const SUBMITTING: Localized = { en: '⏳ Submitting…', zh: '⏳ 正在提交…' };
export const ACCEPTED: Localized = {
  en: '✅ Accepted; I will post the result here. ({id})',
  zh: '✅ 已受理，完成后会发到这里。（{id}）',
};

export interface TaskStart {
  kind: TaskKind;
  purpose: TaskPurpose;
  submit: () => Promise<string>;
  meta?: Record<string, string>;
  accepted?: Localized;
  /**
   * A new song (or one made from a clip): also takes one of the group's songs for today
   * (GROUP_DAILY_SONGS), after the user's own task slot, and gives it back when the submit is refused.
   */
  song?: boolean;
}

/**
 * Runs the submit → record → tell sequence every task command shares (and the chat's media tools,
 * through submitImagine/submitSong/submitDescribe). First the gate: one of today's task slots is
 * reserved (and, for a model's tool call, one per-minute request taken); a refusal throws
 * UsageRefusedError before anything is shown or sent upstream. Then a status message, the upstream
 * submit, the durable record, and only then "accepted". A refused submit gives the slot back and
 * turns the status message into the reason.
 */
export async function startTask(
  ctx: CommandContext<unknown>,
  start: TaskStart,
): Promise<TaskRecord | undefined> {
  const slot = await ctx.usage.reserveTask({ rate: ctx.toolCall !== undefined });
  if (!slot.granted) {
    const { granted: _, ...refusal } = slot;
    ctx.log.info({ kind: start.kind, refusal: refusal.reason, tool: ctx.toolCall }, 'task start refused');
    throw new UsageRefusedError(refusal);
  }
  const song = start.song && ctx.songs ? await ctx.songs.budget.reserve() : undefined;
  if (song && !song.granted) {
    await slot.release();
    ctx.log.info({ kind: start.kind, used: song.used, quota: song.quota }, 'group song budget used up');
    throw new UsageRefusedError({
      reason: 'songs',
      used: song.used,
      quota: song.quota,
      message: song.message,
    });
  }
  const release = async () => {
    await slot.release();
    if (song?.granted) await song.release();
  };
  let status: MessageRef;
  try {
    status = await ctx.reply(ctx.t(SUBMITTING));
  } catch (error) {
    await release();
    throw error;
  }
  let upstreamId: string;
  try {
    // A submit can take seconds (an image upload to Midjourney): show the bot is at work.
    void ctx.typing();
    upstreamId = await start.submit();
  } catch (error) {
    await release();
    ctx.log.warn({ err: error, kind: start.kind }, 'task submit refused');
    await ctx.edit(status, `❌ ${errorMessage(error, ctx.lang)}`);
    return undefined;
  }
  const record = await ctx.tasks.track(
    { kind: start.kind, purpose: start.purpose, upstreamId, statusMessage: status, meta: start.meta ?? {} },
    { chat: ctx.chat, user: ctx.user, lang: ctx.lang, replyTo: ctx.messageId },
  );
  await ctx.edit(status, ctx.t(start.accepted ?? ACCEPTED, { id: upstreamId }));
  return record;
}
