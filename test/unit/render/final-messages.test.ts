import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlatformLimits } from '../../../src/core/platform.js';
import { silentLogger } from '../../../src/log.js';
import { ChatScheduler } from '../../../src/render/scheduler.js';
import { closeFinalFence, openFenceAt, splitMessage } from '../../../src/render/split.js';
import { LEFTOVER_TEXT, renderStream } from '../../../src/render/stream-to-edits.js';
import { RecordingChannel } from '../../helpers/recording-channel.js';
import { pieces, textStream } from '../../helpers/streams.js';

/** Discord-like: 2,000 characters a message, a generous budget so only the text matters. */
const limits: PlatformLimits = {
  maxChars: 2000,
  maxCaptionChars: 2000,
  maxUploadBytes: 8e6,
  maxDownloadBytes: 8e6,
  minEditIntervalMs: 50,
  privateBudget: { count: 100, perMs: 1000 },
  groupBudget: { count: 100, perMs: 1000 },
  liveEdits: true,
};

function options(channel: RecordingChannel, l = limits) {
  return {
    channel,
    limits: l,
    scheduler: new ChatScheduler(l.privateBudget, l.minEditIntervalMs),
    lang: 'en' as const,
    log: silentLogger(),
    placeholder: '⏳',
    emptyText: '(empty)',
    errorText: (e: Error) => `failed: ${e.message}`,
  };
}

