import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runRegister } from '../../src/register-discord.js';
import { chatChunks, FAKE_API_KEY, type Scripted, splitCodePoints } from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID, type FakeDiscord } from '../fakes/discord.js';
import { webhookPatches } from '../helpers/discord-app.js';
import { useGuildApp } from '../helpers/discord-fakes.js';

/** One channel per scenario, so their chats' pacing budgets never meet. */
const CH = {
  chat: '1300000000000000011',
  long: '1300000000000000012',
  limited: '1300000000000000013',
  mention: '1300000000000000014',
};
const PLACEHOLDER = '⏳ …';
const CURSOR = ' ▍';

const fx = useGuildApp(CH);

const patchesOf = (token: string) => webhookPatches(fx.discord, token);

/**
 * An answer in two halves half a second apart, then silence before the stream ends: the first
 * half shows at once, the whole text with the cursor a second later, the final text a second
 * after that. Each step has half a second of slack either way.
 */
function slowAnswer(answer: string): Scripted {
  const [, first, second, stop] = chatChunks(answer, { pieces: 2 });
  return { kind: 'sse', events: [first!, second!, stop!], delayMs: 500 };
}

/**
 * What the user sees edit by edit for a {@link slowAnswer}: the first half at once (no placeholder
 * edit: the deferred reply's "thinking…" is the placeholder), maybe the whole text still growing,
 * and the final text (a final edit does not wait out the message's edit interval, so it may
 * replace the growing one).
 */
function expectSlowEdits(edits: string[], answer: string): void {
  const half = splitCodePoints(answer, 2)[0]!;
  expect(edits[0]).toBe(half + CURSOR);
  expect(edits).not.toContain(PLACEHOLDER);
  expect(edits.at(-1)).toBe(answer);
  expect([2, 3]).toContain(edits.length);
  if (edits.length === 3) expect(edits[1]).toBe(answer + CURSOR);
}

