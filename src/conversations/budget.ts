import { setImmediate as nextTurnOfLoop } from 'node:timers/promises';
import { type Encoding, encodingsOf, type TokenCounter, tokenCounter, tokenizerFamily } from './tokens.js';

export { countTokens, tokenCounter, tokenizerFamily } from './tokens.js';

/** Tokens kept free for the answer when fitting history into a model's context. */
export const ANSWER_RESERVE_TOKENS = 4_096;
/** Most history sent with one request, whatever the model could take: history costs money. */
export const HISTORY_CAP_TOKENS = 24_000;
/**
 * What one image part is counted as, for models other than OpenAI's: Claude bills about
 * width × height / 750 tokens and scales images down to about 1.15 megapixels (≈ 1,600); Gemini
 * 258 per 768-pixel tile. OpenAI's high detail is at most 85 + 6 × 170 = 1,105 (see `imageTokens`).
 */
export const IMAGE_TOKENS = 1_600;
const OPENAI_IMAGE_TOKENS = 1_105;
/**
 * Per-message overhead of the chat format: OpenAI's is 3 tokens around each message plus its role
 * (1), and 3 priming the reply; the same is assumed for the other formats.
 */
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Context windows by model family, first match wins; unknown models get a cautious 16k. Windows
 * are what the providers document (input + output), rounded down; where a family has members with
 * smaller windows, those come first. With HISTORY_CAP_TOKENS only windows below ~28k change the
 * history budget, so those are the ones that must not be too large.
 */
const CONTEXT_WINDOWS: [RegExp, number][] = [
  [/gemini-(1\.0-)?pro-vision/i, 16_000],
  [/gemini.*image|^gemini-(1\.0-)?pro$/i, 32_000],
  [/gemini/i, 1_000_000],
  [/gpt-4\.1/i, 1_000_000],
  [/gpt-5.*chat/i, 128_000],
  [/gpt-5/i, 400_000],
  [/(^|[-/:])o1-(mini|preview)/i, 128_000],
  [/(^|[-/:])o[1-9](-|$)/i, 200_000],
  [/claude-(2|instant)/i, 100_000],
  [/claude/i, 200_000],
  [/gpt-4o|gpt-4\.5|gpt-4-turbo|gpt-4-\d{4}-preview|gpt-4-vision/i, 128_000],
  [/gpt-4-32k|gizmo/i, 32_000],
  [/gpt-4/i, 8_000],
  [/gpt-3\.5/i, 16_000],
  [/deepseek/i, 64_000],
  [/qwen-max/i, 32_000],
  [/moonshot-v1-8k|glm-4v/i, 8_000],
  [/moonshot-v1-32k/i, 32_000],
  [/grok|qwen|glm|kimi|moonshot/i, 128_000],
];

export function contextWindow(model: string): number {
  return CONTEXT_WINDOWS.find(([re]) => re.test(model))?.[1] ?? 16_000;
}

/**
 * The history budget for one request to `model`: its context window less room for the answer
 * (`answerTokens`, e.g. the chat's max_tokens), and never more than HISTORY_CAP_TOKENS.
 */
export function historyBudget(model: string, answerTokens = ANSWER_RESERVE_TOKENS): number {
  return Math.max(0, Math.min(HISTORY_CAP_TOKENS, contextWindow(model) - answerTokens));
}

/** Tokens one image part counts as for `model` (documented at IMAGE_TOKENS). */
export function imageTokens(model: string): number {
  return tokenizerFamily(model) === 'estimate' ? IMAGE_TOKENS : OPENAI_IMAGE_TOKENS;
}

