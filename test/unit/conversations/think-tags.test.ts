import { describe, expect, it } from 'vitest';
import { pieces } from '../../../src/conversations/answer-pieces.js';
import { emitsThinkTags } from '../../../src/conversations/request/params.js';
import { ThinkSplitter } from '../../../src/conversations/think-splitter.js';
import type { StreamEvent } from '../../../src/core/apicore.js';
import type { AnswerPiece } from '../../../src/core/command.js';

/** Feeds `deltas` one by one and returns what came out, text and reasoning apart. */
function split(deltas: string[], enabled = true) {
  const s = new ThinkSplitter(enabled);
  const out = { text: '', reasoning: '' };
  for (const d of [...deltas.map((d) => s.push(d)), s.flush()]) {
    out.text += d.text;
    out.reasoning += d.reasoning;
  }
  return out;
}

/** Every way to cut `text` in two, plus one delta per code unit. */
function cuts(text: string): string[][] {
  const out: string[][] = [[text], text.split('')];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const MID_TEXT =
  'R1 puts its reasoning in a `<think>` block… 中文 🎉 and closes it with `</think>`; the rest <think>stays</think> text.';

describe('ThinkSplitter: <think> is reasoning only at the very start', () => {
  it('prints a mid-text <think> verbatim however the deltas are cut', () => {
    for (const deltas of cuts(MID_TEXT)) expect(split(deltas)).toEqual({ text: MID_TEXT, reasoning: '' });
  });

  it('moves a leading span (after whitespace) to reasoning, and later tags stay text', () => {
    const content = '\n  <think>让我想想 🤔 about <b></think>\n\n答案是 42 🎉 — a <think> tag </think> here.';
    for (const deltas of cuts(content)) {
      expect(split(deltas)).toEqual({
        reasoning: '让我想想 🤔 about <b>',
        text: '答案是 42 🎉 — a <think> tag </think> here.',
      });
    }
  });

  it('keeps leading whitespace and a near-miss tag as text', () => {
    expect(split(['  <thin', 'king> is a word 🙂'])).toEqual({
      text: '  <thinking> is a word 🙂',
      reasoning: '',
    });
    expect(split(['\n', '<th'])).toEqual({ text: '\n<th', reasoning: '' });
    expect(split(['   '])).toEqual({ text: '   ', reasoning: '' });
  });

  it('treats an unclosed leading span as reasoning (the answer was cut while thinking)', () => {
    expect(split(['<think>still 思考中 </th'])).toEqual({ text: '', reasoning: 'still 思考中 </th' });
  });

  it('passes everything through when disabled', () => {
    expect(split(['<think>not reasoning</think> ok 好'], false)).toEqual({
      text: '<think>not reasoning</think> ok 好',
      reasoning: '',
    });
  });
});

describe('the models known to emit <think>', () => {
  it('includes R1, QwQ, qwen3 thinking, *-thinking and grok reasoning, and nothing else', () => {
    for (const m of [
      'deepseek-r1',
      'deepseek-reasoner',
      'deepseek/deepseek-r1:free',
      'deepseek-r1-distill-qwen-32b',
      'qwq-32b',
      'qwen3-235b-a22b',
      'qwen3-235b-a22b-thinking-2507',
      'glm-4.5-thinking',
      'gemini-2.5-flash-thinking',
      'grok-4-fast-reasoning',
    ])
      expect(emitsThinkTags(m), m).toBe(true);
    for (const m of [
      'gpt-4o-mini',
      'gpt-5',
      'o3',
      'deepseek-chat',
      'deepseek-v3',
      'qwen3-235b-a22b-instruct-2507',
      'claude-sonnet-4-5',
      'grok-4-fast-non-reasoning',
    ])
      expect(emitsThinkTags(m), m).toBe(false);
  });
});

async function collect(events: StreamEvent[], model: string): Promise<AnswerPiece[]> {
  async function* source() {
    yield* events;
  }
  const out: AnswerPiece[] = [];
  for await (const p of pieces(source(), model)) out.push(p);
  return out;
}

describe('pieces', () => {
  const text = (t: string): StreamEvent => ({ type: 'text', text: t });

  it('splits a leading span for deepseek-r1 only', async () => {
    const events = [text('<think>嗯 🤔'), text('</think>'), text('Answer 答案')];
    expect(await collect(events, 'deepseek-r1')).toEqual([
      { type: 'reasoning', text: '嗯 🤔' },
      { type: 'text', text: 'Answer 答案' },
    ]);
    expect(await collect(events, 'gpt-4o-mini')).toEqual(events);
  });
});
