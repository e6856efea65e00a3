import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnswerPiece } from '../../../src/core/command.js';
import type {
  DraftOptions,
  MessageRef,
  OutgoingMessage,
  PlatformButton,
  PlatformLimits,
} from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import {
  renderStream,
  TYPING_AFTER_SILENCE_MS,
  TYPING_EVERY_MS,
} from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { pieces, textStream } from '../../helpers/streams.js';

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
};

const STOP: PlatformButton[][] = [[{ label: '⏹ Stop', data: 'b:stop' }]];
const REGENERATE: PlatformButton[][] = [[{ label: '🔄 Regenerate', data: 'b:regen' }]];

interface DraftCall {
  at: number;
  text: string;
  canStop: boolean;
}

/**
 * A RecordingChannel that also keeps the buttons of every send and edit, every draft asked for
 * (shown or not), and every "typing…". `showDraft(n)` decides whether the n-th draft (from 0) shows.
 */
class ControlsChannel extends RecordingChannel {
  readonly buttons: { op: 'send' | 'edit'; messageId: string; buttons: PlatformButton[][] | undefined }[] =
    [];
  readonly draftCalls: DraftCall[] = [];
  readonly typings: number[] = [];

  constructor(showDraft?: (n: number) => boolean) {
    super(30);
    if (showDraft) {
      this.draft = async (draftId: number, text: string, options?: DraftOptions) => {
        const n = this.draftCalls.length;
        this.draftCalls.push({ at: Date.now(), text, canStop: options?.canStop === true });
        await new Promise((r) => setTimeout(r, 30));
        if (!showDraft(n)) return false;
        this.ops.push({ op: 'draft', at: Date.now(), messageId: `draft-${draftId}`, text });
        return true;
      };
    }
  }

  typing = async (): Promise<void> => {
    this.typings.push(Date.now());
  };

  override async send(message: OutgoingMessage): Promise<MessageRef> {
    const ref = await super.send(message);
    this.buttons.push({ op: 'send', messageId: ref.messageId, buttons: message.buttons });
    return ref;
  }

  override async edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    await super.edit(ref, message);
    this.buttons.push({ op: 'edit', messageId: ref.messageId, buttons: message.buttons });
  }
}

function options(channel: ControlsChannel, scheduler: ChatScheduler, extra: object = {}) {
  return {
    channel,
    limits,
    scheduler,
    lang: 'en' as const,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => `failed: ${e.message}`,
    ...extra,
  };
}

/** Text pieces `gapMs` apart with one silence of `silentMs` after the first `before` of them. */
async function* withSilence(
  parts: string[],
  gapMs: number,
  before: number,
  silentMs: number,
  signal?: AbortSignal,
): AsyncGenerator<AnswerPiece> {
  for (const [i, p] of parts.entries()) {
    await new Promise((r) => setTimeout(r, i === before ? silentMs : gapMs));
    if (signal?.aborted) throw signal.reason;
    yield { type: 'text', text: p };
  }
}

const ANSWER = 'Hello 你好 🌏! Drafts and stops, 草稿与停止 ✅ — done.';