const CJK = /[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/g;

/**
 * @deprecated A character-count guess, off by up to 6× (code and JSON, Thai, emoji): use
 * `countTokens(text, model)`, or `fitHistory` for a conversation. Kept for old callers.
 */
export function estimateTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

export interface Sized {
  tokens: number;
}

/**
 * Keeps the newest items whose tokens fit in `budget` (whole items only, newest first), never
 * fewer than `keepLast`. Each item costs its `tokens` plus MESSAGE_OVERHEAD_TOKENS. Returns what is
 * kept and how many were dropped from the front.
 */
export function trimToBudget<T extends Sized>(
  items: readonly T[],
  budget: number,
  keepLast = 1,
): { kept: T[]; dropped: number } {
  let used = 0;
  let start = items.length;
  while (start > 0) {
    const next = items[start - 1]!.tokens + MESSAGE_OVERHEAD_TOKENS;
    if (used + next > budget && items.length - start >= keepLast) break;
    used += next;
    start--;
  }
  return { kept: items.slice(start), dropped: start };
}

/**
 * A turn's token counts, kept on the turn (and so saved with it in the store): per encoding, for
 * the text as sent, whose length is `chars`. A text of another length (edited, an image marker
 * appended, a group's author prefix) is counted again; another model with the same encodings is not.
 */
export interface TokenCache {
  chars: number;
  o200k?: number;
  cl100k?: number;
}

/** What fitHistory needs of a turn (history.ts's Turn has it). */
export interface CountableTurn {
  role: string;
  text: string;
  images?: readonly string[] | undefined;
  author?: string | undefined;
  tokenCache?: TokenCache | undefined;
}

/**
 * The text a turn is sent as: in groups a user's turn is prefixed with its author's name. The
 * request builders (toOpenAi, toClaude) should use this, so that what is counted is what is sent.
 */
export function sentText(turn: CountableTurn, group: boolean): string {
  return group && turn.role === 'user' && turn.author ? `${turn.author}: ${turn.text}` : turn.text;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** The cache on `turn` for a text of `chars` characters, made new when missing, stale or malformed. */
function cacheOf(turn: CountableTurn, chars: number): TokenCache {
  const c = turn.tokenCache as Partial<Record<keyof TokenCache, unknown>> | undefined;
  if (c && typeof c === 'object' && c.chars === chars) {
    const fresh: TokenCache = { chars };
    if (isCount(c.o200k)) fresh.o200k = c.o200k;
    if (isCount(c.cl100k)) fresh.cl100k = c.cl100k;
    if (fresh.o200k === c.o200k && fresh.cl100k === c.cl100k) return turn.tokenCache!;
    turn.tokenCache = fresh;
    return fresh;
  }
  const fresh = { chars };
  turn.tokenCache = fresh;
  return fresh;
}

/** Characters tokenized in one go before fitHistory lets other work run (about 20 ms of CPU). */
const YIELD_AFTER_CHARS = 50_000;

/**
 * The tokens of one turn's content for `counter`'s model (text as sent, and its images; without the
 * message overhead), from the turn's cache or counted now and cached on it. Returns the characters
 * tokenized as well (0 when cached).
 */
function contentTokens(
  turn: CountableTurn,
  counter: TokenCounter,
  group: boolean,
  perImage: number,
): { tokens: number; tokenized: number } {
  const text = sentText(turn, group);
  const cache = cacheOf(turn, text.length);
  let tokenized = 0;
  for (const e of encodingsOf(counter.family) as Encoding[]) {
    if (cache[e] === undefined) {
      cache[e] = text ? counter.countWith(e, text) : 0;
      tokenized += text.length;
    }
  }
  return { tokens: counter.combine(cache) + (turn.images?.length ?? 0) * perImage, tokenized };
}

/** Counts of strings that are not turns (system prompts, tool specs), by encoding and text. */
const looseCounts = new Map<string, number>();
const LOOSE_COUNTS_KEPT = 512;
const LOOSE_TEXT_MAX_CHARS = 20_000;

/** Tokens of `text` for the counter's model, remembered for the next request when not too long. */
function countLoose(counter: TokenCounter, text: string): number {
  if (!text) return 0;
  if (text.length > LOOSE_TEXT_MAX_CHARS) return counter.count(text);
  const counts: Partial<Record<Encoding, number>> = {};
  for (const e of encodingsOf(counter.family)) {
    const key = `${e}\u0000${text}`;
    let n = looseCounts.get(key);
    if (n === undefined) {
      n = counter.countWith(e, text);
      if (looseCounts.size >= LOOSE_COUNTS_KEPT) looseCounts.clear();
      looseCounts.set(key, n);
    }
    counts[e] = n;
  }
  return counter.combine(counts);
}

export interface FitOptions {
  /** The system prompt sent with the request. */
  system?: string | undefined;
  /** A group chat: user turns are sent with their author's name (see `sentText`). */
  group?: boolean | undefined;
  /** Room kept for the answer (the request's max_tokens); ANSWER_RESERVE_TOKENS by default. */
  answerTokens?: number | undefined;
  /** Anything else the request carries, counted by the caller (tool definitions, …). */
  extraTokens?: number | undefined;
  /** Turns kept whatever their size (the newest; at least the question). */
  keepLast?: number | undefined;
}

export interface Fitted<T> {
  /** The newest turns that fit, never opening with an answer whose question was dropped. */
  kept: T[];
  /** How many older turns were left out (for the trimming notice). */
  dropped: number;
  /**
   * The whole request's tokens as counted: the kept turns with their overhead, the system prompt,
   * `extraTokens` and the reply priming. More than `budget` + the same extras only when the newest
   * turns alone are over it.
   */
  tokens: number;
  /** The history budget it was fitted to (historyBudget less the system prompt and extras). */
  budget: number;
}

/**
 * Fits a conversation to `model`'s budget: counts each turn with the model's tokenizer (once: the
 * count is cached on the turn, in `tokenCache`, and saved with it), keeps the newest turns that fit
 * (as trimToBudget), and drops a leading answer whose question did not fit. Turns older than the
 * first that does not fit are not counted at all. Returns the same turn objects.
 */
export async function fitHistory<T extends CountableTurn>(
  turns: readonly T[],
  model: string,
  options: FitOptions = {},
): Promise<Fitted<T>> {
  const counter = await tokenCounter(model);
  const group = options.group ?? false;
  const keepLast = options.keepLast ?? 1;
  const perImage = imageTokens(model);
  const system = options.system ? countLoose(counter, options.system) + MESSAGE_OVERHEAD_TOKENS : 0;
  const fixed = system + (options.extraTokens ?? 0) + REPLY_PRIMING_TOKENS;
  const budget = Math.max(0, historyBudget(model, options.answerTokens) - fixed);

  // Newest first, until the budget is passed with at least keepLast turns counted: trimToBudget
  // looks no further.
  const sized: { turn: T; tokens: number }[] = [];
  let used = 0;
  let sinceYield = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const { tokens, tokenized } = contentTokens(turns[i]!, counter, group, perImage);
    sized.push({ turn: turns[i]!, tokens });
    used += tokens + MESSAGE_OVERHEAD_TOKENS;
    if (used > budget && sized.length > keepLast) break;
    sinceYield += tokenized;
    if (sinceYield >= YIELD_AFTER_CHARS) {
      sinceYield = 0;
      await nextTurnOfLoop();
    }
  }
  sized.reverse();
  const trimmed = trimToBudget(sized, budget, keepLast);
  let kept = trimmed.kept;
  let dropped = turns.length - sized.length + trimmed.dropped;
  // Never open with an answer whose question was dropped.
  while (kept.length > 1 && kept[0]!.turn.role === 'assistant') {
    kept = kept.slice(1);
    dropped++;
  }
  const history = kept.reduce((n, s) => n + s.tokens + MESSAGE_OVERHEAD_TOKENS, 0);
  return { kept: kept.map((s) => s.turn), dropped, tokens: history + fixed, budget };
}

/**
 * One turn's tokens for `model` with its message overhead, cached on the turn like fitHistory's
 * (count a saved answer with it, and the next request will not count it again).
 */
export async function countTurn(turn: CountableTurn, model: string, group = false): Promise<number> {
  const counter = await tokenCounter(model);
  return contentTokens(turn, counter, group, imageTokens(model)).tokens + MESSAGE_OVERHEAD_TOKENS;
}
