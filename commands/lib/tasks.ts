import type { CommandContext } from '../../src/core/command.js';
import type { Localized } from '../../src/core/i18n.js';
import type { TaskKind, TaskPurpose, TaskRecord } from '../../src/core/tasks.js';
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
}

/**
 * Runs the submit → record → tell sequence every task command shares: a status message first,
 * then the upstream submit, then the durable record, and only then "accepted". A refused submit
 * turns the status message into the reason.
 */
export async function startTask(
  ctx: CommandContext<unknown>,
  start: TaskStart,
): Promise<TaskRecord | undefined> {
  const status = await ctx.reply(ctx.t(SUBMITTING));
  let upstreamId: string;
  try {
    upstreamId = await start.submit();
  } catch (error) {
    ctx.log.warn({ err: error, kind: start.kind }, 'task submit refused');
    await ctx.edit(status, `❌ ${errorMessage(error, ctx.lang)}`);
    return undefined;
  }
  const record = await ctx.tasks.track(
    { kind: start.kind, purpose: start.purpose, upstreamId, statusMessage: status, meta: start.meta ?? {} },
    { chat: ctx.chat, user: ctx.user, lang: ctx.lang, replyTo: ctx.messageId },
  );
  await ctx.usage.add({ tasks: 1 });
  await ctx.edit(status, ctx.t(start.accepted ?? ACCEPTED, { id: upstreamId }));
  return record;
}