const fences = (s: string) => (s.match(/^```/gm) ?? []).length;

describe('Discord: commands and answers', () => {
  it('registers the slash commands in the guild at start, and globally with npm run register', async () => {
    const published = fx.discord.commands(DEFAULT_GUILD_ID);
    expect(published.map((c) => c.name)).toEqual([
      'chat',
      'new',
      'describe',
      'imagine',
      'blend',
      'swapface',
      'shorten',
      'draw',
      'song',
      'lyrics',
      'video',
      'speak',
      'model',
      'system',
      'models',
      'usage',
      'help',
      'Describe image',
      'Ask about this',
    ]);
    expect(published.slice(-2)).toMatchObject([
      { type: 3, name_localizations: { 'zh-CN': '描述图片' } },
      { type: 3, name_localizations: { 'zh-CN': '问问这条消息' } },
    ]);
    const byName = new Map(published.map((c) => [c.name as string, c]));
    expect(byName.get('chat')).toMatchObject({
      description: 'Chat with the AI (remembers the conversation)',
      description_localizations: { 'zh-CN': '与 AI 对话（会记住上下文）' },
      options: [
        { name: 'prompt', type: 3, required: false, max_length: 6000 },
        { name: 'image', type: 11 },
        { name: 'file', type: 11 },
        { name: 'audio', type: 11 },
      ],
    });
    expect(byName.get('describe')?.options).toMatchObject([{ name: 'image', type: 11, required: true }]);
    expect(byName.get('model')?.options).toMatchObject([
      { name: 'name', type: 3, autocomplete: true },
      { name: 'effort' },
      { name: 'verbosity' },
      { name: 'max_tokens' },
    ]);
    const speak = byName.get('speak')?.options as { name: string; required: boolean; choices?: unknown[] }[];
    expect(speak.map((o) => [o.name, o.required])).toEqual([
      ['text', true],
      ['voice', false],
    ]);
    expect(speak[1]?.choices?.[0]).toEqual({
      name: 'alloy',
      name_localizations: { 'zh-CN': 'alloy' },
      value: 'alloy',
    });
    const song = byName.get('song')?.options as { name: string; type: number }[];
    expect(song.find((o) => o.name === 'instrumental')?.type).toBe(5);
    expect(fx.discord.commands()).toEqual([]);

    let out = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const code = await runRegister(
      {
        APICORE_API_KEY: FAKE_API_KEY,
        DISCORD_BOT_TOKEN: fx.discord.token,
        DISCORD_APPLICATION_ID: fx.discord.applicationId,
        DISCORD_API_URL: fx.discord.restBase,
      },
      { dotEnv: false, destination },
    );
    expect(code).toBe(0);
    expect(fx.discord.commands().map((c) => c.name)).toEqual(published.map((c) => c.name));
    expect(out).toContain('slash commands registered');
    expect(out).not.toContain(fx.discord.token);
    const missing = await runRegister({ APICORE_API_KEY: FAKE_API_KEY }, { dotEnv: false, destination });
    expect(missing).toBe(2);
    expect(out).toContain('DISCORD_BOT_TOKEN is missing');
  });

  it('/chat: deferred at once, the answer streams in paced edits, a reply continues the conversation', async () => {
    const answer = '你好！Hello 👋 这是流式回答 streamed, edit by edit ✨';
    fx.apicore.enqueue('POST /v1/chat/completions', slowAnswer(answer));
    const { id, token } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: '你好 hello 👋' },
      channelId: CH.chat,
      locale: 'zh-CN',
    });
    const original = await fx.discord.waitFor((d) => {
      const o = d.interaction(id).original;
      return o?.content === answer ? o : undefined;
    }, 6000);
    const rec = fx.discord.interaction(id);
    expect(rec.callbacks.map((c) => [c.type, c.status])).toEqual([[5, 204]]);
    expect(rec.callbacks[0]!.at - rec.dispatchedAt).toBeLessThan(1000);
    // No placeholder edit: the first PATCH carries the first words, then edits at most one a second.
    expectSlowEdits(original.edits, answer);
    expect(rec.followUps).toEqual([]);
    // Intermediate edits at most one a second; the final one as soon as the answer is complete.
    const patches = patchesOf(token);
    expect((patches[0]!.body as { content: string }).content).toBe(original.edits[0]);
    const times = patches.map((c) => c.at);
    expect(times.length).toBe(original.edits.length);
    if (times.length === 3) expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(900);

    // Replying to the answer continues its conversation, answered as a Discord reply.
    const asked = fx.discord.messageCreate({
      channelId: CH.chat,
      content: '再说一遍 say it again 🔁',
      referencedMessageId: original.id,
    });
    const reply = await fx.discord.waitFor(
      (d) =>
        d
          .channelMessages(CH.chat)
          .find(
            (m) =>
              m.message_reference?.message_id === asked.id &&
              !m.content.endsWith(CURSOR) &&
              m.content !== PLACEHOLDER,
          ),
      5000,
    );
    expect(reply.content).toBe('Echo: Tester: 再说一遍 say it again 🔁');
    const second = fx.apicore.requestsTo('POST', '/v1/chat/completions').at(-1)?.json as {
      messages: { role: string; content: string }[];
    };
    expect(second.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Tester: 你好 hello 👋'],
      ['assistant', answer],
      ['user', 'Tester: 再说一遍 say it again 🔁'],
    ]);
  });

  it('an answer over 2000 characters continues in follow-ups without breaking the code block', async () => {
    const code = Array.from({ length: 90 }, (_, i) => `const v${i} = '值 ${i} 🚀'; // line ${i}`).join('\n');
    const answer = `代码 Code 📘:\n\n\`\`\`ts\n${code}\n\`\`\`\n\n结尾 The end ✅`;
    expect(answer.length).toBeGreaterThan(3000);
    fx.apicore.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(answer, { pieces: 8 }),
    });
    const { id } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: 'long code 长代码' },
      channelId: CH.long,
    });
    const rec = await fx.discord.waitFor((d) => {
      const r = d.interaction(id);
      return r.followUps.at(-1)?.content.endsWith('结尾 The end ✅') ? r : undefined;
    }, 8000);
    const parts = [rec.original!.content, ...rec.followUps.map((m) => m.content)];
    expect(parts).toHaveLength(2);
    for (const part of parts) {
      expect([...part].length).toBeLessThanOrEqual(2000);
      expect(fences(part) % 2).toBe(0);
    }
    expect(parts[1]!.startsWith('```ts\n')).toBe(true);
    const plain = (s: string) => s.replace(/^```.*$/gm, '').replace(/\s+/g, '');
    expect(plain(parts.join('\n'))).toBe(plain(answer));
    expect(rec.followUps[0]!.edits).toEqual([]);
  });

  it('a 429 on an edit mid-stream is waited out by discord.js and the final text is exact', async () => {
    const answer = '限速 Rate limits ⏱️ are respected; 最终文本完整 🎯';
    fx.apicore.enqueue('POST /v1/chat/completions', slowAnswer(answer));
    const { id, token } = fx.discord.slashCommand({
      name: 'chat',
      options: { prompt: 'rate 限速' },
      channelId: CH.limited,
    });
    // Deferred; the first words come half a second later, as the first PATCH.
    await fx.discord.waitFor((d) => d.interaction(id).callbacks.length === 1);
    fx.discord.failNext('PATCH /webhooks/*', { status: 429, retryAfterSeconds: 0.2 });
    const original = await fx.discord.waitFor((d) => {
      const o = d.interaction(id).original;
      return o?.content === answer ? o : undefined;
    }, 6000);
    expect(patchesOf(token).map((c) => c.status)).toEqual([429, ...original.edits.map(() => 200)]);
    expectSlowEdits(original.edits, answer);
  });

  it('model autocomplete answers within 3 s from /v1/models, filtered, and cached', async () => {
    const before = fx.apicore.requestsTo('GET', '/v1/models').length;
    const first = fx.discord.autocomplete({ name: 'model', focused: { name: 'name', value: 'GPT' } });
    const choices = await fx.discord.waitFor((d) => d.interaction(first.id).choices);
    expect(choices).toEqual([
      { name: 'gpt-4o-mini', value: 'gpt-4o-mini' },
      { name: 'gpt-4o', value: 'gpt-4o' },
      { name: 'gpt-image-1', value: 'gpt-image-1' },
    ]);
    const rec = fx.discord.interaction(first.id);
    expect(rec.callbacks.map((c) => [c.type, c.status])).toEqual([[8, 204]]);
    expect(rec.callbacks[0]!.at - rec.dispatchedAt).toBeLessThan(2500);
    const again = fx.discord.autocomplete({ name: 'model', focused: { name: 'name', value: 'gpt' } });
    expect(await fx.discord.waitFor((d) => d.interaction(again.id).choices)).toEqual(choices);
    expect(fx.apicore.requestsTo('GET', '/v1/models').length).toBe(before + 1);
  });

  it('mentioning the bot starts a thread for the conversation, and the thread continues it', async () => {
    fx.discord.messageCreate({
      channelId: CH.mention,
      content: `<@${fx.discord.botUserId}> 讲个笑话 tell a joke 😄`,
      mentions: [fx.discord.botUser],
    });
    const thread = await fx.discord.waitFor((d) => d.threads().find((t) => t.parentId === CH.mention));
    expect(thread.name).toBe('讲个笑话 tell a joke 😄');
    const final = (text: string) => (d: FakeDiscord) =>
      d.channelMessages(thread.id).find((m) => m.content === `Echo: Tester: ${text}`);
    await fx.discord.waitFor(final('讲个笑话 tell a joke 😄'), 4000);
    fx.discord.messageCreate({ channelId: thread.id, content: '再来一个 another one 🙏' });
    const second = await fx.discord.waitFor(final('再来一个 another one 🙏'), 8000); // the channel's 5-per-5-s budget may hold the second answer back
    expect(second.channelId).toBe(thread.id);
    const body = fx.apicore.requestsTo('POST', '/v1/chat/completions').at(-1)?.json as {
      messages: { role: string; content: string }[];
    };
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[0]?.content).toBe('Tester: 讲个笑话 tell a joke 😄');
    // Nothing was posted in the channel itself.
    expect(fx.discord.channelMessages(CH.mention)).toEqual([]);
  });
});

describe('Discord: hygiene', () => {
  it('logs carry no API key, bot token or interaction token; neither fake saw anything unexpected', () => {
    const logs = fx.run.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(FAKE_API_KEY);
    expect(logs).not.toContain(fx.discord.token);
    for (const i of fx.discord.interactions()) expect(logs).not.toContain(i.token);
    expect(fx.discord.unexpected).toEqual([]);
    expect(fx.apicore.unexpected).toEqual([]);
    expect(fx.apicore.remainingQueued()).toEqual([]);
  });
});
