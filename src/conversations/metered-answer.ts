import type { AnswerPiece, StreamOutcome } from '../core/command.js';
import type { UsageMeter } from '../core/usage.js';
import { BotError } from '../errors.js';

/**
 * Tokens an answer may stream before they are charged to the shared daily counter: one store
 * write (Redis INCRBY, a SQLite upsert) per batch, never one per token. The quota itself is checked
 * at every piece, against the last count the store gave plus what this answer streamed since.
 */
export const CHARGE_EVERY_TOKENS = 500;
/**
 * Text is estimated in runs of at least this many characters, not piece by piece: an estimate
 * rounds up, and rounding every two-character delta would count several times the real figure.
 */
const ESTIMATE_EVERY_CHARS = 64;

/** The line under an answer cut by the daily token quota (the renderer puts "⚠️ " before it). */
export const QUOTA_CUT = {
  en: 'Daily token limit reached — answer cut. Resets at 00:00 UTC.',
  zh: '今日 token 额度已用完，回答已中断。将于 UTC 00:00 重置。',
};

/** Ends an answer the daily token quota cut: the renderer shows its text and keeps the answer so far. */
export function quotaCutError(): BotError {
  return new BotError('quota', QUOTA_CUT.en, { code: 'daily_token_quota', userMessage: QUOTA_CUT });
}

export interface MeteredAnswer {
  /** The answer's pieces, charged as they pass; ends with quotaCutError() once the quota is reached. */
  pieces: AsyncIterable<AnswerPiece>;
  /** True once the quota cut the answer. */
  readonly cut: boolean;
  /**
   * Charges what is still owed once the answer ended, so the day's count gets exactly the final
   * figure (`finalTokens`): what was charged while streaming is taken off, and nothing is charged
   * after this. Returns the final figure.
   */
  settle(outcome: StreamOutcome): Promise<number>;
}

/**
 * Charges an answer to the user's daily token quota while it streams. The question (`promptTokens`,
 * the history sent) is charged with the first piece, which also tells the day's count; the text and
 * reasoning that follow add their estimate (every ESTIMATE_EVERY_CHARS), charged every
 * CHARGE_EVERY_TOKENS. Once the count reaches the
 * quota the piece that reached it is still shown (it is paid for), then the answer ends with
 * quotaCutError(): the upstream request is closed as the pieces stop being read.
 *
 * At the end `settle` charges the difference to the exact figure: the gateway's reported usage for
 * a complete answer, or, for a cut one (the gateway reports usage only at the end), the larger of
 * that and the estimate of the question and the text received.
 */
export function meterAnswer(
  source: AsyncIterable<AnswerPiece>,
  o: { meter: UsageMeter; promptTokens: number; estimate: (text: string) => number },
): MeteredAnswer {
  /** Tokens added to the shared counter for this answer so far. */
  let charged = 0;
  /** Estimated tokens streamed but not charged yet. */
  let pending = 0;
  /** The day's count as the store last gave it, and the quota (0: none; then only `settle` charges). */
  let used = 0;
  let quota = 0;
  /** Text streamed since the last estimate. */
  let unestimated = '';
  let started = false;
  let settled = false;
  let cut = false;

  const charge = async (tokens: number): Promise<void> => {
    if (settled || tokens === 0) return;
    // Counted before the write, so a settle that runs meanwhile never charges it twice.
    charged += tokens;
    pending -= tokens;
    const count = await o.meter.chargeTokens(tokens);
    used = count.used;
    quota = count.quota;
  };

  // A hand-written iterator rather than an async generator: a piece that needs no store write
  // costs one promise on its way through, not a generator's queue and resumption.
  const iterator = source[Symbol.asyncIterator]();
  let begun = false;
  let over = false;
  /** The last piece shown reached the quota: the next read ends the answer. */
  let cutDue = false;
  const DONE: IteratorResult<AnswerPiece> = { done: true, value: undefined };

  /** Ends with `error`, closing the source first (as leaving a for-await loop would). */
  const fail = async (error: unknown): Promise<IteratorResult<AnswerPiece>> => {
    over = true;
    try {
      await iterator.return?.();
    } catch {
      // The error that ended the answer is the one to tell.
    }
    throw error;
  };

  const show = (piece: AnswerPiece, reached: boolean): IteratorResult<AnswerPiece> => {
    cutDue = reached;
    return { done: false, value: piece };
  };

  const meter = (piece: AnswerPiece): IteratorResult<AnswerPiece> | Promise<IteratorResult<AnswerPiece>> => {
    if (piece.type === 'text' || piece.type === 'reasoning') {
      unestimated += piece.text;
      if (unestimated.length >= ESTIMATE_EVERY_CHARS) {
        pending += o.estimate(unestimated);
        unestimated = '';
      }
    }
    const reached = quota > 0 && used + pending >= quota;
    if (quota > 0 && (reached || pending >= CHARGE_EVERY_TOKENS))
      return charge(pending).then(() => show(piece, reached), fail);
    return show(piece, reached);
  };

  const arrived = (
    r: IteratorResult<AnswerPiece>,
  ): IteratorResult<AnswerPiece> | Promise<IteratorResult<AnswerPiece>> => {
    if (r.done) {
      over = true;
      return DONE;
    }
    const piece = r.value;
    try {
      if (!started) {
        // The question is paid for once the gateway answers; this first write tells the day's count.
        started = true;
        pending += o.promptTokens;
        return charge(pending).then(() => meter(piece), fail);
      }
      return meter(piece);
    } catch (error) {
      return fail(error);
    }
  };

  const pieces: AsyncIterableIterator<AnswerPiece> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (over) return Promise.resolve(DONE);
      if (cutDue) {
        cutDue = false;
        if (!settled) {
          cut = true;
          // Thrown into the reader, after the source is closed (which closes the upstream stream).
          return fail(quotaCutError());
        }
      }
      begun = true;
      return iterator.next().then(arrived, (error: unknown) => {
        over = true;
        throw error;
      });
    },
    async return(value?: unknown) {
      if (!over) {
        over = true;
        if (begun) await iterator.return?.();
      }
      return { done: true, value: value as undefined };
    },
    throw(error?: unknown) {
      if (over) return Promise.reject(error);
      return fail(error);
    },
  };

  return {
    pieces,
    get cut() {
      return cut;
    },
    async settle(outcome) {
      const estimated = o.promptTokens + o.estimate(outcome.text + outcome.reasoning);
      const complete = !outcome.error && !outcome.stopped;
      const final = complete ? outcome.tokens || estimated : Math.max(outcome.tokens, estimated);
      settled = true;
      const owed = final - charged;
      charged = final;
      if (owed !== 0) await o.meter.chargeTokens(owed);
      return final;
    },
  };
}
