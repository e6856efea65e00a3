import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnswerPiece } from '../../../src/core/command.js';
import { MessageGoneError } from '../../../src/core/message-gone.js';
import type {
  MessageRef,
  OutgoingMessage,
  PlatformButton,
  PlatformLimits,
} from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { CURSOR } from '../../../src/render/answer-view.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { renderStream } from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { pieces } from '../../helpers/streams.js';

const limits: PlatformLimits = {
  maxChars: 2000,
  maxCaptionChars: 1024,
  maxUploadBytes: 50e6,
  maxDownloadBytes: 20e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 5, perMs: 5000 },
  groupBudget: { count: 20, perMs: 60_000 },
  liveEdits: true,
};

const STOP: PlatformButton[][] = [[{ label: '⏹ Stop', data: 'b:stop' }]];
const REGENERATE: PlatformButton[][] = [[{ label: '🔄 Regenerate', data: 'b:regen' }]];

const ANSWER = Array.from({ length: 40 }, (_, i) => `第${i}句 sentence ${i} 🌊.`).join(' ');

/**
 * A channel whose messages a user can delete: the deleted message refuses edits with
 * MessageGoneError (Discord's 10008, Telegram's "message to edit not found"), and with `reports`
 * the platform tells watchers at once (Discord's MESSAGE_DELETE); without it nobody is told
 * (Telegram). Keeps every message's buttons.
 */
class DeletableChannel extends RecordingChannel {
  readonly deletedIds = new Set<string>();
  readonly buttonsOf = new Map<string, PlatformButton[][] | undefined>();
  readonly #watchers = new Map<string, Set<() => void>>();
  watchDeleted?: (ref: MessageRef, listener: () => void) => () => void;

  constructor(reports: boolean) {
    super(30);
    if (reports) {
      this.watchDeleted = (ref, listener) => {
        const set = this.#watchers.get(ref.messageId) ?? new Set();
        set.add(listener);
        this.#watchers.set(ref.messageId, set);
        return () => set.delete(listener);
      };
    }
  }

  /** The user deletes message `id`. */
  userDeletes(id: string): void {
    this.deletedIds.add(id);
    this.messages.delete(id);
    this.order.splice(this.order.indexOf(id), 1);
    for (const listener of [...(this.#watchers.get(id) ?? [])]) listener();
  }

  watching(id: string): number {
    return this.#watchers.get(id)?.size ?? 0;
  }

  override async send(message: OutgoingMessage): Promise<MessageRef> {
    const ref = await super.send(message);
    this.buttonsOf.set(ref.messageId, message.buttons);
    return ref;
  }

  override async edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    if (this.deletedIds.has(ref.messageId)) {
      this.ops.push({
        op: 'edit',
        at: Date.now(),
        messageId: ref.messageId,
        text: `(refused) ${message.text}`,
      });
      throw new MessageGoneError(ref);
    }
    await super.edit(ref, message);
    if (message.buttons !== undefined) this.buttonsOf.set(ref.messageId, message.buttons);
  }
}

/** An upstream answer that counts how far it was read and whether its reader let go. */
function upstream(parts: string[], gapMs: number) {
  const seen = { read: 0, closed: false };
  async function* gen(): AsyncGenerator<AnswerPiece> {
    try {
      for (const p of parts) {
        await new Promise((r) => setTimeout(r, gapMs));
        seen.read++;
        yield { type: 'text', text: p };
      }
    } finally {
      seen.closed = true;
    }
  }
  return { source: gen(), seen };
}

/** Awaits `p` while fake time runs in small steps (the renderer's pacing and the channel's latency). */
async function finish<T>(p: Promise<T>): Promise<T> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 10_000 && !settled; i++) await vi.advanceTimersByTimeAsync(10);
  return p;
}

function options(channel: DeletableChannel) {
  return {
    channel,
    limits,
    scheduler: new ChatScheduler(limits.privateBudget, limits.minEditIntervalMs),
    lang: 'en' as const,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => `failed: ${e.message}`,
    liveButtons: STOP,
    finalButtons: REGENERATE,
  };
}

