import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessConfig } from '../../../src/config.js';
import { estimateTokens } from '../../../src/conversations/budget.js';
import { CHARGE_EVERY_TOKENS, meterAnswer, QUOTA_CUT } from '../../../src/conversations/metered-answer.js';
import type { AnswerPiece } from '../../../src/core/command.js';
import type { Lang } from '../../../src/core/i18n.js';
import type { ChatRef, PlatformLimits, UserRef } from '../../../src/core/platform.js';
import type { UsageMeter } from '../../../src/core/usage.js';
import { errorMessage } from '../../../src/error-text.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { renderStream } from '../../../src/render/stream-to-edits.js';
import { AccessPolicy, OPEN_ACCESS } from '../../../src/router/access.js';
import { memoryStore } from '../../../src/store/index.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { pieces } from '../../helpers/streams.js';

const limits: PlatformLimits = {
  maxChars: 4096,
  maxCaptionChars: 1024,
  maxUploadBytes: 50e6,
  maxDownloadBytes: 20e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 5, perMs: 5000 },
  groupBudget: { count: 20, perMs: 60_000 },
  liveEdits: true,
};

const user: UserRef = { id: '42', name: '小明 Ming 🐼' };
const admin: UserRef = { id: '7', name: 'Admin 管理员 🛡️' };
const chat: ChatRef = { platform: 'telegram', id: '42', kind: 'private' };
const NOW = Date.UTC(2026, 2, 14, 15, 9, 26);
const ANSWER = Array.from({ length: 60 }, (_, i) => `第${i}句 sentence ${i} 🌊 and some words.`).join(' ');

/** A user's meter on a fresh store, every charge recorded. */
function meterFor(patch: Partial<AccessConfig>, who: UserRef = user) {
  const policy = new AccessPolicy({ ...OPEN_ACCESS, adminUsers: ['7'], ...patch }, memoryStore(), () => NOW);
  const meter = policy.meter(who, chat);
  const charges: number[] = [];
  const recorded: UsageMeter = {
    ...meter,
    add: meter.add,
    today: meter.today,
    reserveTask: meter.reserveTask,
    toolTasksPerAnswer: meter.toolTasksPerAnswer,
    chargeTokens: (n) => {
      charges.push(n);
      return meter.chargeTokens(n);
    },
  };
  return { meter: recorded, charges, used: async () => (await meter.today()).tokens };
}

/** The answer as an upstream streams it: text pieces, then (when given) the gateway's usage. */
function upstream(parts: string[], gapMs: number, usage?: number) {
  const seen = { read: 0, closed: false };
  async function* gen(): AsyncGenerator<AnswerPiece> {
    try {
      for (const p of parts) {
        await new Promise((r) => setTimeout(r, gapMs));
        seen.read++;
        yield { type: 'text', text: p };
      }
      if (usage !== undefined)
        yield { type: 'usage', usage: { promptTokens: 0, completionTokens: usage, totalTokens: usage } };
    } finally {
      seen.closed = true;
    }
  }
  return { source: gen(), seen };
}

function render(source: AsyncIterable<AnswerPiece>, channel: RecordingChannel, lang: Lang = 'en') {
  return renderStream(source, {
    channel,
    limits,
    scheduler: new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs),
    lang,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => errorMessage(e, lang),
  });
}

