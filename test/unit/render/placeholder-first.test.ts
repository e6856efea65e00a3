import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlatformLimits } from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler, WITHDRAWN } from '../../../src/render/scheduler.js';
import {
  FIRST_TEXT_GRACE_MS,
  type RenderOptions,
  renderStream,
} from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { textStream } from '../../helpers/streams.js';

/** Telegram's private-chat pacing: 3 messages per 3 s a chat, one edit a second per message. */
const limits: PlatformLimits = {
  maxChars: 4096,
  maxCaptionChars: 1024,
  maxUploadBytes: 50e6,
  maxDownloadBytes: 20e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 3, perMs: 3000 },
  groupBudget: { count: 20, perMs: 60_000 },
  liveEdits: true,
  draftLifetimeMs: 30_000,
  draftPacing: { count: 20, perMs: 5000, minIntervalMs: 750 },
};

const words = (n: number, prefix = 'w') => Array.from({ length: n }, (_, i) => `${prefix}${i} `);

function options(channel: RecordingChannel, scheduler: ChatScheduler, more: Partial<RenderOptions> = {}) {
  return {
    channel,
    limits,
    scheduler,
    lang: 'en' as const,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => `failed: ${e.message}`,
    ...more,
  };
}

describe('first words within the grace: no separate placeholder message', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('the first message carries the first words when they come within the grace', async () => {
    const channel = new RecordingChannel(10);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const parts = words(40);
    const done = renderStream(
      textStream(parts, 20, { firstDelayMs: 300 }),
      options(channel, scheduler, { firstTextGraceMs: FIRST_TEXT_GRACE_MS, startedAt: 0 }),
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(channel.ops).toEqual([]);
    await vi.runAllTimersAsync();
    const out = await done;
    expect(out.text).toBe(parts.join(''));
    expect(channel.ops.some((o) => o.text === '⏳')).toBe(false);
    expect(channel.ops[0]).toMatchObject({ op: 'send' });
    expect(channel.ops[0]!.at).toBeGreaterThanOrEqual(300);
    expect(channel.ops[0]!.at).toBeLessThan(FIRST_TEXT_GRACE_MS);
    expect(channel.ops.at(-1)?.text).toBe(out.text);
  });

  it('a short answer whose words come within the grace: its words, then its final text', async () => {
    const channel = new RecordingChannel(10);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const parts = words(5);
    const done = renderStream(
      textStream(parts, 10, { firstDelayMs: 100 }),
      options(channel, scheduler, { firstTextGraceMs: FIRST_TEXT_GRACE_MS, startedAt: 0 }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(channel.ops.map((o) => o.op)).toEqual(['send', 'edit']);
    expect(channel.ops[0]!.text).not.toBe('⏳');
    expect(channel.ops[1]!.text).toBe(parts.join(''));
  });

  it('words later than the grace: the placeholder goes when the grace ends, counted from the event', async () => {
    const channel = new RecordingChannel(10);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const parts = words(5);
    // The event arrived 100 ms before the renderer started (lookups): the grace ends at 400 ms.
    vi.setSystemTime(100);
    const done = renderStream(
      textStream(parts, 10, { firstDelayMs: 900 }),
      options(channel, scheduler, { firstTextGraceMs: FIRST_TEXT_GRACE_MS, startedAt: 0 }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(channel.ops[0]).toMatchObject({ op: 'send', text: '⏳', at: FIRST_TEXT_GRACE_MS });
  });

  it('without a grace the placeholder still goes at once', async () => {
    const channel = new RecordingChannel(10);
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const done = renderStream(textStream(words(5), 10, { firstDelayMs: 100 }), options(channel, scheduler));
    await vi.advanceTimersByTimeAsync(1);
    expect(channel.ops[0]).toMatchObject({ op: 'send', text: '⏳' });
    await vi.runAllTimersAsync();
    await done;
  });
});

describe('drafts paced apart from the chat message budget', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const pacing = limits.draftPacing!;

  it('answers back to back in one private chat: each spends one message slot, none waits for the budget', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const drafts = new ChatScheduler(pacing, pacing.minIntervalMs);
    const finals: number[] = [];
    const asked: number[] = [];
    for (let i = 0; i < 12; i++) {
      asked.push(Date.now());
      const done = renderStream(
        textStream(words(6, `a${i}-`), 20, { firstDelayMs: 50 }),
        options(channel, scheduler, { draftId: i + 1, draftScheduler: drafts }),
      );
      await vi.runAllTimersAsync();
      await done;
      finals.push(channel.ops.filter((o) => o.op === 'send').at(-1)!.at);
      // The next question comes when the answer is there.
    }
    const sends = channel.ops.filter((o) => o.op === 'send');
    expect(sends).toHaveLength(12);
    // 12 answers at 3 messages per 3 s: about one a second, never more than the budget allows.
    expect(channel.maxInWindow(3000, sends)).toBeLessThanOrEqual(3);
    const total = finals.at(-1)! - asked[0]!;
    expect(total / 12).toBeLessThanOrEqual(1200);
    // Each answer showed a "Thinking…" draft and its words as drafts before the message.
    expect(channel.ops.filter((o) => o.op === 'draft' && o.text === '')).toHaveLength(12);
  });

  it('drafts of one answer keep their own interval and the chat draft window', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const drafts = new ChatScheduler(pacing, pacing.minIntervalMs);
    const done = renderStream(
      textStream(words(300), 20, { firstDelayMs: 50 }),
      options(channel, scheduler, { draftId: 7, draftScheduler: drafts }),
    );
    await vi.runAllTimersAsync();
    await done;
    const draftOps = channel.ops.filter((o) => o.op === 'draft');
    expect(draftOps.length).toBeGreaterThan(4);
    expect(channel.maxInWindow(pacing.perMs, draftOps)).toBeLessThanOrEqual(pacing.count);
    const content = draftOps.filter((o) => o.text !== '');
    for (let i = 1; i < content.length; i++)
      expect(content[i]!.at - content[i - 1]!.at).toBeGreaterThanOrEqual(pacing.minIntervalMs);
    // The answer itself is one message, sent once the stream ended, without waiting for a draft turn.
    const sends = channel.ops.filter((o) => o.op === 'send');
    expect(sends).toHaveLength(1);
    expect(sends[0]!.at - (50 + 300 * 20)).toBeLessThanOrEqual(10);
  });

  it('a placeholder draft the caller already sent is not sent again', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const drafts = new ChatScheduler(pacing, pacing.minIntervalMs);
    const done = renderStream(
      textStream(words(6), 20, { firstDelayMs: 50 }),
      options(channel, scheduler, { draftId: 9, draftScheduler: drafts, opened: Promise.resolve(true) }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(channel.ops.filter((o) => o.op === 'draft' && o.text === '')).toHaveLength(0);
    expect(channel.ops.filter((o) => o.op === 'send')).toHaveLength(1);
  });

  it('an early draft that was not shown: the answer opens as messages, with the grace', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const drafts = new ChatScheduler(pacing, pacing.minIntervalMs);
    const parts = words(6);
    const done = renderStream(
      textStream(parts, 20, { firstDelayMs: 50 }),
      options(channel, scheduler, {
        draftId: 9,
        draftScheduler: drafts,
        opened: Promise.resolve(false),
        firstTextGraceMs: FIRST_TEXT_GRACE_MS,
        startedAt: 0,
      }),
    );
    await vi.runAllTimersAsync();
    const out = await done;
    expect(channel.ops.some((o) => o.op === 'draft')).toBe(false);
    expect(channel.ops.some((o) => o.text === '⏳')).toBe(false);
    expect(channel.ops.at(-1)?.text).toBe(out.text);
  });

  it('the upstream is read at once, while the opening draft still waits for its turn', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const drafts = new ChatScheduler(pacing, pacing.minIntervalMs);
    // The opening "Thinking…" draft gets its turn 2 s late (the bot-wide budget is full).
    const opened = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(channel.draft!(9, '').then(() => true)), 2000),
    );
    let firstReadAt: number | undefined;
    const parts = words(100, '字🌟');
    async function* upstream() {
      firstReadAt = Date.now();
      yield* textStream(parts, 20, { firstDelayMs: 50 });
    }
    const done = renderStream(
      upstream(),
      options(channel, scheduler, { draftId: 9, draftScheduler: drafts, opened }),
    );
    await vi.runAllTimersAsync();
    const out = await done;
    expect(firstReadAt).toBe(0);
    expect(out.text).toBe(parts.join(''));
    const draftOps = channel.ops.filter((o) => o.op === 'draft');
    expect(draftOps[0]).toMatchObject({ text: '' });
    // The first words follow the opening draft, already showing what came while it waited.
    expect(draftOps[1]!.at).toBeGreaterThanOrEqual(2000);
    expect(draftOps[1]!.text.length).toBeGreaterThan(parts.slice(0, 50).join('').length);
    expect(channel.ops.at(-1)).toMatchObject({ op: 'send', text: out.text });
  });

  it('an answer that ends before its opening draft had a turn sends no draft: its message goes at once', async () => {
    const channel = new RecordingChannel(10, { drafts: 'accept' });
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    // One draft per 5 s, and that one just went: the opening draft waits 5 s.
    const drafts = new ChatScheduler({ count: 1, perMs: 5000 }, pacing.minIntervalMs);
    (await drafts.begin('earlier answer'))();
    const opened = drafts.begin('opening', true).then(async (end) => {
      if (end === WITHDRAWN) return false;
      await channel.draft!(9, '');
      end();
      return true;
    });
    const parts = words(5, '短🎵');
    const done = renderStream(
      textStream(parts, 20, { firstDelayMs: 50 }),
      options(channel, scheduler, {
        draftId: 9,
        draftScheduler: drafts,
        opened,
        withdrawOpened: () => drafts.withdraw('opening'),
      }),
    );
    await vi.runAllTimersAsync();
    const out = await done;
    expect(out.text).toBe(parts.join(''));
    expect(channel.ops.filter((o) => o.op === 'draft')).toEqual([]);
    expect(channel.ops).toHaveLength(1);
    expect(channel.ops[0]).toMatchObject({ op: 'send', text: out.text });
    expect(channel.ops[0]!.at).toBeLessThan(50 + 5 * 20 + 20);
    expect(drafts.pending).toBe(0);
  });
});
