/**
 * The platform contract: one set of tests every adapter passes (design habit 6). Each backend starts
 * the real adapter against its fake (the console on in-memory streams, grammY against FakeTelegram,
 * discord.js against FakeDiscord), drives `adapter.channel(chat)` directly, and reads back what the
 * platform's user sees. What a platform truly cannot do is declared in its backend (`cannot`), and the
 * test is skipped with that reason; what it declares itself (`limits.liveEdits`) sets the expectation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Invocation, MessageRef, OutgoingFile, PlatformButton } from '../../src/core/platform.js';
import { splitMessage } from '../../src/render/split.js';
import { FAKE_MP3, TINY_PNG } from '../fakes/apicore.js';
import { listHeavyAnswer } from '../helpers/list-heavy.js';
import { mixedAnswer } from '../helpers/streams.js';
import { consolePipe, consoleTerminal } from './console-backend.js';
import { discordChannel } from './discord-backend.js';
import type { Backend, Harness, KnownBug, Seen } from './harness.js';
import { within } from './hooks.js';
import { telegramGroup, telegramPrivate } from './telegram-backend.js';

const BACKENDS: Backend[] = [consolePipe, consoleTerminal, telegramPrivate, telegramGroup, discordChannel];

/**
 * ASCII, Chinese, emoji (a ZWJ family, a flag), bold, italic, struck text, a link with `&` in it, inline
 * code with HTML-special characters, and a code block.
 */
const MIXED = [
  'Hello 你好 🌏👨‍👩‍👧🇨🇳 — **bold 粗体**, *italic 斜体*, ~~struck~~ and [APICore 网关](https://api.apicore.ai/v1?a=1&b=2).',
  'Code: `code(1) < 2 && 3 > 2`, snake_case_name & 5 * 3 = 15 ✅',
  '',
  '```ts',
  "const 汉字 = '🎵' as const;",
  '```',
].join('\n');
const FIRST = 'Draft 草稿 ⏳ first version';
const EDITED = '编辑过 edited ✏️ **now bold 现在加粗** and `x => x` 🎉';

const BUTTONS: PlatformButton[][] = [
  [
    { label: 'U1', data: 'mj:upscale:1:task-42' },
    { label: '🔄 再来', data: 'mj:reroll:task-42' },
  ],
  [{ label: 'Stop ⏹', data: 'stop:7' }],
];
const labels = (rows: PlatformButton[][]) => rows.map((row) => row.map((b) => b.label));

const image = (name = 'sunset.png'): OutgoingFile => ({
  kind: 'image',
  name,
  mime: 'image/png',
  data: TINY_PNG,
});
const audio = (): OutgoingFile => ({
  kind: 'audio',
  name: 'rain.mp3',
  mime: 'audio/mpeg',
  data: FAKE_MP3,
  title: 'Rain 雨',
  performer: 'APICore',
  durationSeconds: 3,
});