describe('renderStream: a deleted answer message', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('stops at once when the platform reports the deletion, and sends nothing more', async () => {
    const channel = new DeletableChannel(true);
    const { source, seen } = upstream(pieces(ANSWER, 6), 100);
    const run = renderStream(source, options(channel));
    await vi.advanceTimersByTimeAsync(2500);
    const id = channel.order[0]!;
    expect(channel.messages.get(id)).toContain('第1句');
    const opsBefore = channel.ops.length;
    const readBefore = seen.read;
    channel.userDeletes(id);
    const deletedAt = Date.now();
    const out = await finish(run);
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(20);
    expect(out).toMatchObject({ deleted: true, stopped: true, error: undefined, refs: [] });
    // The text so far is kept (for history), exactly as it arrived.
    expect(ANSWER.startsWith(out.text)).toBe(true);
    expect(out.text.length).toBeGreaterThan(0);
    expect(out.text.length).toBeLessThan(ANSWER.length);
    await vi.advanceTimersByTimeAsync(10_000);
    // Nothing was sent or edited after the deletion: no new message with the answer.
    expect(channel.ops.length).toBe(opsBefore);
    expect(channel.visible()).toEqual([]);
    // The renderer let go of the source at its next piece (the caller also aborts the request).
    expect(seen.read).toBeLessThanOrEqual(readBefore + 1);
    expect(seen.closed).toBe(true);
    expect(channel.watching(id)).toBe(0);
  });

  it('stops at the first edit that finds the message gone where nobody reports it (Telegram)', async () => {
    const channel = new DeletableChannel(false);
    const { source, seen } = upstream(pieces(ANSWER, 6), 100);
    const run = renderStream(source, options(channel));
    await vi.advanceTimersByTimeAsync(2500);
    const id = channel.order[0]!;
    channel.userDeletes(id);
    const out = await finish(run);
    expect(out).toMatchObject({ deleted: true, stopped: true, error: undefined });
    expect(ANSWER.startsWith(out.text)).toBe(true);
    // One edit was refused; then nothing: no message sent again, no further edit.
    const after = channel.ops.filter((o) => o.at >= 2500);
    expect(after.map((o) => o.op)).toEqual(['edit']);
    expect(after[0]!.text.startsWith('(refused)')).toBe(true);
    expect(channel.ops.filter((o) => o.op === 'send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(channel.ops.filter((o) => o.at >= 2500)).toHaveLength(1);
    expect(seen.read).toBeLessThan(pieces(ANSWER, 6).length);
    expect(seen.closed).toBe(true);
  });

  it('a deleted first message of a long answer leaves the next one without cursor or Stop', async () => {
    const channel = new DeletableChannel(true);
    const long = Array.from({ length: 150 }, (_, i) => `第${i}句 sentence ${i} 🌊.`).join(' ');
    // Slow enough that the answer is still streaming when its second message shows (the chat's
    // budget may hold that send a while): a deletion after the end would stop nothing.
    const { source } = upstream(pieces(long, 40), 200);
    const run = renderStream(source, options(channel));
    await vi.waitFor(
      async () => {
        await vi.advanceTimersByTimeAsync(200);
        expect(channel.order.length).toBe(2);
        expect(channel.messages.get(channel.order[1]!)).toContain('句');
      },
      { timeout: 60_000, interval: 1 },
    );
    const [first, second] = channel.order as [string, string];
    expect(channel.messages.get(second)!.endsWith(CURSOR)).toBe(true);
    channel.userDeletes(first);
    const out = await finish(run);
    expect(out).toMatchObject({ deleted: true, stopped: true, refs: [{ messageId: second }] });
    // The message left shows its text as it was, without the cursor, and without the Stop button.
    const shown = channel.messages.get(second)!;
    expect(shown.endsWith(CURSOR)).toBe(false);
    expect(long.includes(shown)).toBe(true);
    expect(channel.buttonsOf.get(second)).toEqual([]);
    expect(channel.ops.filter((o) => o.op === 'send')).toHaveLength(2);
  });

  it('deleted while the final text is written: not sent again as a new message', async () => {
    const channel = new DeletableChannel(false);
    // The upstream is read from the start: its one piece comes after the placeholder landed (30 ms).
    const { source } = upstream(pieces('短 short 🌱', 20), 50);
    const run = renderStream(source, options(channel));
    // The placeholder goes out; the user deletes it before the (one) final edit.
    await vi.advanceTimersByTimeAsync(35);
    channel.userDeletes(channel.order[0]!);
    const out = await finish(run);
    expect(out).toMatchObject({ deleted: true, stopped: true, text: '短 short 🌱' });
    expect(channel.ops.filter((o) => o.op === 'send')).toHaveLength(1);
    expect(channel.visible()).toEqual([]);
  });

  it('another failed final edit still carries the text in a new message', async () => {
    const channel = new DeletableChannel(false);
    channel.edit = async () => {
      throw new Error('refused for some other reason');
    };
    const { source } = upstream(pieces('Hello 你好 🎉', 20), 10);
    const run = renderStream(source, options(channel));
    await vi.runAllTimersAsync();
    const out = await run;
    expect(out.deleted).toBeUndefined();
    expect(channel.visible()).toEqual(['⏳', 'Hello 你好 🎉']);
  });

  it('the bot’s own deletion of a leftover message is not taken for the user’s', async () => {
    const channel = new DeletableChannel(true);
    channel.delete = async (ref) => {
      channel.ops.push({ op: 'delete', at: Date.now(), messageId: ref.messageId, text: '' });
      channel.userDeletes(ref.messageId);
    };
    // Just under the limit: live, with room kept for the cursor, it takes two messages; the final
    // text fits in one, and the renderer deletes the second itself.
    const text = `🌊 ${'Hello 你好 '.repeat(300)}`.slice(0, 1996);
    async function* gen(): AsyncGenerator<AnswerPiece> {
      for (const p of pieces(text, 100)) {
        await new Promise((res) => setTimeout(res, 50));
        yield { type: 'text', text: p };
      }
      // A pause before the end: the live view (two messages) is shown before the final one.
      await new Promise((res) => setTimeout(res, 3000));
    }
    const run = renderStream(gen(), options(channel));
    await vi.runAllTimersAsync();
    const out = await run;
    expect(out.deleted).toBeUndefined();
    expect(channel.ops.some((o) => o.op === 'delete')).toBe(true);
    expect(channel.visible()).toEqual([text]);
    expect(out.text).toBe(text);
  });
});
