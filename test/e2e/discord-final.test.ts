import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/render/split.js';
import { chatChunks } from '../fakes/apicore.js';
import type { InteractionRecord } from '../fakes/discord/types.js';
import { useGuildApp } from '../helpers/discord-fakes.js';

/** One channel per scenario, so their chats' pacing budgets never meet. */
const CH = {
  open: '1300000000000000021',
  shrink: '1300000000000000022',
  expired: '1300000000000000023',
};
const CURSOR = ' ▍';
/** Room the live view keeps for the cursor and a repaired fence (stream-to-edits LIVE_RESERVE_CHARS). */
const LIVE_RESERVE_CHARS = 8;

const fx = useGuildApp(CH);

const fences = (s: string) => (s.match(/^```/gm) ?? []).length;

/** The answer's messages as the channel shows them now: the original response, then live follow-ups. */
function visible(rec: InteractionRecord): string[] {
  return [rec.original, ...rec.followUps].filter((m) => m && !m.deleted).map((m) => m!.content);
}

describe('Discord: exact final messages', () => {
  it('a 5,000-character answer ending inside a code block arrives with balanced fences', async () => {
    let code = '';
    for (let i = 0; code.length < 5000; i++) code += `print("第 ${i} 行 line 🐍✨")  # 注释\n`;
    const answer = `代码如下 Here is the code 🚀:\n\n\`\`\`py\n${code.trimEnd()}`;
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    const [, ...events] = chatChunks(answer, { pieces: 3 });
    fx.apicore.enqueue('POST /v1/chat/completions', { kind: 'sse', events, delayMs: 50 });
    const { id } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: '写一段代码 write code 🐍' },
      channelId: CH.open,
    });
    const plain = (s: string) => s.replace(/^```.*$/gm, '').replace(/\s+/g, '');
    // The final pass: the whole answer shown, no cursor left.
    const rec = await fx.discord.waitFor((d) => {
      const r = d.interaction(id);
      const shown = visible(r);
      return !shown.some((m) => m.includes(CURSOR.trim())) && plain(shown.join('\n')) === plain(answer)
        ? r
        : undefined;
    }, 15_000);
    const parts = visible(rec);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect([...part].length).toBeLessThanOrEqual(2000);
      expect(fences(part) % 2).toBe(0);
    }
    expect(parts.slice(1).every((p) => p.startsWith('```py\n'))).toBe(true);
    // The model never closed its block: the last message closes it.
    expect(parts.at(-1)!.endsWith('\n```')).toBe(true);
    expect(fx.discord.unexpected).toEqual([]);
  }, 20_000);

  it('deletes a live message the final split no longer needs', async () => {
    // Words with spaces: the live view (room kept for the cursor) needs 3 messages, the final one 2.
    let answer = '';
    for (let i = 0; answer.length < 3990; i++) answer += `词${i} word${i} 🌟 `;
    answer = answer.slice(0, 3990).trimEnd();
    expect(splitMessage(answer, 2000 - LIVE_RESERVE_CHARS)).toHaveLength(3);
    const final = splitMessage(answer, 2000);
    expect(final).toHaveLength(2);
    // The whole text arrives at once, then two seconds of silence: the live view shows it in 3
    // messages (one request a second) before the stream ends.
    const [, content, stop] = chatChunks(answer, { pieces: 1 });
    fx.apicore.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [content!, stop!],
      delayMs: 2000,
    });
    const { id, token } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: '说很多话 say a lot 🗣️' },
      channelId: CH.shrink,
    });
    const rec = await fx.discord.waitFor((d) => {
      const r = d.interaction(id);
      return r.followUps.length === 2 && r.followUps[1]!.deleted ? r : undefined;
    }, 20_000);
    const leftover = rec.followUps[1]!;
    // It was a live message, with the cursor, before the final pass removed it.
    expect(leftover.content.endsWith(CURSOR)).toBe(true);
    expect(
      fx.discord.calls.some(
        (c) =>
          c.method === 'DELETE' &&
          c.path === `/webhooks/${fx.discord.applicationId}/${token}/messages/${leftover.id}` &&
          c.status === 204,
      ),
    ).toBe(true);
    const done = await fx.discord.waitFor((d) => {
      const shown = visible(d.interaction(id));
      return shown.length === 2 && shown[1] === final[1] && shown[0] === final[0] ? shown : undefined;
    }, 10_000);
    expect(done).toEqual(final);
    expect(fx.discord.unexpected).toEqual([]);
  }, 30_000);

  it('deletes the leftover as a channel message once the interaction token is gone', async () => {
    let answer = '';
    for (let i = 0; answer.length < 3990; i++) answer += `字${i} token${i} ⌛ `;
    answer = answer.slice(0, 3990).trimEnd();
    expect(splitMessage(answer, 2000 - LIVE_RESERVE_CHARS)).toHaveLength(3);
    const final = splitMessage(answer, 2000);
    expect(final).toHaveLength(2);
    const [, content, stop] = chatChunks(answer, { pieces: 1 });
    fx.apicore.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [content!, stop!],
      delayMs: 3000,
    });
    const { id, token } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: '慢慢说 take your time 🐢' },
      channelId: CH.expired,
    });
    // The live view is in 3 messages; then the token dies before the answer ends.
    await fx.discord.waitFor((d) => d.interaction(id).followUps.length === 2, 20_000);
    fx.discord.expireToken(token);
    const rec = await fx.discord.waitFor((d) => {
      const r = d.interaction(id);
      return r.followUps[1]!.deleted ? r : undefined;
    }, 20_000);
    const leftover = rec.followUps[1]!;
    expect(
      fx.discord.calls.some(
        (c) =>
          c.method === 'DELETE' &&
          c.path === `/channels/${CH.expired}/messages/${leftover.id}` &&
          c.status === 204,
      ),
    ).toBe(true);
    // The final text continues in channel messages, whole.
    const posted = await fx.discord.waitFor((d) => {
      const texts = d
        .channelMessages(CH.expired)
        .filter((m) => !m.deleted)
        .map((m) => m.content);
      return texts.length === 2 ? texts : undefined;
    }, 10_000);
    expect(posted).toEqual(final);
  }, 45_000);
});