/** Every character once and in order, whitespace and fence lines (re-opened per part) aside. */
const content = (s: string): string => s.replace(/^[ \t]*(```|~~~).*$/gm, '').replace(/\s+/g, '');
/** The same, list markers aside too (a platform may draw `-` as `•` and number `1.`, `1.` as 1, 2). */
const listContent = (s: string): string => content(s.replace(/^[ \t]*(?:[-*•]|\d+\.)[ \t]+/gm, ''));
const texts = (seen: Seen[]) => seen.map((s) => s.text);

describe.each(BACKENDS)('platform contract: $name', (backend) => {
  let h: Harness;

  beforeEach(async () => {
    h = await backend.start();
  });
  afterEach(async () => {
    const problems = h.problems();
    const failures = h.hooks.failures;
    await h.stop();
    // Every request was one the platform accepts, and every answer the test gave got through.
    expect(problems).toEqual([]);
    expect(failures).toEqual([]);
  });

  /** `it`, or `it.skip` with the platform's reason in the name. */
  const itCan = (reason: string | undefined, name: string, run: () => Promise<void>) =>
    reason ? it.skip(`${name} (skipped: ${reason})`, run) : it(name, run);
  /** `it`, or `it.fails` where a reported adapter bug still breaks this test. */
  const itUnless = (bug: KnownBug) => (backend.knownBugs.includes(bug) ? it.fails : it);

  const inPlace = () => h.adapter.limits(h.chat).liveEdits;

  it('shows a sent message exactly as written: ASCII, Chinese, emoji, bold and code', async () => {
    const since = h.mark();
    const ref = await h.channel().send({ text: MIXED });
    expect(h.view(ref)).toMatchObject({ text: MIXED, buttons: [], files: [], replyTo: undefined });
    expect(texts(since())).toEqual([MIXED]);
  });

  it('shows an edit in place of the old text (a pipe prints it after)', async () => {
    const ch = h.channel();
    const since = h.mark();
    const ref = await ch.send({ text: FIRST });
    await ch.edit(ref, { text: EDITED });
    expect(h.view(ref)?.text).toBe(EDITED);
    if (inPlace()) {
      expect(texts(since())).toEqual([EDITED]);
      expect(h.screen()).not.toContain('first version');
    } else {
      expect(texts(since())).toEqual([FIRST, EDITED]);
    }
  });

  it('takes an unchanged edit without harm', async () => {
    const ch = h.channel();
    const since = h.mark();
    const ref = await ch.send({ text: MIXED });
    await expect(ch.edit(ref, { text: MIXED })).resolves.toBeUndefined();
    expect(h.view(ref)?.text).toBe(MIXED);
    const shown = texts(since());
    if (inPlace()) expect(shown).toEqual([MIXED]);
    else expect(new Set(shown)).toEqual(new Set([MIXED]));
  });

  it('shows an edit of an older message on that message', async () => {
    const ch = h.channel();
    const since = h.mark();
    const older = await ch.send({ text: FIRST });
    const newer = await ch.send({ text: MIXED });
    await ch.edit(older, { text: EDITED });
    expect(h.view(older)?.text).toBe(EDITED);
    expect(h.view(newer)?.text).toBe(MIXED);
    if (inPlace() && !backend.cannot.editOlderInPlace) {
      expect(texts(since())).toEqual([EDITED, MIXED]);
      expect(h.screen()).not.toContain('first version');
    } else {
      expect(texts(since()).at(-1)).toBe(EDITED);
    }
  });

  itUnless('wide-lines-redraw')(
    'replaces all of an edited message whose lines are wider than a terminal line (Chinese)',
    async () => {
      // 72 ideographs: 144 columns, two lines of an 80-column terminal.
      const long = `${'这是一条很长的中文消息，'.repeat(6)}\nsecond line 第二行`;
      const ch = h.channel();
      const since = h.mark();
      const ref = await ch.send({ text: long });
      await ch.edit(ref, { text: 'short 短' });
      expect(h.view(ref)?.text).toBe('short 短');
      if (inPlace()) {
        expect(texts(since())).toEqual(['short 短']);
        expect(h.screen()).not.toContain('这是一条');
      } else {
        expect(texts(since())).toEqual([long, 'short 短']);
      }
    },
  );

  it('delivers a text longer than maxChars, split by splitMessage, as messages that each fit and rejoin', async () => {
    const limits = h.adapter.limits(h.chat);
    const measure = limits.measure ?? ((s: string) => s.length);
    let text = mixedAnswer(8);
    for (let n = 16; measure(text) <= limits.maxChars * 2.5; n *= 2) text = mixedAnswer(n);
    const parts = splitMessage(text, limits.maxChars, limits.measure);
    expect(parts.length).toBeGreaterThanOrEqual(3);

    const ch = h.channel();
    const since = h.mark();
    for (const part of parts) await ch.send({ text: part });
    const seen = since();
    expect(seen).toHaveLength(parts.length);
    for (const [i, s] of seen.entries()) {
      expect(s.length).toBeLessThanOrEqual(limits.maxChars);
      expect(content(s.text)).toBe(content(parts[i]!));
    }
    expect(content(texts(seen).join('\n'))).toBe(content(text));
  });

  it('delivers a list-heavy text (longer rendered than written, on some platforms) split by splitMessage, every part fitting', async () => {
    const limits = h.adapter.limits(h.chat);
    const text = listHeavyAnswer(limits.maxChars * 2.5);
    const parts = splitMessage(text, limits.maxChars, limits.measure);
    expect(parts.length).toBeGreaterThanOrEqual(3);

    const ch = h.channel();
    const since = h.mark();
    for (const part of parts) await ch.send({ text: part });
    const seen = since();
    expect(seen).toHaveLength(parts.length);
    for (const s of seen) expect(s.length).toBeLessThanOrEqual(limits.maxChars);
    expect(listContent(texts(seen).join('\n'))).toBe(listContent(text));
  });

  it('shows buttons in their rows', async () => {
    const ref = await h.channel().send({ text: 'Choose 选择 👇', buttons: BUTTONS });
    expect(h.view(ref)).toMatchObject({ text: 'Choose 选择 👇', buttons: labels(BUTTONS) });
  });

  itCan(
    backend.cannot.press,
    'hands a press back as a button invocation with the same data, from the chat, and its answer arrives',
    async () => {
      const answered = new Set<Invocation>();
      h.hooks.respond = async (inv) => {
        if (inv.event.type === 'button') await inv.channel.send({ text: `pressed ${inv.event.data} ✅` });
      };
      const ref = await h.channel().send({ text: 'Choose 选择 👇', buttons: BUTTONS });
      const since = h.mark();
      for (const button of [BUTTONS[0]![1]!, BUTTONS[1]![0]!]) {
        await h.press(ref, button.label);
        const inv = await h.hooks.next(
          (i) => i.event.type === 'button' && !answered.has(i),
          `the press of "${button.label}"`,
        );
        answered.add(inv);
        expect(inv.event).toEqual({ type: 'button', data: button.data });
        expect(inv.chat).toMatchObject({ platform: h.chat.platform, id: h.chat.id });
        const answer = `pressed ${button.data} ✅`;
        await h.waitFor(() => texts(since()).includes(answer) && !h.busy(), `the answer "${answer}"`);
      }
      // Pressing leaves the message and its buttons as they were.
      expect(h.view(ref)).toMatchObject({ text: 'Choose 选择 👇', buttons: labels(BUTTONS) });
    },
  );

  itCan(backend.cannot.press, 'leaves nothing behind after a press the bot does not answer', async () => {
    const ref = await h.channel().send({ text: 'Choose 选择 👇', buttons: BUTTONS });
    const since = h.mark();
    await h.press(ref, 'U1');
    await h.hooks.next((i) => i.event.type === 'button', 'the press of "U1"');
    // No spinner, no "thinking…", no message: the chat looks as it did.
    await h.waitFor(() => !h.busy(), 'the press to be settled');
    expect(since()).toEqual([]);
    expect(h.view(ref)).toMatchObject({ text: 'Choose 选择 👇', buttons: labels(BUTTONS) });
  });

  itCan(
    backend.cannot.pressOlderOfSameLabel,
    "hands back the older message's data when a newer message shows the same label",
    async () => {
      const ch = h.channel();
      const older = await ch.send({
        text: 'Grid 1 第一组',
        buttons: [[{ label: 'U1', data: 'mj:u1:task-1' }]],
      });
      await ch.send({ text: 'Grid 2 第二组', buttons: [[{ label: 'U1', data: 'mj:u1:task-2' }]] });
      await h.press(older, 'U1');
      const inv = await h.hooks.next((i) => i.event.type === 'button', 'the press of "U1"');
      expect(inv.event).toEqual({ type: 'button', data: 'mj:u1:task-1' });
    },
  );

  itCan(
    backend.cannot.press,
    'edits, through channel(chat), a message sent in answer to a press',
    async () => {
      const answered = new Promise<MessageRef>((resolve) => {
        h.hooks.respond = async (inv) => {
          if (inv.event.type === 'button') resolve(await inv.channel.send({ text: 'Working 处理中 ⏳' }));
        };
      });
      const ref = await h.channel().send({ text: 'Choose 选择 👇', buttons: BUTTONS });
      const since = h.mark();
      await h.press(ref, 'U1');
      // Kept the way a task keeps its status message.
      const stored = JSON.stringify(await within(answered, 'the answer to the press'));
      await h.waitFor(
        () => texts(since()).includes('Working 处理中 ⏳') && !h.busy(),
        'the answer to be shown and the press settled',
      );
      // Later, the way a task's poller does: through the chat's channel, not the press's.
      await h.channel().edit(JSON.parse(stored) as MessageRef, { text: 'Done 完成 ✅' });
      if (inPlace()) expect(texts(since())).toEqual(['Done 完成 ✅']);
      else expect(texts(since())).toEqual(['Working 处理中 ⏳', 'Done 完成 ✅']);
    },
  );

  it('edits, after a restart, a message the earlier process sent (its MessageRef stored as JSON)', async () => {
    const since = h.mark();
    const stored = JSON.stringify(await h.channel().send({ text: FIRST }));
    await h.restart();
    const ref = JSON.parse(stored) as MessageRef;
    await h.channel().edit(ref, { text: EDITED });
    expect(h.view(ref)?.text).toBe(EDITED);
    if (inPlace() && !backend.cannot.editAfterRestartInPlace) expect(texts(since())).toEqual([EDITED]);
    else expect(texts(since())).toEqual([FIRST, EDITED]);
  });

  itCan(
    backend.cannot.pressAfterRestart,
    'hands a press on a button the earlier process sent to the new one',
    async () => {
      const ref = await h.channel().send({ text: 'Choose 选择 👇', buttons: BUTTONS });
      await h.restart();
      await h.press(ref, '🔄 再来');
      const inv = await h.hooks.next((i) => i.event.type === 'button', 'the press after the restart');
      expect(inv.event).toEqual({ type: 'button', data: 'mj:reroll:task-42' });
    },
  );

  it('shows "typing…" where the channel offers it, and never fails for it', async () => {
    const ch = h.channel();
    if (!ch.typing) {
      expect(h.typings()).toBe(0);
      return;
    }
    await expect(ch.typing()).resolves.toBeUndefined();
    expect(h.typings()).toBe(1);
  });

  it('deletes a message it sent where the channel can (the renderer empties it elsewhere), leaving the others', async () => {
    const ch = h.channel();
    if (!ch.delete) return;
    const kept = await ch.send({ text: FIRST });
    const gone = await ch.send({ text: MIXED, buttons: BUTTONS });
    await ch.delete(gone);
    expect(h.view(gone)).toBeUndefined();
    expect(h.view(kept)?.text).toBe(FIRST);
  });

  it('replaces buttons on an edit, and takes them away with an empty list', async () => {
    const ch = h.channel();
    const ref = await ch.send({ text: 'Choose 选择 👇', buttons: BUTTONS });
    await ch.edit(ref, { text: 'Picked U1 已选', buttons: [[{ label: 'Undo ↩️', data: 'undo:1' }]] });
    expect(h.view(ref)).toMatchObject({ text: 'Picked U1 已选', buttons: [['Undo ↩️']] });
    await ch.edit(ref, { text: 'Done 完成 ✅', buttons: [] });
    expect(h.view(ref)).toMatchObject({ text: 'Done 完成 ✅', buttons: [] });
  });

  it('delivers an image as an image, with its caption and buttons', async () => {
    const caption = '**Sunset** 日落 🌅 over `sea`';
    const ref = await h.channel().send({ text: caption, files: [image()], buttons: BUTTONS });
    const seen = h.view(ref);
    expect(seen?.text).toBe(caption);
    expect(seen?.files.map((f) => f.kind)).toEqual(['image']);
    expect(seen?.buttons).toEqual(labels(BUTTONS));
    for (const f of seen?.files ?? []) if (f.size !== undefined) expect(f.size).toBe(TINY_PNG.length);
  });

  it('delivers a file without text with no caption', async () => {
    const ref = await h.channel().send({ text: '', files: [image('bare.png')] });
    expect(h.view(ref)).toMatchObject({ text: '', files: [{ kind: 'image' }] });
  });

  it('delivers an audio file as audio, with its caption', async () => {
    const caption = '🎵 **Rain 雨** — a song about rain';
    const ref = await h.channel().send({ text: caption, files: [audio()] });
    const seen = h.view(ref);
    expect(seen?.text).toBe(caption);
    expect(seen?.files.map((f) => f.kind)).toEqual(['audio']);
    for (const f of seen?.files ?? []) if (f.size !== undefined) expect(f.size).toBe(FAKE_MP3.length);
  });

  it('delivers several files of one message, each as its kind, and the text once', async () => {
    const since = h.mark();
    await h.channel().send({ text: 'Two files 两个文件 📎', files: [image(), audio()] });
    const seen = since();
    expect(seen.flatMap((s) => s.files.map((f) => f.kind))).toEqual(['image', 'audio']);
    expect(texts(seen).filter((t) => t !== '')).toEqual(['Two files 两个文件 📎']);
  });

  it('delivers a file whose caption is longer than maxCaptionChars with all its text', async () => {
    const limits = h.adapter.limits(h.chat);
    const measure = limits.measure ?? ((s: string) => s.length);
    const target = Math.min(limits.maxCaptionChars + 100, limits.maxChars);
    const line = 'Lyrics 歌词 🎵 la la la. ';
    let caption = '';
    while (measure(`${caption}${line}`.trimEnd()) <= target) caption += line;
    caption = caption.trimEnd();
    const since = h.mark();
    await h.channel().send({ text: caption, files: [image()] });
    const seen = since();
    expect(seen.flatMap((s) => s.files.map((f) => f.kind))).toEqual(['image']);
    expect(texts(seen).filter((t) => t !== '')).toEqual([caption]);
  });

  itCan(backend.cannot.reply, "shows a message with replyTo as a reply to the user's message", async () => {
    const question = await h.userMessage('Question 问题 ❓');
    const ref = await h.channel().send({ text: 'Answer 回答 💡', replyTo: question });
    expect(h.view(ref)).toMatchObject({ text: 'Answer 回答 💡', replyTo: question });
  });

  it('delivers a reply to a message that is gone, unthreaded', async () => {
    const ref = await h.channel().send({ text: 'Answer anyway 照样回答', replyTo: h.missingMessageId });
    expect(h.view(ref)).toMatchObject({ text: 'Answer anyway 照样回答', replyTo: undefined });
  });
});
