import type { Logger } from 'pino';
import type { AnswerPiece, StreamOutcome } from '../core/command.js';
import type { Lang } from '../core/i18n.js';
import { isMessageGone } from '../core/message-gone.js';
import { type AnswerMetrics, firstTextClock } from '../core/metrics.js';
import type { MessageRef, PlatformButton, PlatformLimits, ReplyChannel } from '../core/platform.js';
import { answerView, CURSOR, STOPPED } from './answer-view.js';
import type { ChatScheduler, End } from './scheduler.js';
import { closeFinalFence, closeOpenFence, splitMessage } from './split.js';

/** Room kept free in a growing message for the cursor and a repaired code fence. */
const LIVE_RESERVE_CHARS = 8;
/**
 * What a message left over from the live view shows when the platform cannot delete it (or
 * refused): a message may not be empty on every platform, and a middle dot renders as plain text.
 */
export const LEFTOVER_TEXT = '·';
/**
 * A silent draft is sent again this long before its preview would end (or halfway through a
 * lifetime shorter than twice this), so tool calls and slow reasoning never blank it.
 */
export const DRAFT_REFRESH_MARGIN_MS = 10_000;
/** How long an answer must be silent (a tool call, a task submit, slow reasoning) before "typing…". */
export const TYPING_AFTER_SILENCE_MS = 1_500;
/** How often "typing…" is repeated while the answer stays silent (Telegram shows it for 5 s). */
export const TYPING_EVERY_MS = 4_000;
/**
 * How long an answer shown as messages waits for its first words before it shows a placeholder,
 * counted from the event: a fast answer's first message carries its words, one budget slot less.
 */
export const FIRST_TEXT_GRACE_MS = 400;

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
  /**
   * Aborted when the user stops the answer: rendering ends at once with the text so far and the
   * stopped line. With it, drafts show the platform's own stop button.
   */
  stop?: AbortSignal | undefined;
  /** Under the growing answer where it is edited in place (a Stop button). */
  liveButtons?: PlatformButton[][] | undefined;
  /** Under the finished answer, when it has text (a Regenerate button). */
  finalButtons?: PlatformButton[][] | undefined;
  /** The line under a stopped answer; "⏹ Stopped" in `lang` when not given. */
  stoppedText?: string | undefined;
  /** First-text latency, edits and tokens for /metrics, bound to the platform. */
  metrics?: AnswerMetrics | undefined;
  /**
   * Paces drafts apart from `scheduler` (the chat's message budget), where the platform paces them
   * apart (`PlatformLimits.draftPacing`). Absent: drafts wait for `scheduler` like messages.
   */
  draftScheduler?: ChatScheduler | undefined;
  /**
   * The placeholder draft (empty text, with `draftId`) the caller already sent, before its own
   * lookups: resolves true when it shows. The renderer then sends no placeholder of its own.
   */
  opened?: Promise<boolean> | undefined;
  /** Takes `opened` back while it still waits for its turn (the answer ended first); it then resolves false. */
  withdrawOpened?: (() => void) | undefined;
  /**
   * Where the answer is shown as messages: wait up to this long (from `startedAt`) for the first
   * words before sending a placeholder; 0 (the default): the placeholder goes at once.
   */
  firstTextGraceMs?: number | undefined;
  /** Date.now() when the event arrived; the grace is counted from it (default: now). */
  startedAt?: number | undefined;
}

/**
 * Renders a streamed answer into platform messages. Deltas are coalesced: each request carries
 * the newest text, and the next one is asked for only after the previous one resolved. Every
 * request waits for the chat's scheduler. Unchanged text is never sent. The answer ends with one
 * final pass that shows exactly the full text, split at the platform's limit without breaking a
 * code block, a character or a link.
 *
 * Drafts are a preview only: any draft that is not shown (an error, or drafts refused) turns the
 * answer into a normal message at once, in the slot the draft had. A silent draft is refreshed
 * before its preview ends, and "typing…" shows while the answer is silent. A stop (`o.stop`) ends
 * the answer at once with the text so far, marked stopped.
 *
 * A deleted answer message (the platform said so, or an edit found it gone) ends the answer at
 * once too, `deleted` and `stopped`: nothing more is sent for it, not even the final text as a new
 * message (the user threw the answer away; sending it again would undo that). Its other messages,
 * if any, only lose the cursor and the Stop button. The caller aborts the upstream request.
 */
