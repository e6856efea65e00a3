import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlatformLimits } from '../../../src/core/platform.js';
import { BotError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { renderStream } from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { mixedAnswer, pieces, textStream } from '../../helpers/streams.js';

const privateLimits: PlatformLimits = {
  maxChars: 4096,
  maxCaptionChars: 1024,
  maxUploadBytes: 50e6,
  maxDownloadBytes: 20e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 1, perMs: 1000 },
  groupBudget: { count: 20, perMs: 60_000 },
  liveEdits: true,
};

function options(channel: RecordingChannel, scheduler: ChatScheduler, limits = privateLimits) {
  return {
    channel,
    limits,
    scheduler,
    lang: 'en' as const,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => `failed: ${e.message}`,
  };
}

/** What the user sees once the cursor and repaired fences of intermediate edits are gone. */
const joined = (channel: RecordingChannel) => channel.visible().join('');

describe('renderStream', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('shows the placeholder before the upstream answers, then the exact answer', async () => {
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const answer = 'Hello 你好 🌏👨‍👩‍👧 — done.';
    const p = renderStream(
      textStream(pieces(answer, 2), 100, { firstDelayMs: 5000 }),
      options(channel, scheduler),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(channel.visible()).toEqual(['⏳']);
    await vi.runAllTimersAsync();
    const out = await p;
    expect(out.text).toBe(answer);
    expect(channel.visible()).toEqual([answer]);
    expect(channel.ops[0]).toMatchObject({ op: 'send', at: 0, text: '⏳' });
  });

  it('shows the first words as soon as they arrive, even right after the placeholder', async () => {
    const limits = { ...privateLimits, privateBudget: { count: 3, perMs: 3000 } };
    const channel = new RecordingChannel(20);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const p = renderStream(
      textStream(['第一个词 first', ' words 🌱'], 10, { firstDelayMs: 200 }),
      options(channel, scheduler, limits),
    );
    await vi.runAllTimersAsync();
    await p;
    const firstText = channel.ops.find((o) => o.text.includes('第一个词'))!;
    // First token at 210 ms (delay + gap): visible at once, not a whole edit interval after the placeholder.
    expect(firstText.at).toBeLessThanOrEqual(240);
    expect(channel.visible()).toEqual(['第一个词 first words 🌱']);
  });

  it('sends the final text as soon as the answer ends, not after the edit interval', async () => {
    const channel = new RecordingChannel(10);
    const scheduler = new ChatScheduler({ count: 10, perMs: 3000 }, 1000);
    // 13 tokens 100 ms apart, ending at 1.3 s: edits go at ~0.1 s and ~1.1 s, and the next request
    // waits for ~2.1 s when the answer ends.
    const answer = 'abcdefghijklm';
    const p = renderStream(textStream(pieces(answer, 1), 100), options(channel, scheduler));
    await vi.runAllTimersAsync();
    await p;
    const last = channel.ops.at(-1)!;
    expect(last.text).toBe(answer);
    expect(last.at).toBeLessThan(1400);
  });

  it('paces edits of one message at the platform interval and never repeats a text', async () => {
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const answer = mixedAnswer(6);
    const parts = pieces(answer, 3);
    const p = renderStream(textStream(parts, 20), options(channel, scheduler));
    await vi.runAllTimersAsync();
    await p;
    expect(channel.visible().join('')).toBe(answer);
    const times = channel.ops.map((o) => o.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    expect(channel.unchangedEdits()).toEqual([]);
    // Streaming for parts.length × 20 ms at one edit a second: a handful of edits, not one per delta.
    const seconds = (parts.length * 20) / 1000;
    expect(channel.ops.length).toBeLessThanOrEqual(Math.ceil(seconds) + 3);
    expect(channel.ops.length).toBeGreaterThan(2);
  });

  it('three answers streaming in one group share the group budget', async () => {
    const limits = { ...privateLimits, minEditIntervalMs: 1000 };
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(limits.groupBudget, limits.minEditIntervalMs);
    const answers = [
      mixedAnswer(3),
      `第二个回答 ${'汉字🎉'.repeat(80)}`,
      `Third answer ${'word '.repeat(300)}`,
    ];
    const runs = answers.map((a) =>
      renderStream(textStream(pieces(a, 4), 50), { ...options(channel, scheduler, limits), limits }),
    );
    await vi.runAllTimersAsync();
    const outs = await Promise.all(runs);
    expect(outs.map((o) => o.text)).toEqual(answers);
    // Every answer ends exactly right...
    for (const [i, out] of outs.entries()) {
      expect(out.refs.map((r) => channel.messages.get(r.messageId)).join('')).toBe(answers[i]);
    }
    // ...and the group never saw more than 20 requests a minute, whoever made them.
    expect(channel.maxInWindow(60_000)).toBeLessThanOrEqual(20);
    expect(channel.unchangedEdits()).toEqual([]);
    // Each answer got intermediate edits, not only its placeholder and final text.
    for (const out of outs) {
      const id = out.refs[0]!.messageId;
      expect(channel.ops.filter((o) => o.messageId === id).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('continues past the length limit in new messages without breaking a code block', async () => {
    const limits = {
      ...privateLimits,
      maxChars: 300,
      minEditIntervalMs: 10,
      privateBudget: { count: 100, perMs: 1000 },
    };
    const channel = new RecordingChannel(5);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const code = Array.from({ length: 50 }, (_, i) => `print("行 ${i} 🐍")`).join('\n');
    const answer = `Here is the code 代码:\n\n\`\`\`python\n${code}\n\`\`\`\n\nThat's all 完成 ✅`;
    const p = renderStream(textStream(pieces(answer, 5), 10), options(channel, scheduler, limits));
    await vi.runAllTimersAsync();
    const out = await p;
    const shown = channel.visible();
    expect(shown.length).toBeGreaterThan(2);
    for (const m of shown) {
      expect(m.length).toBeLessThanOrEqual(300);
      expect((m.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    // Every continuation that is inside the block reopens it with its language.
    expect(shown.slice(1, -1).every((m) => m.startsWith('```python\n'))).toBe(true);
    // Without the repaired fences, the messages are exactly the answer.
    const stripped = shown.map((m, i) => {
      let s = m;
      if (i > 0 && s.startsWith('```python\n')) s = s.slice('```python\n'.length);
      if (i < shown.length - 1 && s.endsWith('\n```')) s = s.slice(0, -'\n```'.length);
      return s;
    });
    expect(stripped.join('')).toBe(answer);
    expect(out.refs).toHaveLength(shown.length);
  });

  it('keeps the text so far and adds a clear error line when the stream fails', async () => {
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const failure = new BotError('network', 'stream was cut');
    const p = renderStream(
      textStream(['部分回答 ', 'partial 🌧'], 100, { failWith: failure }),
      options(channel, scheduler),
    );
    await vi.runAllTimersAsync();
    const out = await p;
    expect(out.error).toBe(failure);
    expect(joined(channel)).toBe('部分回答 partial 🌧\n\n⚠️ failed: stream was cut');
  });

  it('shows reasoning apart from the answer, trimmed', async () => {
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const reasoning = Array.from({ length: 60 }, (_, i) => `step ${i} 思考`);
    const p = renderStream(textStream(['The answer is 42.'], 50, { reasoning }), options(channel, scheduler));
    await vi.runAllTimersAsync();
    const out = await p;
    const [final] = channel.visible();
    expect(out.text).toBe('The answer is 42.');
    expect(final).toMatch(/^> 💭 step 0 思考/);
    expect(final!.endsWith('\n\nThe answer is 42.')).toBe(true);
    expect(final!.length).toBeLessThan(400);
    // While thinking, the user saw the reasoning arrive.
    expect(channel.ops.some((o) => o.text.includes('Thinking…'))).toBe(true);
  });

  it('streams with native drafts and ends with one sent message', async () => {
    const channel = new RecordingChannel(30, { drafts: 'accept' });
    const scheduler = new ChatScheduler(privateLimits.privateBudget, 300);
    const answer = `Draft streaming 草稿 ${'🚀'.repeat(20)}`;
    const p = renderStream(textStream(pieces(answer, 3), 400), {
      ...options(channel, scheduler),
      draftId: 7,
    });
    await vi.runAllTimersAsync();
    await p;
    expect(channel.ops.filter((o) => o.op === 'edit')).toEqual([]);
    expect(channel.ops.filter((o) => o.op === 'send').map((o) => o.text)).toEqual([answer]);
    expect(channel.ops.filter((o) => o.op === 'draft').length).toBeGreaterThan(2);
    expect(channel.visible()).toEqual([answer]);
  });

  it('falls back to editing one message when drafts are refused', async () => {
    const channel = new RecordingChannel(30, { drafts: 'refuse' });
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const answer = 'No drafts here 没有草稿 👌';
    const p = renderStream(textStream(pieces(answer, 2), 300), {
      ...options(channel, scheduler),
      draftId: 9,
    });
    await vi.runAllTimersAsync();
    await p;
    expect(channel.visible()).toEqual([answer]);
    expect(channel.ops[0]).toMatchObject({ op: 'send', text: '⏳' });
    expect(channel.ops.filter((o) => o.op === 'edit').length).toBeGreaterThan(1);
  });

  it('says so when the model answers nothing', async () => {
    const channel = new RecordingChannel();
    const scheduler = new ChatScheduler(privateLimits.privateBudget, privateLimits.minEditIntervalMs);
    const p = renderStream(textStream([], 10), options(channel, scheduler));
    await vi.runAllTimersAsync();
    await p;
    expect(channel.visible()).toEqual(['(empty)']);
  });
});
