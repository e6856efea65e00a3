import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as gpt4Chat } from 'gpt-tokenizer/model/gpt-4';
import { countTokens as gpt4oChat } from 'gpt-tokenizer/model/gpt-4o';
import { describe, expect, it } from 'vitest';
import {
  ANSWER_RESERVE_TOKENS,
  type CountableTurn,
  contextWindow,
  countTurn,
  estimateTokens,
  fitHistory,
  HISTORY_CAP_TOKENS,
  historyBudget,
  IMAGE_TOKENS,
  imageTokens,
  sentText,
  trimToBudget,
} from '../../../src/conversations/budget.js';
import { tokenizeStats } from '../../../src/conversations/tokens.js';
import { CORPUS, history } from './tokens-corpus.js';

type Turn = CountableTurn & { role: 'user' | 'assistant' };

const CODE = [CORPUS.typescript!, CORPUS.python!, CORPUS['json (pretty)']!, CORPUS['json (minified)']!];
const THAI = [CORPUS.thai!, `${CORPUS.thai!} ${CORPUS['emoji chat']!}`];
const MIXED = Object.values(CORPUS);
const SYSTEM = 'You are a helpful assistant. 请用用户的语言回答。 Answer briefly 🙂';

/** The request as the chat-completions format sends it (system prompt, then the kept turns). */
const asChat = (kept: readonly CountableTurn[], system?: string, group = false) => [
  ...(system ? [{ role: 'system' as const, content: system }] : []),
  ...kept.map((t) => ({ role: t.role as 'user' | 'assistant', content: sentText(t, group) })),
];

const calls = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const before = tokenizeStats.calls;
  const result = await fn();
  return [result, tokenizeStats.calls - before];
};

describe('context windows', () => {
  it.each([
    ['gpt-4o', 128_000],
    ['gpt-4o-mini', 128_000],
    ['chatgpt-4o-latest', 128_000],
    ['gpt-4.1', 1_000_000],
    ['gpt-4.1-nano', 1_000_000],
    ['o1', 200_000],
    ['o1-mini', 128_000],
    ['o3', 200_000],
    ['o3-pro', 200_000],
    ['o4-mini', 200_000],
    ['gpt-5', 400_000],
    ['gpt-5-mini', 400_000],
    ['gpt-5-chat-latest', 128_000],
    ['claude-sonnet-4-20250514', 200_000],
    ['claude-opus-4-1-20250805', 200_000],
    ['claude-3-5-haiku-latest', 200_000],
    ['gemini-2.5-pro', 1_000_000],
    ['gemini-2.5-flash', 1_000_000],
    ['gemini-2.5-flash-image-preview', 32_000],
    ['deepseek-chat', 64_000],
    ['deepseek-reasoner', 64_000],
    ['gpt-4', 8_000],
    ['gpt-4-0613', 8_000],
    ['gpt-4-32k', 32_000],
    ['gpt-4-turbo', 128_000],
    ['gpt-4-1106-preview', 128_000],
    ['gpt-3.5-turbo', 16_000],
    ['qwen-max', 32_000],
    ['qwen-plus', 128_000],
    ['grok-4', 128_000],
    ['some-unknown-model', 16_000],
  ])('%s: %i', (model, window) => {
    expect(contextWindow(model)).toBe(window);
  });

  it('leaves room for the answer and caps history', () => {
    expect(historyBudget('gpt-4')).toBe(8_000 - ANSWER_RESERVE_TOKENS);
    expect(historyBudget('gpt-4', 6_000)).toBe(2_000);
    expect(historyBudget('gpt-4', 9_000)).toBe(0);
    expect(historyBudget('claude-sonnet-4')).toBe(HISTORY_CAP_TOKENS);
    expect(historyBudget('some-unknown-model')).toBe(16_000 - ANSWER_RESERVE_TOKENS);
  });
});

