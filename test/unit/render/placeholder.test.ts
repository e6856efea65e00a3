import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlatformLimits } from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { renderStream } from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { textStream } from '../../helpers/streams.js';

/** A channel whose chat already shows "an answer is coming" (a deferred interaction's "thinking…"). */
class ThinkingChannel extends RecordingChannel {
  get showsPlaceholder(): boolean {
    return this.ops.length === 0;
  }
}

/** Discord's pacing: 5 requests per 5 s a chat, one edit a second per message. */
const limits: PlatformLimits = {
  maxChars: 2000,
  maxCaptionChars: 2000,
  maxUploadBytes: 10e6,
  maxDownloadBytes: 25e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 5, perMs: 5000 },
  groupBudget: { count: 5, perMs: 5000 },
  liveEdits: true,
};

function render(channel: RecordingChannel) {
  const scheduler = new ChatScheduler(limits.groupBudget, limits.minEditIntervalMs);
  // First words at 320 ms, the last at 3.5 s: live edits at ~0.32, 1.32, 2.32 and 3.32 s.
  const parts = Array.from({ length: 160 }, (_, i) => `w${i} `);
  return {
    answer: parts.join(''),
    done: renderStream(textStream(parts, 20, { firstDelayMs: 300 }), {
      channel,
      limits,
      scheduler,
      lang: 'en',
      log: silentLogger(),
      placeholder: '⏳',
      emptyText: '(empty)',
      errorText: (e: Error) => `failed: ${e.message}`,
    }),
  };
}

describe('renderStream and a channel that already shows a placeholder', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('sends no placeholder: the first request carries the first words', async () => {
    const channel = new ThinkingChannel(10);
    const { answer, done } = render(channel);
    await vi.advanceTimersByTimeAsync(200);
    expect(channel.ops).toEqual([]);
    await vi.runAllTimersAsync();
    const out = await done;
    expect(out.text).toBe(answer);
    expect(channel.ops.some((o) => o.text === '⏳')).toBe(false);
    expect(channel.ops[0]).toMatchObject({ op: 'send', at: 320 });
    expect(channel.ops[0]!.text).toContain('w0');
    expect(channel.visible()).toEqual([answer]);
  });

  it('leaves the slot a placeholder would spend to the final text', async () => {
    const thinking = new ThinkingChannel(10);
    const a = render(thinking);
    await vi.runAllTimersAsync();
    await a.done;
    const plain = new RecordingChannel(10);
    vi.setSystemTime(0);
    const b = render(plain);
    await vi.runAllTimersAsync();
    await b.done;
    // The placeholder + 4 live edits fill the 5-per-5 s window: the final text waits for 5 s.
    expect(plain.ops.at(-1)!.at).toBeGreaterThanOrEqual(5000);
    // Without it the final text goes when the answer ends (3.5 s).
    expect(thinking.ops.length).toBe(plain.ops.length - 1);
    expect(thinking.ops.at(-1)!.at).toBeLessThan(3600);
  });
});
