/** Tokens kept free for the answer when fitting history into a model's context. */
export const ANSWER_RESERVE_TOKENS = 4_096;
/** Most history sent with one request, whatever the model could take: history costs money. */
export const HISTORY_CAP_TOKENS = 24_000;
/** What one image part is counted as. */
export const IMAGE_TOKENS = 850;
/** Per-message overhead of the chat format. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/** Context windows by model family, most specific first; unknown models get a cautious 16k. */
const CONTEXT_WINDOWS: [RegExp, number][] = [
  [/gemini/i, 1_000_000],
  [/gpt-4\.1|gpt-5/i, 400_000],
  [/claude/i, 200_000],
  [/o1|o3|o4/i, 200_000],
  [/gpt-4o|gpt-4-turbo|grok|qwen|glm/i, 128_000],
  [/deepseek/i, 64_000],
  [/gpt-3\.5/i, 16_000],
];

export function contextWindow(model: string): number {
  return CONTEXT_WINDOWS.find(([re]) => re.test(model))?.[1] ?? 16_000;
}

/** The history budget for one request to `model`. */
export function historyBudget(model: string): number {
  return Math.min(HISTORY_CAP_TOKENS, contextWindow(model) - ANSWER_RESERVE_TOKENS);
}

const CJK = /[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/g;

/**
 * A cheap token estimate that errs high: about one token per CJK character and one per four
 * other characters (tokenizers average 3.5–4 for English).
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
 * fewer than `keepLast`. Returns what is kept and how many were dropped from the front.
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
