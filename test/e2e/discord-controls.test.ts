import { describe, expect, it, vi } from 'vitest';
import { chatChunks, TINY_PNG } from '../fakes/apicore.js';
import type { FakeDiscord, StoredMessage } from '../fakes/discord.js';
import { useGuildApp } from '../helpers/discord-fakes.js';

/** One channel per scenario, so their chats' pacing budgets never meet. */
const CH = {
  stop: '1300000000000000051',
  regenerate: '1300000000000000052',
  describe: '1300000000000000053',
  ask: '1300000000000000054',
  role: '1300000000000000055',
  refusal: '1300000000000000056',
};

const ANSWER = '你好 👋 Hello from the bot. 这是一个回答 🎉 with plain words.';
const SECOND = '第二个回答 second answer ✅ 🚀';
const LONG = Array.from({ length: 16 }, (_, i) => `第${i}句 sentence ${i} 🌊.`).join(' ');

const fx = useGuildApp(CH);

type Row = { components: { label: string; custom_id: string }[] };
const buttons = (m: StoredMessage | undefined) =>
  ((m?.components as Row[] | undefined) ?? []).flatMap((row) => row.components);
const button = (m: StoredMessage | undefined, label: string) => buttons(m).find((b) => b.label === label);
const chatBodies = () =>
  fx.apicore
    .requestsTo('POST', '/v1/chat/completions')
    .map((r) => r.json as { messages: { role: string; content: unknown }[] });
const ephemeral = (d: FakeDiscord, id: string) =>
  d.interaction(id).followUps.find((m) => (m.flags & 64) !== 0)?.content;

