import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlatformLimits } from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { telegramLength, toTelegramHtml } from '../../../src/platforms/telegram/markdown.js';
import { CURSOR } from '../../../src/render/answer-view.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { closeOpenFence, type Measure, splitMessage } from '../../../src/render/split.js';
import { renderStream } from '../../../src/render/stream-to-edits.js';
import { parseTelegramHtml } from '../../fakes/telegram/html.js';
import { listHeavyAnswer } from '../../helpers/list-heavy.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { mixedAnswer, pieces, textStream } from '../../helpers/streams.js';

const codePoints: Measure = (s) => [...s].length;
/** What Telegram's parser leaves of a chunk, in code points (the fake is modelled on tdlib). */
const telegramVisible = (markdown: string): number =>
  [...parseTelegramHtml(toTelegramHtml(markdown)).text].length;
/** Every character once and in order: whitespace and fence lines (re-opened per chunk) aside. */
const content = (s: string): string => s.replace(/^[ \t]*(```|~~~).*$/gm, '').replace(/\s+/g, '');
const fenceLines = (s: string): number => s.split('\n').filter((l) => /^\s*```/.test(l)).length;

describe('splitMessage with a measure', () => {
  it('counts what the platform counts: an emoji is one, so a chunk holds more code units', () => {
    const text = '😀'.repeat(300);
    const chunks = splitMessage(text, 100, codePoints);
    expect(chunks).toEqual(['😀'.repeat(100), '😀'.repeat(100), '😀'.repeat(100)]);
    expect(splitMessage(text, 100)).toHaveLength(6); // by code units, as without a measure
  });

  it('keeps a text whole when it measures within the limit, though longer in code units', () => {
    const text = '**粗体 bold** 🎉 '.repeat(12).trim();
    const stripped: Measure = (s) => [...s.replace(/\*\*/g, '')].length;
    expect(text.length).toBeGreaterThan(150);
    expect(splitMessage(text, 150, stripped)).toEqual([text]);
  });

  it('every chunk measures within the limit when the measure counts more than the text', () => {
    // Like Telegram's rendering of a list-heavy answer: every line break costs one more.
    const measure: Measure = (s) => [...s].length + (s.match(/\n/g)?.length ?? 0);
    const text = listHeavyAnswer(3000, 7);
    for (const maxChars of [120, 500, 1000, 4096]) {
      const chunks = splitMessage(text, maxChars, measure);
      for (const c of chunks) expect(measure(c)).toBeLessThanOrEqual(maxChars);
      expect(chunks.map(content).join('')).toBe(content(text));
      // Chunks are filled, not cut short: all but the last measure above half the limit.
      for (const c of chunks.slice(0, -1)) expect(measure(c)).toBeGreaterThan(maxChars / 2);
    }
  });

  it('Telegram: a list-heavy answer fits after entity parsing, where the split by code units did not', () => {
    const answer = listHeavyAnswer(5000);
    const byCodeUnits = splitMessage(answer, 4096);
    expect(Math.max(...byCodeUnits.map(telegramVisible))).toBeGreaterThan(4096);
    const chunks = splitMessage(answer, 4096, telegramLength);
    expect(chunks.length).toBe(2);
    for (const c of chunks) {
      expect(telegramLength(c)).toBeLessThanOrEqual(4096);
      expect(telegramVisible(c)).toBeLessThanOrEqual(telegramLength(c));
      expect([...c].length).toBeLessThanOrEqual(telegramLength(c)); // the plain-text fallback fits too
    }
    expect(chunks.map(content).join('')).toBe(content(answer));
  });

  it('keeps code fences unbroken: each chunk closes and re-opens the block', () => {
    const code = Array.from({ length: 120 }, (_, i) => `  const 变量${i} = a < b && c > d; // 😀 ${i}`);
    const text = ['Intro 介绍:', '```ts', ...code, '```', 'After 之后 ✅'].join('\n');
    const chunks = splitMessage(text, 1000, telegramLength);
    expect(chunks.length).toBeGreaterThan(3);
    for (const [i, c] of chunks.entries()) {
      expect(telegramLength(c)).toBeLessThanOrEqual(1000);
      expect(fenceLines(c) % 2).toBe(0);
      if (i > 0 && i < chunks.length - 1) expect(c.startsWith('```ts\n')).toBe(true);
      // Rendered, every chunk is one well-formed message with its code as a pre block.
      expect(parseTelegramHtml(toTelegramHtml(c)).entities.some((e) => e.type === 'pre')).toBe(true);
    }
    expect(chunks.map(content).join('')).toBe(content(text));
  });

  it('ends even when nothing measures within the limit: one grapheme at a time', () => {
    const text = 'ab😀中👨‍👩‍👧';
    const chunks = splitMessage(text, 10, () => 1000);
    expect(chunks.join('')).toBe(text);
    expect(chunks).toEqual(['a', 'b', '😀', '中', '👨‍👩‍👧']);
  });

  it('the live view fits too: the last chunk with its repaired fence and cursor', () => {
    const answer = `${mixedAnswer(30)}\n\n${listHeavyAnswer(6000, 3)}`;
    for (let end = 500; end < answer.length; end += 397) {
      const chunks = splitMessage(answer.slice(0, end), 4096 - 8, telegramLength);
      const closed = closeOpenFence(chunks.at(-1)!);
      // As the renderer draws it: the cursor on a line of its own under a repaired fence.
      const last = `${closed}${closed === chunks.at(-1) ? '' : '\n'}${CURSOR}`;
      expect(telegramLength(last)).toBeLessThanOrEqual(4096);
      for (const c of chunks) expect(telegramLength(c)).toBeLessThanOrEqual(4096);
    }
  });
});

describe('renderStream with a measure', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const limits: PlatformLimits = {
    maxChars: 4096,
    maxCaptionChars: 1024,
    measure: telegramLength,
    maxUploadBytes: 50e6,
    maxDownloadBytes: 20e6,
    minEditIntervalMs: 1000,
    privateBudget: { count: 3, perMs: 3000 },
    groupBudget: { count: 20, perMs: 60_000 },
    liveEdits: true,
  };

  for (const drafts of ['accept', undefined] as const) {
    it(`every edit, draft and final message fits Telegram's count (${drafts ? 'drafts' : 'edits'})`, async () => {
      const answer = listHeavyAnswer(9000, 5);
      const channel = new RecordingChannel(20, drafts ? { drafts } : {});
      const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
      const done = renderStream(textStream(pieces(answer, 300), 250), {
        channel,
        limits,
        scheduler,
        lang: 'en',
        log: silentLogger(),
        placeholder: '⏳',
        emptyText: '(empty)',
        errorText: (e: Error) => `failed: ${e.message}`,
        ...(drafts ? { draftId: 7 } : {}),
      });
      await vi.runAllTimersAsync();
      const out = await done;
      expect(out.text).toBe(answer);
      expect(channel.ops.length).toBeGreaterThan(5);
      for (const op of channel.ops) expect(telegramLength(op.text)).toBeLessThanOrEqual(4096);
      const final = channel.visible();
      expect(final.length).toBeGreaterThanOrEqual(3);
      expect(final.map(content).join('')).toBe(content(answer));
    });
  }
});