describe('renderStream: drafts that fail, silences, stop and regenerate', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a placeholder draft that fails becomes a message at once, in the slot the draft had', async () => {
    // One slot per 3 s: a second slot for the message would show the placeholder only at 3 s.
    const oneSlot = { ...limits, privateBudget: { count: 1, perMs: 3000 } };
    const channel = new ControlsChannel(() => false);
    const scheduler = new ChatScheduler(oneSlot.privateBudget, oneSlot.minEditIntervalMs);
    const p = renderStream(textStream(pieces(ANSWER, 8), 100, { firstDelayMs: 4000 }), {
      ...options(channel, scheduler),
      limits: oneSlot,
      draftId: 5,
    });
    await vi.advanceTimersByTimeAsync(200);
    expect(channel.visible()).toEqual(['⏳']);
    expect(channel.ops[0]).toMatchObject({ op: 'send', text: '⏳' });
    expect(channel.ops[0]!.at).toBeLessThan(100);
    await vi.runAllTimersAsync();
    await p;
    expect(channel.visible()).toEqual([ANSWER]);
    // The failed draft was not tried again for this answer.
    expect(channel.draftCalls).toHaveLength(1);
  });

  it('a draft failing mid-answer continues as one message with the exact text, drafts not retried', async () => {
    const channel = new ControlsChannel((n) => n < 2);
    const scheduler = new ChatScheduler(limits.privateBudget, 300);
    const p = renderStream(textStream(pieces(ANSWER, 4), 400), {
      ...options(channel, scheduler),
      draftId: 6,
    });
    await vi.runAllTimersAsync();
    const out = await p;
    expect(channel.draftCalls).toHaveLength(3);
    const failedAt = channel.draftCalls[2]!.at;
    // The message came right after the failed draft (30 ms of latency), not a slot later.
    const firstSend = channel.ops.find((o) => o.op === 'send')!;
    expect(firstSend.at - failedAt).toBeLessThanOrEqual(60);
    expect(channel.visible()).toEqual([ANSWER]);
    expect(out.refs).toHaveLength(1);
    expect(out.error).toBeUndefined();
  });

  it('refreshes a silent draft before its 30-second preview ends, and shows typing meanwhile', async () => {
    const channel = new ControlsChannel(() => true);
    const scheduler = new ChatScheduler(limits.privateBudget, 300);
    const parts = ['工具 tool ', 'call 🔧 ', 'done ✅'];
    const p = renderStream(withSilence(parts, 100, 1, 95_000), {
      ...options(channel, scheduler),
      draftId: 8,
    });
    await vi.runAllTimersAsync();
    await p;
    const drafts = channel.ops.filter((o) => o.op === 'draft');
    // From the first draft until the answer resumed, no gap reached the 30 s preview.
    const resumedAt = 100 + 95_000;
    const silent = drafts.filter((d) => d.at <= resumedAt);
    for (let i = 1; i < silent.length; i++) expect(silent[i]!.at - silent[i - 1]!.at).toBeLessThan(30_000);
    expect(resumedAt - silent.at(-1)!.at).toBeLessThan(30_000);
    // The refreshes carry the same text: the preview stays as it was.
    expect(silent.filter((d) => d.text === '工具 tool ').length).toBeGreaterThanOrEqual(4);
    // "typing…" repeated through the silence, about every TYPING_EVERY_MS.
    const during = channel.typings.filter((t) => t > 100 && t < resumedAt);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor(95_000 / TYPING_EVERY_MS) - 1);
    expect(during[0]! - 100).toBeGreaterThanOrEqual(TYPING_AFTER_SILENCE_MS);
    expect(channel.visible()).toEqual([parts.join('')]);
  });

  it('shows no typing while the answer streams', async () => {
    const channel = new ControlsChannel();
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const p = renderStream(textStream(pieces(ANSWER, 2), 200), options(channel, scheduler));
    await vi.runAllTimersAsync();
    await p;
    expect(channel.typings).toEqual([]);
    expect(channel.visible()).toEqual([ANSWER]);
  });

  it('a stop ends the answer at once, keeps the text so far and marks it stopped', async () => {
    const channel = new ControlsChannel();
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const stop = new AbortController();
    let closed = false;
    const parts = pieces(ANSWER, 2);
    async function* source(): AsyncGenerator<AnswerPiece> {
      try {
        yield* withSilence(parts, 100, -1, 0, stop.signal);
      } finally {
        closed = true;
      }
    }
    const p = renderStream(source(), {
      ...options(channel, scheduler),
      stop: stop.signal,
      liveButtons: STOP,
      finalButtons: REGENERATE,
    });
    await vi.advanceTimersByTimeAsync(550);
    stop.abort();
    await vi.runAllTimersAsync();
    const out = await p;
    expect(out.stopped).toBe(true);
    expect(out.error).toBeUndefined();
    expect(out.text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(out.text)).toBe(true);
    expect(out.text.length).toBeLessThan(ANSWER.length);
    expect(channel.visible()).toEqual([`${out.text}\n\n⏹ Stopped`]);
    expect(closed).toBe(true);
    // Stopped with text: Regenerate replaces Stop.
    expect(channel.buttons.at(-1)!.buttons).toEqual(REGENERATE);
  });

  it('a stop during a silent tool call does not wait for the tool', async () => {
    const channel = new ControlsChannel();
    const scheduler = new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs);
    const stop = new AbortController();
    async function* source(): AsyncGenerator<AnswerPiece> {
      yield { type: 'text', text: '先说一句 first words 🌱' };
      yield { type: 'status', text: '🔧 make_image' };
      await new Promise(() => {}); // a tool that never returns
    }
    const p = renderStream(source(), { ...options(channel, scheduler, { lang: 'zh' }), stop: stop.signal });
    await vi.advanceTimersByTimeAsync(5000);
    stop.abort();
    await vi.advanceTimersByTimeAsync(3000);
    const out = await p;
    expect(out.stopped).toBe(true);
    expect(channel.visible()).toEqual(['🔧 make_image\n\n先说一句 first words 🌱\n\n⏹ 已停止']);
  });

  it('Stop rides on the growing answer, Regenerate on the finished one', async () => {
    const channel = new ControlsChannel();
    const scheduler = new ChatScheduler(limits.privateBudget, 300);
    const p = renderStream(textStream(pieces(ANSWER, 3), 300), {
      ...options(channel, scheduler),
      liveButtons: STOP,
      finalButtons: REGENERATE,
    });
    await vi.runAllTimersAsync();
    await p;
    const [first, ...rest] = channel.buttons;
    expect(first).toMatchObject({ op: 'send', buttons: STOP });
    const last = rest.pop()!;
    expect(rest.length).toBeGreaterThan(0);
    for (const b of rest) expect(b.buttons).toEqual(STOP);
    expect(last).toMatchObject({ op: 'edit', buttons: REGENERATE });
    expect(channel.visible()).toEqual([ANSWER]);
  });

  it('takes Stop away and offers no Regenerate when nothing was answered', async () => {
    const channel = new ControlsChannel();
    const scheduler = new ChatScheduler(limits.privateBudget, 300);
    const p = renderStream(textStream([], 100, { failWith: new Error('upstream down') }), {
      ...options(channel, scheduler),
      liveButtons: STOP,
      finalButtons: REGENERATE,
    });
    await vi.runAllTimersAsync();
    await p;
    expect(channel.visible()).toEqual(['⚠️ failed: upstream down']);
    expect(channel.buttons.at(-1)).toMatchObject({ op: 'edit', buttons: [] });
  });

  it('drafts offer the platform’s stop button only when the answer can be stopped', async () => {
    const stoppable = new ControlsChannel(() => true);
    const plain = new ControlsChannel(() => true);
    const s1 = new ChatScheduler(limits.privateBudget, 300);
    const s2 = new ChatScheduler(limits.privateBudget, 300);
    const a = renderStream(textStream(pieces(ANSWER, 6), 400), {
      ...options(stoppable, s1),
      draftId: 1,
      stop: new AbortController().signal,
    });
    const b = renderStream(textStream(pieces(ANSWER, 6), 400), { ...options(plain, s2), draftId: 2 });
    await vi.runAllTimersAsync();
    await Promise.all([a, b]);
    expect(stoppable.draftCalls.length).toBeGreaterThan(1);
    expect(stoppable.draftCalls.every((d) => d.canStop)).toBe(true);
    expect(plain.draftCalls.every((d) => !d.canStop)).toBe(true);
    expect(stoppable.visible()).toEqual([ANSWER]);
  });
});