const fences = (s: string) => (s.match(/^ *(```|~~~)/gm) ?? []).length;

/** About 5,000 characters: prose, then a code block the model never closes. */
function openCodeAnswer(): string {
  const intro = '这是代码 Here is the code 🚀，请看：\n\n```ts\n';
  let code = '';
  for (let i = 0; intro.length + code.length < 5000; i++) {
    code += `const 变量${i} = "hello 世界 🎉👨‍👩‍👧 ${i}"; // 注释 comment\n`;
  }
  return `${intro}${code.trimEnd()}`;
}

describe('final messages', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('closes a fence the model left open, on a line of its own', () => {
    expect(closeFinalFence('说明\n```py\nprint("你好 🐍")')).toBe('说明\n```py\nprint("你好 🐍")\n```');
    expect(closeFinalFence('~~~\ncode 代码 ✅\n')).toBe('~~~\ncode 代码 ✅\n~~~');
    expect(closeFinalFence('```\nclosed 关闭 👍\n```')).toBe('```\nclosed 关闭 👍\n```');
    expect(closeFinalFence('no code 没有代码 🙂')).toBe('no code 没有代码 🙂');
  });

  it('a 5,000-character answer cut inside a code block: every message has balanced fences', async () => {
    const answer = openCodeAnswer();
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    expect(openFenceAt(answer)).toBe('```ts');
    const channel = new RecordingChannel(5, { deletes: true });
    const p = renderStream(textStream(pieces(answer, 40), 10), options(channel));
    await vi.runAllTimersAsync();
    const out = await p;
    const shown = channel.visible();
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const m of shown) {
      expect(m.length).toBeLessThanOrEqual(limits.maxChars);
      expect(fences(m) % 2).toBe(0);
      expect(openFenceAt(m)).toBeNull();
    }
    expect(shown.slice(1).every((m) => m.startsWith('```ts\n'))).toBe(true);
    expect(shown.at(-1)!.endsWith('\n```')).toBe(true);
    // Without the repaired fences, the messages are exactly the answer.
    const stripped = shown.map((m, i) => (i > 0 ? m.slice('```ts\n'.length) : m).replace(/\n```$/, ''));
    expect(stripped.join('')).toBe(answer);
    expect(out.text).toBe(answer);
    expect(out.refs).toHaveLength(shown.length);
  });

  it('a stopped answer inside an open code block: the stopped line is outside the block', async () => {
    const channel = new RecordingChannel(5);
    const stop = new AbortController();
    const answer = '代码 code 🧪:\n```js\nconsole.log("停 stop 🛑");';
    const p = renderStream(textStream([...pieces(answer, 10), ' // more'], 100), {
      ...options(channel),
      stop: stop.signal,
    });
    await vi.advanceTimersByTimeAsync(100 * (pieces(answer, 10).length + 0.5));
    stop.abort();
    await vi.runAllTimersAsync();
    await p;
    const [last] = channel.visible();
    expect(last).toBe(`${answer}\n\`\`\`\n\n⏹ Stopped`);
  });

  it('while the answer grows inside a code block, the cursor sits under the repaired fence', async () => {
    const channel = new RecordingChannel(5);
    const code = '```py\nprint("你好 🐍")\nprint("world 🌍")';
    const p = renderStream(textStream([...pieces(code, 12), '\n```\n完成 done ✅'], 200), options(channel));
    await vi.runAllTimersAsync();
    await p;
    const live = channel.ops.filter((o) => o.op === 'edit' && o.text.includes('print(') && o.text !== code);
    const growing = live.filter((o) => o.text.endsWith(' ▍') && !o.text.includes('完成'));
    expect(growing.length).toBeGreaterThan(0);
    for (const op of growing) {
      // The closing marker stands alone on its line, so it closes the block; the cursor is below.
      expect(op.text.endsWith('\n```\n ▍')).toBe(true);
      expect(openFenceAt(op.text)).toBeNull();
    }
    expect(channel.visible()).toEqual([`${code}\n\`\`\`\n完成 done ✅`]);
  });

  describe('a live view of 3 messages whose final split is 2', () => {
    /** Live messages keep room for the cursor, so this answer shows in 3 while growing and ends in 2. */
    const small: PlatformLimits = { ...limits, maxChars: 100, maxCaptionChars: 100 };
    const answer = Array.from({ length: 24 }, (_, i) => `词${i} w${i} 🌟`)
      .join(' ')
      .slice(0, 196);
    /** The whole answer shows (with the cursor) before the stream ends with an empty piece. */
    const stream = () => textStream([...pieces(answer, 30), ''], 200);

    it('has 3 live chunks and 2 final ones (the premise)', () => {
      expect(splitMessage(answer, small.maxChars - 8)).toHaveLength(3);
      expect(splitMessage(answer, small.maxChars)).toHaveLength(2);
    });

    it('deletes the third message', async () => {
      const channel = new RecordingChannel(5, { deletes: true });
      const p = renderStream(stream(), options(channel, small));
      await vi.runAllTimersAsync();
      const out = await p;
      expect(channel.ops.filter((o) => o.op === 'send')).toHaveLength(3);
      const deletes = channel.ops.filter((o) => o.op === 'delete');
      expect(deletes.map((o) => o.messageId)).toEqual(['3']);
      expect(channel.visible()).toEqual(splitMessage(answer, small.maxChars));
      expect(out.refs.map((r) => r.messageId)).toEqual(['1', '2']);
      // Nothing touched the deleted message afterwards.
      const at = channel.ops.indexOf(deletes[0]!);
      expect(channel.ops.slice(at + 1).some((o) => o.messageId === '3')).toBe(false);
    });

    it('empties it where the platform cannot delete', async () => {
      const channel = new RecordingChannel(5);
      const p = renderStream(stream(), options(channel, small));
      await vi.runAllTimersAsync();
      const out = await p;
      expect(channel.visible()).toEqual([...splitMessage(answer, small.maxChars), LEFTOVER_TEXT]);
      expect(out.refs).toHaveLength(2);
    });

    it('empties it when the delete is refused', async () => {
      const channel = new RecordingChannel(5, { deletes: true });
      channel.delete = async () => {
        throw new Error('Missing Permissions 权限不足 🚫');
      };
      const p = renderStream(stream(), options(channel, small));
      await vi.runAllTimersAsync();
      const out = await p;
      expect(channel.visible()).toEqual([...splitMessage(answer, small.maxChars), LEFTOVER_TEXT]);
      expect(out.refs).toHaveLength(2);
    });
  });
});
