import { describe, expect, it } from 'vitest';
import { estimateTokens, historyBudget, trimToBudget } from '../../../src/conversations/budget.js';
import { ThinkSplitter } from '../../../src/conversations/think-splitter.js';

describe('trimToBudget', () => {
  const turns = (n: number, tokens: number) => Array.from({ length: n }, (_, i) => ({ i, tokens }));

  it('keeps the newest turns that fit and says how many were dropped', () => {
    const { kept, dropped } = trimToBudget(turns(10, 100), 520);
    expect(kept.map((t) => t.i)).toEqual([5, 6, 7, 8, 9]);
    expect(dropped).toBe(5);
  });

  it('keeps everything when it fits', () => {
    expect(trimToBudget(turns(3, 10), 1000)).toEqual({ kept: turns(3, 10), dropped: 0 });
  });

  it('always keeps the newest turn, even when it alone is over budget', () => {
    const { kept, dropped } = trimToBudget(turns(3, 5000), 100);
    expect(kept.map((t) => t.i)).toEqual([2]);
    expect(dropped).toBe(2);
  });

  it('estimates Chinese at about a token a character and English at about four characters a token', () => {
    expect(estimateTokens('你好世界')).toBe(4);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('你好 abcd')).toBe(2 + 2);
  });

  it('gives small models a small budget and caps large ones', () => {
    expect(historyBudget('gpt-3.5-turbo')).toBeLessThan(16_000);
    expect(historyBudget('gemini-2.5-pro')).toBe(24_000);
    expect(historyBudget('some-unknown-model')).toBe(16_000 - 4_096);
  });
});

describe('ThinkSplitter', () => {
  it('moves <think> spans to reasoning even when tags are split across deltas', () => {
    const s = new ThinkSplitter();
    const out = { text: '', reasoning: '' };
    for (const d of ['<th', 'ink>让我想想', ' 🤔</thi', 'nk>答案是 ', '42 <', 'b>ok']) {
      const r = s.push(d);
      out.text += r.text;
      out.reasoning += r.reasoning;
    }
    const r = s.flush();
    out.text += r.text;
    out.reasoning += r.reasoning;
    expect(out).toEqual({ text: '答案是 42 <b>ok', reasoning: '让我想想 🤔' });
  });

  it('passes text without tags straight through', () => {
    const s = new ThinkSplitter();
    expect(s.push('plain 文本 🙂')).toEqual({ text: 'plain 文本 🙂', reasoning: '' });
    expect(s.flush()).toEqual({ text: '', reasoning: '' });
  });
});