describe('the daily token quota, charged as the answer streams', () => {
  beforeEach(() => vi.useFakeTimers({ now: NOW }));
  afterEach(() => vi.useRealTimers());

  it('cuts an answer that reaches the quota, keeps the text so far and says why', async () => {
    const { meter, used } = meterFor({ dailyTokenQuota: 300 });
    const promptTokens = 40;
    const { source, seen } = upstream(pieces(ANSWER, 5), 20);
    const metered = meterAnswer(source, { meter, promptTokens, estimate: estimateTokens });
    const channel = new RecordingChannel();
    const run = render(metered.pieces, channel);
    await vi.runAllTimersAsync();
    const outcome = await run;
    expect(metered.cut).toBe(true);
    expect(outcome.error?.message).toBe(QUOTA_CUT.en);
    // What the user sees: the answer so far, exactly, and the line under it.
    const [shown] = channel.visible();
    const line = `\n\n⚠️ ${QUOTA_CUT.en}`;
    expect(shown!.endsWith(line)).toBe(true);
    const kept = shown!.slice(0, -line.length);
    expect(kept).toBe(outcome.text);
    expect(ANSWER.startsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(ANSWER.length);
    // Cut right as it reached the quota: the question and the text shown come to about 300.
    const spent = promptTokens + estimateTokens(kept);
    expect(Math.abs(spent - 300)).toBeLessThanOrEqual(25);
    // The upstream stream was let go at once.
    expect(seen.closed).toBe(true);
    expect(seen.read).toBeLessThan(pieces(ANSWER, 5).length);
    // Settled to the exact estimate; never charged twice.
    expect(await metered.settle(outcome)).toBe(spent);
    expect(await used()).toBe(spent);
  });

  it('says it in Chinese', async () => {
    const { meter } = meterFor({ dailyTokenQuota: 120 });
    const { source } = upstream(
      pieces('你好，世界！这是一个很长的回答 🎉 with English too. '.repeat(20), 4),
      20,
    );
    const metered = meterAnswer(source, { meter, promptTokens: 10, estimate: estimateTokens });
    const channel = new RecordingChannel();
    const run = render(metered.pieces, channel, 'zh');
    await vi.runAllTimersAsync();
    const outcome = await run;
    expect(channel.visible()[0]).toBe(`${outcome.text}\n\n⚠️ ${QUOTA_CUT.zh}`);
    expect(QUOTA_CUT.zh).toBe('今日 token 额度已用完，回答已中断。将于 UTC 00:00 重置。');
  });

  it('charges in batches, not per piece, and settles to the gateway’s exact figure', async () => {
    const { meter, charges, used } = meterFor({ dailyTokenQuota: 1_000_000 });
    const long = ANSWER.repeat(4);
    const parts = pieces(long, 3);
    const { source } = upstream(parts, 5, 5_321);
    const metered = meterAnswer(source, { meter, promptTokens: 120, estimate: estimateTokens });
    const channel = new RecordingChannel();
    const run = render(metered.pieces, channel);
    await vi.runAllTimersAsync();
    const outcome = await run;
    expect(outcome.error).toBeUndefined();
    expect(channel.visible().join('')).toBe(long);
    const estimated = 120 + estimateTokens(long);
    // The first write carries the question; then one per CHARGE_EVERY_TOKENS, not one per piece.
    expect(charges.length).toBeLessThanOrEqual(2 + Math.ceil(estimated / CHARGE_EVERY_TOKENS));
    expect(charges.length).toBeLessThan(parts.length / 10);
    expect(outcome.tokens).toBe(5_321);
    expect(await metered.settle(outcome)).toBe(5_321);
    // The gateway's figure, exactly: what streaming charged was taken into account.
    expect(await used()).toBe(5_321);
  });

  it('admins and chats without a quota: one write to start, one to settle', async () => {
    for (const [patch, who] of [
      [{ dailyTokenQuota: 0 }, user],
      [{ dailyTokenQuota: 50 }, admin],
    ] as const) {
      const { meter, charges, used } = meterFor(patch, who);
      const { source } = upstream(pieces(ANSWER, 5), 5);
      const metered = meterAnswer(source, { meter, promptTokens: 30, estimate: estimateTokens });
      const channel = new RecordingChannel();
      const run = render(metered.pieces, channel);
      await vi.runAllTimersAsync();
      const outcome = await run;
      expect(channel.visible()).toEqual([ANSWER]);
      await metered.settle(outcome);
      expect(charges).toHaveLength(2);
      expect(await used()).toBe(30 + estimateTokens(ANSWER));
    }
  });

  it('a stop settles what streamed once, however far the charges had gone', async () => {
    const { meter, used } = meterFor({ dailyTokenQuota: 1_000_000 });
    const { source } = upstream(pieces(ANSWER.repeat(3), 2), 10);
    const metered = meterAnswer(source, { meter, promptTokens: 200, estimate: estimateTokens });
    const stop = new AbortController();
    const channel = new RecordingChannel();
    const run = renderStream(metered.pieces, {
      channel,
      limits,
      scheduler: new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs),
      lang: 'en',
      log: silentLogger(),
      placeholder: '⏳',
      emptyText: '(empty)',
      errorText: (e: Error) => e.message,
      stop: stop.signal,
    });
    await vi.advanceTimersByTimeAsync(6_000);
    stop.abort();
    await vi.runAllTimersAsync();
    const outcome = await run;
    expect(outcome.stopped).toBe(true);
    const final = await metered.settle(outcome);
    expect(final).toBe(200 + estimateTokens(outcome.text));
    expect(await used()).toBe(final);
  });

  it('the quota is shared: another answer’s spending, seen at a batch, cuts this one', async () => {
    const policy = new AccessPolicy({ ...OPEN_ACCESS, dailyTokenQuota: 2_000 }, memoryStore(), () => NOW);
    const first = policy.meter(user, chat);
    const { source } = upstream(pieces(ANSWER.repeat(4), 4), 10);
    const metered = meterAnswer(source, { meter: first, promptTokens: 10, estimate: estimateTokens });
    const channel = new RecordingChannel();
    const run = render(metered.pieces, channel);
    await vi.advanceTimersByTimeAsync(500);
    // Meanwhile another process spends most of the day's tokens for the same user.
    await policy.meter(user, chat).chargeTokens(1_900);
    await vi.runAllTimersAsync();
    const outcome = await run;
    expect(metered.cut).toBe(true);
    expect(channel.visible()[0]!.endsWith(`⚠️ ${QUOTA_CUT.en}`)).toBe(true);
    // Seen at the next batch at the latest: the answer went at most one batch past the quota.
    const final = await metered.settle(outcome);
    expect(1_900 + final).toBeLessThan(2_000 + CHARGE_EVERY_TOKENS + 50);
  });
});
