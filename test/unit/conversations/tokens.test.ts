import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  countTokens,
  estimateMargin,
  tokenCounter,
  tokenizerFamily,
  tokenizeStats,
} from '../../../src/conversations/tokens.js';
import { CORPUS } from './tokens-corpus.js';

const samples = Object.entries(CORPUS);
const whole = Object.values(CORPUS).join('\n\n');

describe('tokenizerFamily', () => {
  it.each([
    ['gpt-4o', 'o200k'],
    ['gpt-4o-mini', 'o200k'],
    ['gpt-4o-all', 'o200k'],
    ['chatgpt-4o-latest', 'o200k'],
    ['gpt-4.1-mini', 'o200k'],
    ['gpt-4.5-preview', 'o200k'],
    ['gpt-5', 'o200k'],
    ['gpt-5-chat-latest', 'o200k'],
    ['gpt-5.1-codex', 'o200k'],
    ['o1', 'o200k'],
    ['o1-mini', 'o200k'],
    ['o3-mini', 'o200k'],
    ['o3-pro', 'o200k'],
    ['o4-mini', 'o200k'],
    ['openai/gpt-4o', 'o200k'],
    ['gpt-oss-120b', 'o200k'],
    ['gpt-4', 'cl100k'],
    ['gpt-4-0613', 'cl100k'],
    ['gpt-4-turbo', 'cl100k'],
    ['gpt-4-32k', 'cl100k'],
    ['gpt-3.5-turbo', 'cl100k'],
    ['text-embedding-3-small', 'cl100k'],
    ['text-embedding-ada-002', 'cl100k'],
    ['claude-sonnet-4-20250514', 'estimate'],
    ['claude-opus-4-1-20250805', 'estimate'],
    ['claude-3-5-haiku-latest', 'estimate'],
    ['gemini-2.5-pro', 'estimate'],
    ['deepseek-chat', 'estimate'],
    ['deepseek-r1', 'estimate'],
    ['qwen-max', 'estimate'],
    ['grok-4', 'estimate'],
    ['gpt-4-gizmo-g-2fkFE8rbu', 'estimate'],
    ['some-unknown-model', 'estimate'],
  ])('%s → %s', (model, family) => {
    expect(tokenizerFamily(model)).toBe(family);
  });
});

describe('countTokens', () => {
  it("is gpt-tokenizer's o200k count for the gpt-4o, gpt-4.1, o-series and gpt-5 families", async () => {
    for (const model of ['gpt-4o-mini', 'gpt-4.1', 'o3', 'gpt-5', 'chatgpt-4o-latest']) {
      for (const [name, text] of samples)
        expect([name, await countTokens(text, model)]).toEqual([name, o200k(text)]);
    }
  });

  it("is gpt-tokenizer's cl100k count for gpt-4, gpt-3.5 and the embeddings", async () => {
    for (const model of ['gpt-4', 'gpt-3.5-turbo', 'text-embedding-3-large']) {
      for (const [name, text] of samples)
        expect([name, await countTokens(text, model)]).toEqual([name, cl100k(text)]);
    }
  });

  it('counts ASCII, Chinese and emoji exactly, and empty text as nothing', async () => {
    const text = 'Hello 你好 👨‍👩‍👧‍👦 🇯🇵!';
    expect(await countTokens(text, 'gpt-4o')).toBe(o200k(text));
    expect(await countTokens(text, 'gpt-4')).toBe(cl100k(text));
    expect(await countTokens('', 'gpt-4o')).toBe(0);
    expect(await countTokens('', 'claude-sonnet-4')).toBe(0);
  });

  it('counts special-token text a user typed as plain text instead of refusing it', async () => {
    const text = 'what is <|endoftext|> and <|im_start|>? 这是什么 🤔';
    const n = await countTokens(text, 'gpt-4o');
    expect(n).toBeGreaterThan(10);
    expect(await countTokens(text, 'claude-sonnet-4')).toBeGreaterThanOrEqual(n);
  });

  it('never undercounts o200k (or cl100k) for Claude, Gemini, DeepSeek, Qwen and unknown models', async () => {
    const ratios: Record<string, string> = {};
    for (const model of [
      'claude-sonnet-4-20250514',
      'gemini-2.5-pro',
      'deepseek-chat',
      'qwen-max',
      'x-unknown',
    ]) {
      for (const [name, text] of [...samples, ['whole corpus', whole] as const]) {
        const n = await countTokens(text, model);
        const exact = o200k(text);
        expect(n, `${model}: ${name}`).toBeGreaterThanOrEqual(exact);
        expect(n, `${model}: ${name}`).toBeGreaterThanOrEqual(cl100k(text));
        // An estimate, not a guess: never more than the older tokenizer's count with the margin.
        expect(n, `${model}: ${name}`).toBeLessThanOrEqual(Math.ceil(Math.max(exact, cl100k(text)) * 1.3));
        if (model.startsWith('claude') && name !== 'whole corpus') ratios[name] = (n / exact).toFixed(2);
      }
    }
    // The largest overcounts are where o200k is far better than older vocabularies.
    expect(Number(ratios.thai)).toBeGreaterThan(2);
    expect(Number(ratios.english)).toBeLessThan(1.4);
  });

  it('puts a larger margin on Claude than on the others', () => {
    expect(estimateMargin('claude-3-7-sonnet')).toBe(1.3);
    expect(estimateMargin('gemini-2.5-flash')).toBe(1.15);
  });

  it('tokenizes once per count: the counter is synchronous once loaded', async () => {
    const counter = await tokenCounter('gpt-4o');
    const before = tokenizeStats.calls;
    expect(counter.count('one two three')).toBe(o200k('one two three'));
    expect(tokenizeStats.calls - before).toBe(1);
    const claude = await tokenCounter('claude-sonnet-4');
    claude.count('one two three');
    expect(tokenizeStats.calls - before).toBe(3); // o200k and cl100k
  });
});