// Sequential: the fake APICore's scripted answers are taken in order.
describe('Discord: answer controls and message commands', () => {
  it('Stop under a growing /chat answer closes the upstream request and keeps the text', async () => {
    const before = fx.apicore.requestsTo('POST', '/v1/chat/completions').length;
    fx.apicore.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(LONG, { pieces: 40 }),
      delayMs: 150,
    });
    const { id } = fx.discord.slashCommand({
      channelId: CH.stop,
      name: 'chat',
      options: { prompt: '长故事 a long story 📖' },
    });
    const growing = await fx.discord.waitFor((d) => {
      const m = d.interaction(id).original;
      return m?.content.includes('第1句') && button(m, '⏹ Stop') ? m : undefined;
    }, 10_000);
    const press = fx.discord.pressButton({
      messageId: growing.id,
      customId: button(growing, '⏹ Stop')!.custom_id,
    });
    const final = await fx.discord.waitFor((d) => {
      const m = d.interaction(id).original;
      return m?.content.endsWith('⏹ Stopped') ? m : undefined;
    }, 10_000);
    const kept = final.content.slice(0, -'\n\n⏹ Stopped'.length);
    expect(LONG.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(LONG.length);
    expect(kept.length).toBeGreaterThan(0);
    // Stopped with text: it can be asked again.
    expect(buttons(final).map((b) => b.label)).toEqual(['🔄 Regenerate']);
    await vi.waitFor(() =>
      expect(fx.apicore.requestsTo('POST', '/v1/chat/completions')[before]!.closedByClient).toBe(true),
    );
    // The press said nothing in the channel, not even "thinking…": a deferred update (type 6),
    // no follow-up, and the answer it stopped is still there.
    const pressed = fx.discord.interaction(press.id);
    expect(pressed.callbacks.map((c) => [c.type, c.status])).toEqual([[6, 204]]);
    expect(pressed.followUps).toEqual([]);
    expect(pressed.original?.id).toBe(growing.id);
    expect(pressed.original?.deleted).toBe(false);
    expect(fx.discord.channelMessages(CH.stop).filter((m) => m.interactionId === press.id)).toEqual([]);
  });

  it('Regenerate answers the same turn again', async () => {
    fx.apicore.enqueue(
      'POST /v1/chat/completions',
      { kind: 'sse', events: chatChunks(ANSWER, { pieces: 3 }), delayMs: 20 },
      { kind: 'sse', events: chatChunks(SECOND, { pieces: 3 }), delayMs: 20 },
    );
    const before = chatBodies().length;
    const { id } = fx.discord.slashCommand({
      channelId: CH.regenerate,
      name: 'chat',
      options: { prompt: 'What is 2+2? 二加二等于几？🤔' },
    });
    const first = await fx.discord.waitFor((d) => {
      const m = d.interaction(id).original;
      return m?.content === ANSWER && button(m, '🔄 Regenerate') ? m : undefined;
    }, 10_000);
    const press = fx.discord.pressButton({
      messageId: first.id,
      customId: button(first, '🔄 Regenerate')!.custom_id,
      locale: 'zh-CN',
    });
    const again = await fx.discord.waitFor((d) => {
      const m = d.interaction(press.id).original;
      return m?.content === SECOND ? m : undefined;
    }, 10_000);
    expect(buttons(again).map((b) => b.label)).toEqual(['🔄 重新生成']);
    // Asked again with the same history: the question alone.
    const bodies = chatBodies();
    expect(bodies.length).toBe(before + 2);
    expect(bodies[before + 1]!.messages).toEqual(bodies[before]!.messages);
  });

  it('"Describe image" on a message sends its image bytes to Midjourney and posts the four prompts', async () => {
    const posted = fx.discord.messageCreate({
      channelId: CH.describe,
      content: '看看这张图 look at this 🌃',
      attachments: [{ filename: '夜景 night 🌃.png', contentType: 'image/png', data: TINY_PNG }],
    });
    const { id } = fx.discord.messageCommand({ name: 'Describe image', messageId: posted.id });
    const prompts = await fx.discord.waitFor(
      (d) =>
        d.channelMessages(CH.describe).find((m) => m.content.startsWith('🖼️ Four prompts for this image:')),
      15_000,
    );
    await fx.discord.waitFor((d) => d.interaction(id).original?.content === '✅ Midjourney · done', 15_000);
    const submit = fx.apicore.requestsTo('POST', '/mj/submit/describe').at(-1)?.json as { base64: string };
    expect(submit.base64).toBe(`data:image/png;base64,${TINY_PNG.toString('base64')}`);
    expect(prompts.content).toContain('4️⃣ 雨中的城市 city in the rain');
  });

  it('"Ask about this" asks the chat about the message’s text and image', async () => {
    const posted = fx.discord.messageCreate({
      channelId: CH.ask,
      content: '这是什么猫？ what cat is this 🐱',
      attachments: [{ filename: 'cat 猫.png', contentType: 'image/png', data: TINY_PNG }],
    });
    const { id } = fx.discord.messageCommand({ name: 'Ask about this', messageId: posted.id });
    const answer = await fx.discord.waitFor((d) => {
      const m = d.interaction(id).original;
      return m && !(m.flags & 128) && m.content.startsWith('Echo:') ? m : undefined;
    }, 10_000);
    expect(answer.content).toContain('这是什么猫？ what cat is this 🐱');
    const body = JSON.stringify(chatBodies().at(-1)?.messages);
    expect(body).toContain('这是什么猫？ what cat is this 🐱');
    expect(body).toContain(`data:image/png;base64,${TINY_PNG.toString('base64')}`);
  });

  it('a mention of the bot’s managed role starts the conversation', async () => {
    const role = fx.discord.botRoleId();
    fx.discord.messageCreate({
      channelId: CH.role,
      content: `<@&${role}> 讲个笑话 tell a joke 😄`,
      roleMentions: [role],
    });
    const thread = await fx.discord.waitFor((d) => d.threads().find((t) => t.parentId === CH.role), 4000);
    expect(thread.name).toBe('讲个笑话 tell a joke 😄');
    await fx.discord.waitFor(
      (d) => d.channelMessages(thread.id).find((m) => m.content === 'Echo: Tester: 讲个笑话 tell a joke 😄'),
      8000,
    );
    // Another role's mention is no mention of the bot.
    const other = fx.discord.messageCreate({
      channelId: CH.role,
      content: '<@&1300000000000000999> 不是你 not you 🙅',
      roleMentions: ['1300000000000000999'],
    });
    expect(other.delivered).toBe(true);
    // The gateway delivers in order: once a later mention is answered, the other was seen and left.
    fx.discord.messageCreate({
      channelId: thread.id,
      content: `<@${fx.discord.botUserId}> 再来一个 another one 🙏`,
      mentions: [fx.discord.botUser],
    });
    await fx.discord.waitFor(
      (d) => d.channelMessages(thread.id).find((m) => m.content === 'Echo: Tester: 再来一个 another one 🙏'),
      8000,
    );
    expect(JSON.stringify(chatBodies())).not.toContain('不是你');
    expect(fx.discord.threads().filter((t) => t.parentId === CH.role)).toHaveLength(1);
  });

  it('a refusal after a public defer is an ephemeral follow-up, and the public "thinking…" goes', async () => {
    const { id } = fx.discord.slashCommand({ channelId: CH.refusal, name: 'chat', locale: 'zh-CN' });
    const told = await fx.discord.waitFor((d) => ephemeral(d, id), 4000);
    expect(told.length).toBeGreaterThan(0);
    expect(fx.discord.interaction(id).original?.deleted).toBe(true);
    // Nothing public stayed behind in the channel.
    expect(fx.discord.channelMessages(CH.refusal).filter((m) => !m.deleted && (m.flags & 64) === 0)).toEqual(
      [],
    );
  });
});