describe('fitHistory', () => {
  it.each([
    ['code-heavy', CODE, 3],
    ['Thai', THAI, 3],
    ['mixed', MIXED, 10],
  ])(
    'keeps a %s history under the model’s context by gpt-tokenizer’s own count',
    async (_, samples, repeat) => {
      const turns: Turn[] = history(100, samples, repeat);
      // o200k models: gpt-tokenizer's gpt-4o chat count (messages, their overhead, the reply priming).
      for (const model of ['gpt-4o', 'o3-mini', 'gpt-5']) {
        const fit = await fitHistory(turns, model, { system: SYSTEM });
        expect(fit.dropped).toBeGreaterThan(0);
        const sent = gpt4oChat(asChat(fit.kept, SYSTEM));
        expect(fit.tokens).toBe(sent);
        expect(sent).toBeLessThanOrEqual(historyBudget(model));
        expect(sent + ANSWER_RESERVE_TOKENS).toBeLessThanOrEqual(contextWindow(model));
        expect(sent).toBeGreaterThan(historyBudget(model) - 3_000); // trimmed, not emptied
      }
      // cl100k: gpt-4 has 8k; its count is cl100k's, which is larger than o200k's for Thai.
      const gpt4 = await fitHistory(turns, 'gpt-4', { system: SYSTEM });
      const sent4 = gpt4Chat(asChat(gpt4.kept, SYSTEM));
      expect(gpt4.tokens).toBe(sent4);
      expect(sent4 + ANSWER_RESERVE_TOKENS).toBeLessThanOrEqual(8_000);
      // Estimated models: the request is within budget by o200k's count, with the estimate's margin.
      for (const model of [
        'deepseek-chat',
        'claude-sonnet-4',
        'some-unknown-model',
        'gemini-2.5-flash-image',
      ]) {
        const fit = await fitHistory(turns, model, { system: SYSTEM });
        const sent = gpt4oChat(asChat(fit.kept, SYSTEM));
        expect(fit.tokens).toBeLessThanOrEqual(historyBudget(model));
        expect(sent, model).toBeLessThan(fit.tokens);
        expect(sent + ANSWER_RESERVE_TOKENS).toBeLessThanOrEqual(contextWindow(model));
      }
    },
    60_000,
  );

  it('fixes what the old character estimate got wrong: it overfilled the context on code and Thai', () => {
    // What the old sizing kept for an unknown 16k model, measured by o200k.
    for (const samples of [CODE, THAI]) {
      const sized = history(100, samples).map((t) => ({ ...t, tokens: estimateTokens(t.text) }));
      const { kept } = trimToBudget(sized, historyBudget('some-unknown-model'));
      expect(gpt4oChat(asChat(kept))).toBeGreaterThan(historyBudget('some-unknown-model'));
    }
  });

  it('counts each turn once: a second trim of the same 100 turns tokenizes nothing', async () => {
    const turns: Turn[] = history(100, MIXED);
    const [first, cold] = await calls(() => fitHistory(turns, 'gpt-4o', { system: SYSTEM }));
    expect(cold).toBeGreaterThan(10);
    const [second, warm] = await calls(() => fitHistory(turns, 'gpt-4o', { system: SYSTEM }));
    expect(warm).toBe(0);
    expect(second).toEqual(first);
    // The counts are saved with the turns: the store's JSON round trip keeps them.
    const stored: Turn[] = JSON.parse(JSON.stringify(turns));
    expect((await calls(() => fitHistory(stored, 'gpt-4o', { system: SYSTEM })))[1]).toBe(0);
    // Another model with the same encoding counts nothing either; the next question alone is new.
    expect((await calls(() => fitHistory(stored, 'gpt-5-mini', { system: SYSTEM })))[1]).toBe(0);
    const next = [...stored, { role: 'user' as const, text: 'and in Thai? ภาษาไทย 🙏' }];
    expect((await calls(() => fitHistory(next, 'gpt-4o', { system: SYSTEM })))[1]).toBe(1);
  });

  it('recounts on a model switch to another tokenizer, and a turn whose text changed', async () => {
    const turns: Turn[] = history(40, MIXED, 1);
    await fitHistory(turns, 'gpt-4o');
    const [gpt4, cl] = await calls(() => fitHistory(turns, 'gpt-4'));
    expect(cl).toBeGreaterThan(0);
    expect(cl).toBeLessThanOrEqual(gpt4.kept.length + 2); // older turns than the first that did not fit: never
    const [, claude] = await calls(() => fitHistory(turns, 'claude-sonnet-4'));
    expect(claude).toBe(40 - gpt4.kept.length - (cl - gpt4.kept.length)); // the cl100k counts gpt-4 had not made
    expect((await calls(() => fitHistory(turns, 'gpt-4')))[1]).toBe(0);
    // history.ts replaces old images by a marker: that turn alone is counted again.
    turns[38]!.text += '\n[1 image(s)]';
    expect((await calls(() => fitHistory(turns, 'gpt-4o')))[1]).toBe(1);
    // A stored count that makes no sense is not believed.
    turns[39]!.tokenCache = { chars: turns[39]!.text.length, o200k: -5 };
    const [fit, bad] = await calls(() => fitHistory(turns, 'gpt-4o'));
    expect(bad).toBe(1);
    expect(fit.tokens).toBe(gpt4oChat(asChat(fit.kept)));
  });

  it('counts what groups send: the author’s name before a user’s turn', async () => {
    const turns: Turn[] = [
      { role: 'user', text: '你好 👋 can you help?', author: 'Ånja 🦊' },
      { role: 'assistant', text: 'Sure! 当然可以。' },
      { role: 'user', text: 'thanks', author: 'Bob' },
    ];
    const fit = await fitHistory(turns, 'gpt-4o', { group: true });
    expect(fit.tokens).toBe(gpt4oChat(asChat(fit.kept, undefined, true)));
    expect(fit.tokens).toBeGreaterThan((await fitHistory(turns, 'gpt-4o')).tokens);
  });

  it('keeps the newest turns, never opens with an answer, and always keeps the question', async () => {
    const big = 'word '.repeat(3_000); // ≈ 3,000 tokens
    const turns: Turn[] = [
      { role: 'user', text: `q1 ${big}` },
      { role: 'assistant', text: `a1 ${big}` },
      { role: 'user', text: 'q2' },
      { role: 'assistant', text: `a2 ${big}` },
      { role: 'user', text: 'q3' },
    ];
    const fit = await fitHistory(turns, 'gpt-4'); // 3,904 tokens of history
    expect(fit.kept.map((t) => t.text.slice(0, 2))).toEqual(['q2', 'a2', 'q3']);
    expect(fit.dropped).toBe(2);
    expect(fit.kept[0]).toBe(turns[2]); // the same objects
    const tight = await fitHistory(turns, 'gpt-4', { answerTokens: 7_000 }); // 1,000 left
    expect(tight.kept.map((t) => t.text)).toEqual(['q3']);
    expect(tight.dropped).toBe(4);
    const huge = await fitHistory([{ role: 'user', text: big.repeat(3) }], 'gpt-4');
    expect(huge.kept).toHaveLength(1); // over budget alone, still sent: tokens tells
    expect(huge.tokens).toBeGreaterThan(huge.budget);
  });

  it('counts images per model and the system prompt and extras against the budget', async () => {
    const turns: Turn[] = [
      { role: 'user', text: 'what is this? 这是什么', images: ['data:image/png;base64,AA'] },
    ];
    const text = o200k(turns[0]!.text);
    const gpt = await fitHistory(turns, 'gpt-4o');
    expect(gpt.tokens).toBe(text + imageTokens('gpt-4o') + 4 + 3);
    expect(imageTokens('claude-sonnet-4')).toBe(IMAGE_TOKENS);
    expect(imageTokens('gpt-4o')).toBeLessThan(IMAGE_TOKENS);
    const withExtras = await fitHistory(turns, 'gpt-4o', { system: SYSTEM, extraTokens: 500 });
    expect(withExtras.tokens).toBe(gpt.tokens + o200k(SYSTEM) + 4 + 500);
    expect(withExtras.budget).toBe(historyBudget('gpt-4o') - (o200k(SYSTEM) + 4 + 500 + 3));
  });

  it('counts an answer once: countTurn caches like fitHistory', async () => {
    const answer: Turn = { role: 'assistant', text: `Here is the code:\n${CORPUS.typescript}` };
    const [n, first] = await calls(() => countTurn(answer, 'gpt-4o'));
    expect(n).toBe(o200k(answer.text) + 4);
    expect(first).toBe(1);
    expect((await calls(() => fitHistory([{ role: 'user', text: 'hi' }, answer], 'gpt-4o')))[1]).toBe(1);
  });

  it('lets other work run while it counts a long history for the first time', async () => {
    const turns: Turn[] = history(100, [CORPUS.english!.repeat(20)]);
    let ranBetween = false;
    setImmediate(() => {
      ranBetween = true;
    });
    const fit = fitHistory(turns, 'gpt-4.1');
    expect(ranBetween).toBe(false);
    await fit;
    expect(ranBetween).toBe(true);
  });
});
