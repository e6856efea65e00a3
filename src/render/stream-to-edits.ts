import type { Logger } from 'pino';
import type { AnswerPiece, StreamOutcome } from '../core/command.js';
import type { Lang } from '../core/i18n.js';
import type { MessageRef, PlatformLimits, ReplyChannel } from '../core/platform.js';
import { answerView, CURSOR } from './answer-view.js';
import type { ChatScheduler } from './scheduler.js';
import { closeOpenFence, splitMessage } from './split.js';

/** Room kept free in a growing message for the cursor and a repaired code fence. */
const LIVE_RESERVE_CHARS = 8;

export interface RenderOptions {
  channel: ReplyChannel;
  limits: PlatformLimits;
  scheduler: ChatScheduler;
  lang: Lang;
  log: Logger;
  /** The first thing the user sees, sent before the upstream answers. */
  placeholder: string;
  /** Shown when the model answered nothing at all. */
  emptyText: string;
  /** Localised line for an error that ended the stream. */
  errorText: (error: Error) => string;
  replyTo?: string | undefined;
  footer?: string | undefined;
  /** Native drafts, when the channel has them: an id unique to this answer. */
  draftId?: number | undefined;
}

/**
 * Renders a streamed answer into platform messages. Deltas are coalesced: each request carries
 * the newest text, and the next one is asked for only after the previous one resolved. Every
 * request waits for the chat's scheduler. Unchanged text is never sent. The answer ends with one
 * final pass that shows exactly the full text, split at the platform's limit without breaking a
 * code block, a character or a link.
 */
export async function renderStream(
  source: AsyncIterable<AnswerPiece>,
  o: RenderOptions,
): Promise<StreamOutcome> {
  const state = { answer: '', reasoning: '', status: '' };
  const refs: MessageRef[] = [];
  const shown: string[] = [];
  const key = `answer:${Math.random().toString(36).slice(2)}`;
  let error: Error | undefined;
  let tokens = 0;
  let roundTokens = 0;
  let done = false;
  let dirty = false;
  let wake: (() => void) | undefined;
  let drafting = o.draftId !== undefined && o.channel.draft !== undefined;

  const poke = () => {
    dirty = true;
    wake?.();
  };

  // Placeholder first, before the upstream has said anything. It counts against the chat's
  // budget but not the message's own interval, so the first words show as soon as they arrive.
  const placeholderKey = `${key}:placeholder`;
  if (drafting) {
    await o.scheduler.acquire(placeholderKey, true);
    drafting = await o.channel.draft!(o.draftId!, '');
  }
  if (!drafting) {
    await o.scheduler.acquire(placeholderKey, true);
    refs.push(await o.channel.send({ text: o.placeholder, replyTo: o.replyTo }));
    shown.push(o.placeholder);
  }

  const consume = (async () => {
    try {
      for await (const piece of source) {
        if (piece.type === 'text') state.answer += piece.text;
        else if (piece.type === 'reasoning') state.reasoning += piece.text;
        else if (piece.type === 'status') state.status = piece.text;
        else {
          // Usage reports are cumulative within a round; a round ends with `done`.
          if (piece.type === 'usage') {
            tokens += piece.usage.totalTokens - roundTokens;
            roundTokens = piece.usage.totalTokens;
          } else if (piece.type === 'done') roundTokens = 0;
          continue;
        }
        poke();
      }
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      done = true;
      wake?.();
      // A request waiting for the message's interval now carries the final text: let it go.
      o.scheduler.promote(key);
    }
  })();

  /** Shows `chunks`; the first request uses the slot already granted, later ones ask again. */
  const show = async (chunks: string[], final: boolean) => {
    let slotInHand = true;
    const slot = async () => {
      if (slotInHand) slotInHand = false;
      else await o.scheduler.acquire(key, final);
    };
    for (const [i, text] of chunks.entries()) {
      if (i < refs.length) {
        if (shown[i] === text) continue;
        await slot();
        try {
          await o.channel.edit(refs[i]!, { text });
          shown[i] = text;
        } catch (e) {
          if (!final) throw e;
          // The message is gone (deleted, or too old to edit): the final text still arrives.
          o.log.warn({ err: e }, 'final edit failed; sending the text as a new message');
          refs[i] = await o.channel.send({ text });
          shown[i] = text;
        }
      } else {
        await slot();
        refs.push(await o.channel.send({ text, replyTo: refs.length === 0 ? o.replyTo : undefined }));
        shown.push(text);
      }
    }
  };

  const draftOnce = async (view: string) => {
    const text =
      view.length > o.limits.maxChars ? (splitMessage(view, o.limits.maxChars).at(-1) ?? '') : view;
    if (shown[0] === text) return;
    if (await o.channel.draft!(o.draftId!, text)) {
      shown[0] = text;
      return;
    }
    // Drafts refused: continue by editing one message, as platforms without drafts do.
    drafting = false;
    shown.length = 0;
  };

  let holdingSlot = false;
  while (!done) {
    if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    if (done) break;
    await o.scheduler.acquire(key);
    if (done) {
      // Granted after the stream ended: the final pass uses this slot.
      holdingSlot = true;
      break;
    }
    dirty = false;
    const view = answerView(state, o.lang);
    try {
      if (drafting) await draftOnce(view);
      else if (refs.length === 0) {
        refs.push(await o.channel.send({ text: view, replyTo: o.replyTo }));
        shown.push(view);
      } else {
        const chunks = splitMessage(view, o.limits.maxChars - LIVE_RESERVE_CHARS);
        const last = chunks.length - 1;
        if (last >= 0) chunks[last] = closeOpenFence(chunks[last]!) + CURSOR;
        await show(chunks, false);
      }
    } catch (e) {
      o.log.warn({ err: e }, 'an intermediate edit failed; the final edit will carry the text');
    }
  }
  await consume;

  let final = answerView(state, o.lang);
  if (!state.answer && !error) final = final ? `${final}\n\n${o.emptyText}` : o.emptyText;
  if (error) final = `${final}${final ? '\n\n' : ''}⚠️ ${o.errorText(error)}`;
  if (o.footer) final = `${final}\n\n${o.footer}`;
  const chunks = splitMessage(final, o.limits.maxChars);
  if (!holdingSlot) await o.scheduler.acquire(key, true);
  if (drafting) {
    // A draft is only a preview: the answer itself is sent as messages.
    shown.length = 0;
  }
  await show(chunks, true);
  o.scheduler.release(key);
  o.scheduler.release(placeholderKey);
  return { text: state.answer, reasoning: state.reasoning, refs, error, tokens };
}
