import { createRequire } from 'node:module';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  GatewayIntentBits,
  type Interaction,
  type Message,
  RESTEvents,
  Routes,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, FakeDiscord, type FakeDiscordOptions } from './discord.js';

let fake: FakeDiscord;
let client: Client;

async function connect(opts: FakeDiscordOptions = {}): Promise<void> {
  fake = await FakeDiscord.start(opts);
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    rest: { api: fake.restBase },
    waitGuildTimeout: 0,
  });
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
}

beforeEach(() => connect());

afterEach(async () => {
  await client.destroy();
  await fake.close();
});

/** Runs `handler` for the next interaction; the promise settles when it finishes (or throws). */
function nextInteraction<T>(handler: (i: Interaction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.once('interactionCreate', (i) => {
      handler(i).then(resolve, reject);
    });
  });
}

describe('FakeDiscord with the real discord.js Client', () => {
  it('logs in over plain JSON (no zlib-sync) and caches the default guild channel', () => {
    expect(() => createRequire(import.meta.url)('zlib-sync')).toThrow();
    expect(fake.identify?.token).toBe(fake.token);
    expect(fake.identify?.compress).toBe(false);
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.user?.username).toBe('apicore-bot');
    expect(client.channels.cache.get(DEFAULT_CHANNEL_ID)?.isTextBased()).toBe(true);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /gateway/bot']);
    expect(fake.calls[0]?.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(fake.unexpected).toEqual([]);
  });

  it('slash command: deferReply + editReply + followUp are recorded', async () => {
    const done = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input command');
      expect(i.commandName).toBe('chat');
      expect(i.options.getString('prompt')).toBe('hi');
      expect(i.channelId).toBe(DEFAULT_CHANNEL_ID);
      expect(i.guildId).toBe(DEFAULT_GUILD_ID);
      expect(i.locale).toBe('zh-CN');
      expect(i.attachmentSizeLimit).toBe(10 * 1024 * 1024);
      await i.deferReply();
      await i.editReply('你好 🌍 done');
      const follow = await i.followUp({ content: 'more' });
      return follow.id;
    });
    const { id } = fake.slashCommand({ name: 'chat', options: { prompt: 'hi' }, locale: 'zh-CN' });
    const followId = await done;

    const rec = fake.interaction(id);
    expect(rec.callbacks.map((c) => [c.type, c.status])).toEqual([[5, 204]]);
    expect(rec.original?.content).toBe('你好 🌍 done');
    expect(rec.original?.edits).toEqual(['你好 🌍 done']);
    expect(rec.original?.flags).toBe(0);
    expect(rec.followUps.map((m) => [m.id, m.content])).toEqual([[followId, 'more']]);
    expect(fake.calls.some((c) => c.rawPath.endsWith('/messages/%40original'))).toBe(true);
    expect(fake.unexpected).toEqual([]);
  });

  it('a 429 on an edit is retried by discord.js and the final content arrives', async () => {
    fake.failNext('PATCH /webhooks/*', { status: 429, retryAfterSeconds: 0.2 });
    let rateLimited = 0;
    client.rest.on(RESTEvents.RateLimited, () => {
      rateLimited++;
    });
    const done = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input command');
      await i.deferReply();
      const started = Date.now();
      await i.editReply('final');
      return Date.now() - started;
    });
    const { id } = fake.slashCommand({ name: 'chat' });
    const elapsed = await done;

    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(rateLimited).toBe(1);
    const patches = fake.calls.filter((c) => c.method === 'PATCH');
    expect(patches.map((c) => c.status)).toEqual([429, 200]);
    expect(fake.interaction(id).original?.content).toBe('final');
    expect(fake.interaction(id).original?.edits).toEqual(['final']);
  });

  it('uploads via editReply({files}) keep the exact bytes', async () => {
    const bytes = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x42]);
    const done = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input command');
      await i.deferReply();
      const msg = await i.editReply({ content: 'here', files: [{ attachment: bytes, name: 'a.mp3' }] });
      return msg.attachments.first()?.url;
    });
    const { id } = fake.slashCommand({ name: 'music' });
    const url = await done;

    const att = fake.interaction(id).original?.attachments[0];
    expect(att?.filename).toBe('a.mp3');
    expect(att?.contentType).toBe('audio/mpeg');
    expect(att?.bytes.equals(bytes)).toBe(true);
    const patch = fake.calls.find((c) => c.method === 'PATCH');
    expect(patch?.files?.[0]?.bytes.equals(bytes)).toBe(true);
    expect(patch?.body).toMatchObject({ content: 'here' });
    expect(url).toBe(att?.url);
    const served = Buffer.from(await (await fetch(url!)).arrayBuffer());
    expect(served.equals(bytes)).toBe(true);
  });

  it('an expired token gives DiscordAPIError 50027', async () => {
    let token = '';
    const done = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input command');
      await i.deferReply();
      fake.expireToken(token);
      return i.editReply('too late').then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    token = fake.slashCommand({ name: 'chat' }).token;
    const error = await done;
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50027);
    expect((error as DiscordAPIError).status).toBe(401);
  });

  it('a second acknowledgement is rejected with 40060', async () => {
    const done = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input command');
      await i.reply('one');
      // Bypass discord.js' own `replied` guard to hit the API like a confused handler would.
      return client.rest
        .post(Routes.interactionCallback(i.id, i.token), {
          body: { type: 4, data: { content: 'two' } },
          auth: false,
        })
        .catch((e: unknown) => e);
    });
    const { id } = fake.slashCommand({ name: 'chat' });
    const error = await done;
    expect((error as DiscordAPIError).code).toBe(40060);
    expect(fake.interaction(id).callbacks.map((c) => c.status)).toEqual([204, 400]);
    expect(fake.interaction(id).original?.content).toBe('one');
  });

  it('registers commands with rest.put and validates them', async () => {
    const body = [
      {
        name: 'chat',
        description: 'Chat with a model',
        description_localizations: { 'zh-CN': '与模型聊天', 'en-US': 'Chat with a model' },
        options: [{ name: 'prompt', description: 'What to ask', type: 3, required: true }],
      },
      { name: 'imagine', description: 'Make an image' },
    ];
    const stored = (await client.rest.put(Routes.applicationCommands(fake.applicationId), { body })) as {
      id: string;
      name: string;
    }[];
    expect(stored.map((c) => c.name)).toEqual(['chat', 'imagine']);
    expect(stored.every((c) => /^\d+$/.test(c.id))).toBe(true);
    expect(fake.commands().map((c) => c.name)).toEqual(['chat', 'imagine']);
    const fetched = (await client.rest.get(Routes.applicationCommands(fake.applicationId))) as unknown[];
    expect(fetched).toHaveLength(2);

    const bad = await client.rest
      .put(Routes.applicationGuildCommands(fake.applicationId, DEFAULT_GUILD_ID), {
        body: [{ name: 'Chat', description: 'x', description_localizations: { zh: '聊天' } }],
      })
      .catch((e: unknown) => e);
    expect((bad as DiscordAPIError).code).toBe(50035);
    expect((bad as DiscordAPIError).rawError).toMatchObject({
      errors: { 0: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } },
    });
    expect(fake.commands(DEFAULT_GUILD_ID)).toEqual([]);
  });

  it('a button press arrives as a ButtonInteraction and deferUpdate + editReply edit the message', async () => {
    const channel = client.channels.cache.get(DEFAULT_CHANNEL_ID);
    if (!channel?.isSendable()) throw new Error('default channel not cached');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary),
    );
    const sent: Message = await channel.send({ content: 'pick', components: [row] });

    const done = nextInteraction(async (i) => {
      if (!i.isButton()) throw new Error('not a button');
      expect(i.customId).toBe('again');
      expect(i.message.id).toBe(sent.id);
      await i.deferUpdate();
      await i.editReply({ content: 'updated', components: [] });
    });
    const { id } = fake.pressButton({ messageId: sent.id, customId: 'again' });
    await done;

    expect(fake.interaction(id).callbacks.map((c) => c.type)).toEqual([6]);
    const [msg] = fake.channelMessages(DEFAULT_CHANNEL_ID);
    expect(msg?.id).toBe(sent.id);
    expect(msg?.content).toBe('updated');
    expect(msg?.components).toEqual([]);
    expect(msg?.edits).toEqual(['updated']);
    expect(() => fake.pressButton({ messageId: sent.id, customId: 'nope' })).toThrow(/no button/);
  });

  it('messageCreate honours intents; autocomplete answers are recorded', async () => {
    const got = new Promise<Message>((resolve) => client.once('messageCreate', resolve));
    const r = fake.messageCreate({ content: `<@${fake.botUserId}> hello`, mentions: [fake.botUser] });
    expect(r).toMatchObject({ delivered: true, contentVisible: true });
    const message = await got;
    expect(message.content).toBe(`<@${fake.botUserId}> hello`);
    expect(message.mentions.users.has(fake.botUserId)).toBe(true);

    const hidden = new Promise<Message>((resolve) => client.once('messageCreate', resolve));
    expect(fake.messageCreate({ content: 'no mention' }).contentVisible).toBe(false);
    expect((await hidden).content).toBe('');

    const done = nextInteraction(async (i) => {
      if (!i.isAutocomplete()) throw new Error('not autocomplete');
      expect(i.options.getFocused(true)).toMatchObject({ name: 'model', value: 'gp' });
      await i.respond([{ name: 'gpt-4o', value: 'gpt-4o' }]);
    });
    const { id } = fake.autocomplete({ name: 'chat', focused: { name: 'model', value: 'gp' } });
    await done;
    expect(fake.interaction(id).choices).toEqual([{ name: 'gpt-4o', value: 'gpt-4o' }]);
  });

  it('content over 2000 code points is rejected like Discord does', async () => {
    const channel = client.channels.cache.get(DEFAULT_CHANNEL_ID);
    if (!channel?.isSendable()) throw new Error('default channel not cached');
    await expect(channel.send('🌍'.repeat(2000))).resolves.toBeTruthy();
    const error = await channel.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect((error as DiscordAPIError).code).toBe(50035);
    expect((error as DiscordAPIError).rawError).toMatchObject({
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
  });

  it('unknown routes answer 404 and land in unexpected; waitFor wakes on requests', async () => {
    const seen = fake.waitFor((f) => f.calls.find((c) => c.path === '/users/@me'));
    const error = await client.rest.get(Routes.user('@me')).catch((e: unknown) => e);
    expect((error as DiscordAPIError).status).toBe(404);
    expect((await seen).status).toBe(404);
    expect(fake.unexpected).toEqual(['GET /users/@me']);
  });

  it('raw REST edges: auth, rate-limit headers, late acknowledgement, global 429 body', async () => {
    await client.destroy();
    await fake.close();
    await connect({ ackDeadlineMs: 100 });
    const api = `${fake.restBase}/v10`;

    const noAuth = await fetch(`${api}/gateway/bot`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    for (const h of ['limit', 'remaining', 'reset-after', 'bucket'])
      expect(noAuth.headers.get(`x-ratelimit-${h}`)).toBeTruthy();

    fake.failNext('GET /gateway/bot', { status: 429, retryAfterSeconds: 1, global: true });
    const limited = await fetch(`${api}/gateway/bot`, { headers: { Authorization: `Bot ${fake.token}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(await limited.json()).toEqual({
      message: 'You are being rate limited.',
      retry_after: 1,
      global: true,
    });

    const { id, token } = fake.slashCommand({ name: 'chat' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = await fetch(`${api}/interactions/${id}/${token}/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'late' } }),
    });
    expect(late.status).toBe(404);
    expect(await late.json()).toEqual({ message: 'Unknown interaction', code: 10062 });
    expect(fake.interaction(id).acked).toBe(false);
    expect(fake.unexpected).toEqual([]);
  });
});