export async function renderStream(
  source: AsyncIterable<AnswerPiece>,
  o: RenderOptions,
): Promise<StreamOutcome> {
  const state = { answer: '', reasoning: '', status: '' };
  const refs: MessageRef[] = [];
  /** What each message shows now, text and buttons, so nothing unchanged is sent again. */
  const shown: string[] = [];
  const shownButtons: string[] = [];
  const key = `answer:${Math.random().toString(36).slice(2)}`;
  const firstText = firstTextClock(o.metrics);
  let error: Error | undefined;
  let tokens = 0;
  let roundTokens = 0;
  let done = false;
  let dirty = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let drafting = o.draftId !== undefined && o.channel.draft !== undefined;
  let refreshDue = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let lastPieceAt = Date.now();
  let deleted = false;
  /** Messages of this answer someone deleted. */
  const gone = new Set<string>();
  /** Stop listening for deletions, one per message sent. */
  const unwatch: (() => void)[] = [];
  let stoppedNow: () => void = () => {};
  const stopSeen = new Promise<void>((resolve) => (stoppedNow = resolve));

  /**
   * The slot in hand ends when its request came back (see `ChatScheduler.begin`): `landed` after
   * each request, or at the latest when the next slot is asked for (requests go one at a time).
   */
  let landing: End = () => {};
  const landed = () => {
    landing();
    landing = () => {};
  };
  const slotFor = async (slotKey: string, urgent?: boolean) => {
    landed();
    landing = await o.scheduler.begin(slotKey, urgent);
  };
  /** A draft's own turn (drafts paced apart from messages), ended the same way when it came back. */
  const draftSlotFor = async (slotKey: string, urgent?: boolean) => {
    landed();
    landing = await o.draftScheduler!.begin(slotKey, urgent);
  };

  const poke = () => {
    dirty = true;
    wake?.();
  };

  const onStop = () => {
    if (done) return; // finished already: the answer is complete, not stopped
    stopped = true;
    done = true;
    wake?.();
    o.scheduler.promote(key);
    stoppedNow();
  };

  /** A message of the answer is gone while it streams: end now, and send nothing more. */
  const onDeleted = () => {
    if (done) return; // finished, stopped or already gone: the final pass (or nothing) follows
    deleted = true;
    done = true;
    wake?.();
    o.scheduler.promote(key);
    stoppedNow();
  };

  /** A message the answer sent, watched for deletion where the platform reports it. */
  const sent = (ref: MessageRef): MessageRef => {
    if (o.channel.watchDeleted) {
      const id = ref.messageId;
      unwatch.push(
        o.channel.watchDeleted(ref, () => {
          if (done) return;
          gone.add(id);
          onDeleted();
        }),
      );
    }
    return ref;
  };

  const lifetimeMs = o.limits.draftLifetimeMs;
  const refreshMs =
    lifetimeMs === undefined ? undefined : Math.max(lifetimeMs - DRAFT_REFRESH_MARGIN_MS, lifetimeMs / 2);
  /** (Re)starts the countdown to the silent draft's refresh; stops it when drafting ended. */
  const armRefresh = () => {
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (refreshMs === undefined || !drafting || done) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      refreshDue = true;
      wake?.();
    }, refreshMs);
  };

  /** One draft update; false, and the answer continues as messages, when it was not shown. */
  const draft = async (text: string): Promise<boolean> => {
    o.metrics?.edit();
    if (await o.channel.draft!(o.draftId!, text, { canStop: o.stop !== undefined })) {
      shown[0] = text;
      armRefresh();
      return true;
    }
    o.log.debug('draft not shown; this answer continues as a normal message');
    drafting = false;
    shown.length = 0;
    armRefresh();
    return false;
  };

  const typing = o.channel.typing?.bind(o.channel);
  /** "typing…" while the answer is silent: tool calls, task submits, slow reasoning. */
  const armTyping = (ms: number) => {
    typingTimer = setTimeout(() => {
      typingTimer = undefined;
      if (done || !typing) return;
      const silentMs = Date.now() - lastPieceAt;
      if (silentMs < TYPING_AFTER_SILENCE_MS) {
        armTyping(TYPING_AFTER_SILENCE_MS - silentMs);
        return;
      }
      typing().catch(() => {});
      armTyping(TYPING_EVERY_MS);
    }, ms);
  };

  /** Waits until the answer has something to show, it ended, or `ms` passed. */
  const waitForWords = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  /**
   * The answer's message was deleted: the messages left of it lose their cursor and Stop button
   * (best effort), nothing is sent, and the outcome says so.
   */
  const leaveDeleted = async (): Promise<StreamOutcome> => {
    o.log.info('an answer message was deleted; the answer stops here');
    const left: MessageRef[] = [];
    for (const [i, ref] of refs.entries()) {
      if (gone.has(ref.messageId)) continue;
      left.push(ref);
      const text = shown[i] ?? '';
      const settled = text.endsWith(CURSOR) ? text.slice(0, -CURSOR.length).trimEnd() : text;
      if (settled === text && !shownButtons[i]) continue;
      try {
        await slotFor(key, true);
        await o.channel.edit(ref, {
          text: settled || LEFTOVER_TEXT,
          buttons: shownButtons[i] ? [] : undefined,
        });
      } catch (e) {
        o.log.debug({ err: e }, 'could not settle a message of a deleted answer');
      }
      landed();
    }
    o.scheduler.release(`${key}:placeholder`);
    return {
      text: state.answer,
      reasoning: state.reasoning,
      refs: left,
      error: undefined,
      tokens,
      stopped: true,
      deleted: true,
    };
  };

  try {
    if (o.stop?.aborted) onStop();
    else o.stop?.addEventListener('abort', onStop, { once: true });
    if (typing) armTyping(TYPING_AFTER_SILENCE_MS);

    const consumeSource = async (): Promise<void> => {
      try {
        for await (const piece of source) {
          // Leaving the loop closes the source (and the upstream stream under it).
          if (stopped || deleted) break;
          lastPieceAt = Date.now();
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
        // A stopped (or deleted) answer's upstream was aborted on purpose: that is no error.
        if (!stopped && !deleted) error = e instanceof Error ? e : new Error(String(e));
      } finally {
        done = true;
        wake?.();
        // A request waiting for the message's interval now carries the final text: let it go.
        o.scheduler.promote(key);
      }
    };
    // The upstream request goes out now, whatever the placeholder still waits for (the chat's turn,
    // the bot-wide budget): its words gather meanwhile and show in the first turn that comes.
    const consume = consumeSource();
    /** The answer ended: its source is done, or it was stopped (a tool call may still be running). */
    const ended = Promise.race([consume, stopSeen]);
    // Once the answer ends, a draft turn still awaited is taken back: the final message follows.
    if (o.draftScheduler) {
      const draftPacer = o.draftScheduler;
      void ended.then(() => {
        draftPacer.withdraw(key);
        draftPacer.withdraw(`${key}:placeholder`);
      });
    }
    // Placeholder first, before the upstream has said anything. It counts against the chat's
    // budget but not the message's own interval, so the first words show as soon as they arrive.
    // A draft that is not shown leaves its slot to the placeholder message: no extra wait. A
    // channel that already shows one (a deferred "thinking…") gets none: its first send is the text.
    // The caller may have sent the placeholder draft already (`opened`); drafts paced apart
    // (`draftScheduler`) spend none of the chat's message budget; with a grace, a placeholder
    // message waits for the first words (below, once the source is being read).
    const placeholderKey = `${key}:placeholder`;
    const graceful = (o.firstTextGraceMs ?? 0) > 0;
    if (drafting && o.opened) {
      // An answer that ended before its opening draft had a turn needs none: its message follows.
      if ((await Promise.race([o.opened, ended.then(() => 'ended' as const)])) === 'ended')
        o.withdrawOpened?.();
      if (await o.opened) {
        shown[0] = '';
        armRefresh();
      } else drafting = false;
    } else if (drafting && o.draftScheduler) {
      await draftSlotFor(placeholderKey, true);
      if (!done) await draft('');
      landed();
    } else if (drafting || (!o.channel.showsPlaceholder && !graceful)) {
      await slotFor(placeholderKey, true);
      if (drafting) await draft('');
      if (!drafting) {
        refs.push(
          sent(await o.channel.send({ text: o.placeholder, replyTo: o.replyTo, buttons: o.liveButtons })),
        );
        shown.push(o.placeholder);
        shownButtons.push(buttonKey(o.liveButtons));
      }
      landed();
    }

    if (!drafting && refs.length === 0 && !o.channel.showsPlaceholder) {
      // No placeholder yet: the first words, if they come within the grace, go as the first message.
      const graceMs = (o.startedAt ?? Date.now()) + (o.firstTextGraceMs ?? 0) - Date.now();
      if (graceMs > 0 && !dirty && !done) await waitForWords(graceMs);
      if (!dirty && !done) {
        await slotFor(placeholderKey, true);
        refs.push(
          sent(await o.channel.send({ text: o.placeholder, replyTo: o.replyTo, buttons: o.liveButtons })),
        );
        shown.push(o.placeholder);
        shownButtons.push(buttonKey(o.liveButtons));
        landed();
      }
    }

    /**
     * Shows `chunks`, the last with `lastButtons`; the first request uses the slot already granted,
     * later ones ask again.
     */
    const show = async (chunks: string[], final: boolean, lastButtons: PlatformButton[][] | undefined) => {
      let slotInHand = true;
      const slot = async () => {
        if (slotInHand) slotInHand = false;
        else await slotFor(key, final);
      };
      for (const [i, text] of chunks.entries()) {
        const buttons = i === chunks.length - 1 ? lastButtons : undefined;
        const wanted = buttonKey(buttons);
        if (i < refs.length) {
          if (shown[i] === text && shownButtons[i] === wanted) continue;
          // `[]` takes buttons away where a platform would otherwise keep them on an edit.
          const message = { text, buttons: buttons ?? (shownButtons[i] ? [] : undefined) };
          await slot();
          try {
            o.metrics?.edit();
            await o.channel.edit(refs[i]!, message);
          } catch (e) {
            // Deleted by someone: the answer ends here (see renderStream).
            if (isMessageGone(e)) throw e;
            if (!final) throw e;
            // The edit failed otherwise (too old to edit, refused): the final text still arrives.
            o.log.warn({ err: e }, 'final edit failed; sending the text as a new message');
            refs[i] = sent(await o.channel.send({ text, buttons }));
          }
          shown[i] = text;
          shownButtons[i] = wanted;
        } else {
          await slot();
          refs.push(
            sent(await o.channel.send({ text, buttons, replyTo: refs.length === 0 ? o.replyTo : undefined })),
          );
          shown.push(text);
          shownButtons.push(wanted);
        }
      }
      if (final) {
        // The final split can be shorter than the live view was (the live view keeps room for the
        // cursor; reasoning shrinks to a summary): the messages left over go, last first.
        for (let i = refs.length - 1; i >= chunks.length; i--) {
          await slot();
          await removeLeftover(refs[i]!, shownButtons[i] !== '');
          refs.pop();
          shown.pop();
          shownButtons.pop();
        }
      }
    };

    /** Deletes a message left over from the live view, or empties it where it cannot be deleted. */
    const removeLeftover = async (ref: MessageRef, hadButtons: boolean) => {
      if (o.channel.delete) {
        try {
          await o.channel.delete(ref);
          return;
        } catch (e) {
          o.log.warn({ err: e }, 'could not delete a leftover message; emptying it instead');
          await slotFor(key, true);
        }
      }
      try {
        await o.channel.edit(ref, { text: LEFTOVER_TEXT, buttons: hadButtons ? [] : undefined });
      } catch (e) {
        o.log.warn({ err: e }, 'could not empty a leftover message');
      }
    };

    /**
     * The growing answer as messages: a cursor at its end, an open code fence closed. The cursor goes
     * on a line of its own under a repaired fence: after the closing marker on the same line, the
     * marker would no longer close the block (CommonMark, Telegram) and show as code.
     */
    const live = (view: string): string[] => {
      const chunks = splitMessage(view, o.limits.maxChars - LIVE_RESERVE_CHARS, o.limits.measure);
      const last = chunks.length - 1;
      if (last >= 0) {
        const closed = closeOpenFence(chunks[last]!);
        chunks[last] = closed === chunks[last] ? closed + CURSOR : `${closed}\n${CURSOR}`;
      }
      return chunks;
    };

    /** The newest text as the draft (its last chunk when long); sent again when due a refresh. */
    const draftOnce = async (view: string, refresh: boolean) => {
      const text = splitMessage(view, o.limits.maxChars, o.limits.measure).at(-1) ?? '';
      if (shown[0] === text && !refresh) return;
      await draft(text);
    };

    let holdingSlot = false;
    while (!done) {
      if (!dirty && !refreshDue) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (done) break;
      // Drafts paced apart wait for their own turn, and not past the answer's end.
      const draftTurn = drafting && o.draftScheduler !== undefined;
      if (draftTurn) await draftSlotFor(key);
      else await slotFor(key);
      if (done) {
        // Granted after the stream ended: the final pass uses this slot (a draft turn is no slot).
        holdingSlot = !draftTurn;
        break;
      }
      const refresh = refreshDue;
      refreshDue = false;
      dirty = false;
      const view = answerView(state, o.lang);
      try {
        if (drafting) await draftOnce(view, refresh);
        // Not drafting, or the draft just failed: the answer is a message, at once, in this slot
        // (after a draft's own turn, in the chat's next one).
        if (!drafting) {
          if (draftTurn) await slotFor(key);
          await show(live(view), false, o.liveButtons);
        }
        if (state.answer) firstText();
      } catch (e) {
        if (isMessageGone(e)) {
          gone.add(e.ref.messageId);
          onDeleted();
        } else o.log.warn({ err: e }, 'an intermediate edit failed; the final edit will carry the text');
      }
      landed();
    }
    // A stopped answer does not wait for its source: a tool call may still be running.
    await ended;
    if (deleted) return await leaveDeleted();

    const answered = state.answer.length > 0;
    // A fence the model left open is closed before anything is added under the answer.
    let final = closeFinalFence(answerView(state, o.lang));
    if (stopped) {
      final = `${final}${final ? '\n\n' : ''}${o.stoppedText ?? STOPPED[o.lang]}`;
    } else {
      if (!state.answer && !error) final = final ? `${final}\n\n${o.emptyText}` : o.emptyText;
      if (error) final = `${final}${final ? '\n\n' : ''}⚠️ ${o.errorText(error)}`;
    }
    if (o.footer) final = `${final}\n\n${o.footer}`;
    const chunks = splitMessage(final, o.limits.maxChars, o.limits.measure);
    if (!holdingSlot) await slotFor(key, true);
    if (drafting) {
      // A draft is only a preview: the answer itself is sent as messages.
      shown.length = 0;
    }
    try {
      await show(chunks, true, answered ? o.finalButtons : undefined);
    } catch (e) {
      if (!isMessageGone(e)) throw e;
      // Deleted while the answer was being finished: it stays deleted.
      gone.add(e.ref.messageId);
      deleted = true;
      return await leaveDeleted();
    }
    landed();
    o.scheduler.release(placeholderKey);
    if (answered) firstText();
    o.metrics?.tokens(tokens);
    return { text: state.answer, reasoning: state.reasoning, refs, error, tokens, stopped };
  } finally {
    landed();
    o.draftScheduler?.release(key);
    o.draftScheduler?.release(`${key}:placeholder`);
    done = true;
    for (const stopWatching of unwatch) stopWatching();
    o.stop?.removeEventListener('abort', onStop);
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    if (typingTimer !== undefined) clearTimeout(typingTimer);
    o.scheduler.release(key);
  }
}

/** Buttons compared by what they show and do. */
function buttonKey(buttons: PlatformButton[][] | undefined): string {
  return buttons?.length ? JSON.stringify(buttons) : '';
}
