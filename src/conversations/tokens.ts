/**
 * Token counts from a real tokenizer (gpt-tokenizer): o200k_base for the GPT-4o / GPT-4.1 / GPT-5 /
 * o-series families, cl100k_base for GPT-4, GPT-3.5 and the embeddings, and for every other model
 * (Claude, Gemini, DeepSeek, Qwen, …) an estimate from both that errs high.
 *
 * Each encoding is loaded at most once, on first use (importing o200k_base costs about half a second
 * of CPU and 70 MB; cl100k_base 0.15 s and a few MB more once o200k is in): `tokenCounter(model)`
 * resolves when the model's encodings are in, and its `count` is synchronous from then on.
 */

export type TokenizerFamily = 'o200k' | 'cl100k' | 'estimate';
/** The encodings gpt-tokenizer gives us; the estimate is made from both. */
export type Encoding = 'o200k' | 'cl100k';

/**
 * Which tokenizer a model uses, from its name (a gateway prefix such as `openai/` is allowed).
 * o200k: gpt-4o (and chatgpt-4o, gpt-4o-all), gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4 and later o-series,
 * gpt-oss, codex-mini, gpt-image. cl100k: gpt-4 (-turbo, -32k, dated), gpt-3.5, text-embedding-3 and
 * ada-002, davinci-002/babbage-002. Everything else is estimated.
 */
export function tokenizerFamily(model: string): TokenizerFamily {
  const m = model.toLowerCase();
  if (/gpt-4o|gpt-4\.[15]|gpt-5|(^|[-/:])o[1-9](-|$)|gpt-oss|codex-mini|gpt-image/.test(m)) return 'o200k';
  // GPTs (gpt-4-gizmo-*) run on whatever ChatGPT runs today: estimated.
  if (/gizmo/.test(m)) return 'estimate';
  if (/gpt-4|gpt-3\.5|text-embedding|(davinci|babbage)-002/.test(m)) return 'cl100k';
  return 'estimate';
}

/**
 * The estimate for models whose tokenizer we do not have: the larger of the o200k and cl100k
 * counts, times a margin. o200k is the most compact tokenizer we know of for most scripts; cl100k
 * stands for an older, English-centred vocabulary (on tests/unit/conversations/tokens-corpus.ts it
 * needs 2.1× o200k's tokens for Thai, 2.0× for Cyrillic/Arabic/Devanagari, 1.4× for Chinese and
 * emoji, 1.0× for English, code and JSON). The margin: Claude's tokenizers are reported at 1.16–1.3×
 * GPT-4o's on English and code (more with Opus 4.7's), so 1.3; others (Gemini, DeepSeek, Qwen, Llama,
 * GLM, Grok…) 1.15. The estimate is therefore never below either OpenAI count.
 */
const ESTIMATE_MARGINS: [RegExp, number][] = [
  [/claude/i, 1.3],
  [/./, 1.15],
];

export function estimateMargin(model: string): number {
  return ESTIMATE_MARGINS.find(([re]) => re.test(model))?.[1] ?? 1.15;
}

/** The encodings a family's count needs. */
export function encodingsOf(family: TokenizerFamily): readonly Encoding[] {
  return family === 'estimate' ? ['o200k', 'cl100k'] : [family];
}

type CountFn = (text: string) => number;

/** User text is text: `<|endoftext|>` typed in a chat is counted as characters, not refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

const loading = new Map<Encoding, Promise<CountFn>>();
const loaded = new Map<Encoding, CountFn>();

/**
 * Calls into the tokenizer, for tests and the bench: every string tokenized (by any encoding) adds
 * one call and its length.
 */
export const tokenizeStats = { calls: 0, chars: 0 };

function load(encoding: Encoding): Promise<CountFn> {
  let p = loading.get(encoding);
  if (!p) {
    p = (
      encoding === 'o200k'
        ? import('gpt-tokenizer/encoding/o200k_base')
        : import('gpt-tokenizer/encoding/cl100k_base')
    ).then((m) => {
      const fn: CountFn = (text) => {
        tokenizeStats.calls++;
        tokenizeStats.chars += text.length;
        return m.countTokens(text, AS_TEXT);
      };
      loaded.set(encoding, fn);
      return fn;
    });
    // A failed import (a broken install) is not remembered: the next call tries again.
    p.catch(() => loading.delete(encoding));
    loading.set(encoding, p);
  }
  return p;
}

/** Loads the encodings `family` needs (each at most once in the process). */
export async function loadEncodings(family: TokenizerFamily): Promise<void> {
  await Promise.all(encodingsOf(family).map(load));
}

/** Counts a model's tokens once its encodings are loaded: `count` is synchronous. */
export interface TokenCounter {
  readonly model: string;
  readonly family: TokenizerFamily;
  /** The estimate's margin (1 for an exact family). */
  readonly margin: number;
  /** Tokens of `text` for the model: exact for o200k/cl100k models, the estimate for others. */
  count(text: string): number;
  /** Tokens of `text` in one of the encodings `count` uses (see `encodingsOf`). */
  countWith(encoding: Encoding, text: string): number;
  /** The estimate from counts already made per encoding (what `count` does after tokenizing). */
  combine(counts: Partial<Record<Encoding, number>>): number;
}

/** A counter for `model`, once its encodings are loaded. */
export async function tokenCounter(model: string): Promise<TokenCounter> {
  const family = tokenizerFamily(model);
  await loadEncodings(family);
  const margin = family === 'estimate' ? estimateMargin(model) : 1;
  const combine = (counts: Partial<Record<Encoding, number>>): number => {
    if (family !== 'estimate') return counts[family] ?? 0;
    return Math.ceil(Math.max(counts.o200k ?? 0, counts.cl100k ?? 0) * margin);
  };
  const countWith = (encoding: Encoding, text: string): number => {
    const fn = loaded.get(encoding);
    if (!fn) throw new Error(`the ${encoding} encoding is not loaded (count with ${model}'s counter)`);
    return text ? fn(text) : 0;
  };
  return {
    model,
    family,
    margin,
    combine,
    countWith,
    count(text) {
      if (!text) return 0;
      const counts: Partial<Record<Encoding, number>> = {};
      for (const e of encodingsOf(family)) counts[e] = countWith(e, text);
      return combine(counts);
    },
  };
}

/** Tokens of `text` for `model` (loads the model's encodings on first use). */
export async function countTokens(text: string, model: string): Promise<number> {
  return (await tokenCounter(model)).count(text);
}
