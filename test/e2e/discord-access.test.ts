import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID, type FakeDiscord } from '../fakes/discord.js';
import { type DiscordRun, startDiscordApp } from '../helpers/discord-app.js';

/** Guild 1: one listed channel (with a member's thread in it) and one stranger channel. */
const CH = {
  allowed: '1400000000000000011',
  allowedThread: '1400000000000000012',
  stranger: '1400000000000000013',
  settings: '1400000000000000014',
  /** A DM with the bot, listed so its sender gets past the allow list. */
  dm: '1400000000000000015',
};
/** Guild 2 is listed as a whole: its channels and their threads. */
const GUILD2 = '1400000000000000100';
const G2 = { channel: '1400000000000000111', thread: '1400000000000000112' };
const ADMIN = '1400000000000000900';
const MANAGE_GUILD = (1n << 5n).toString();
const MEMBER_WITH_MANAGE = ((1n << 5n) | (1n << 10n) | (1n << 11n) | (1n << 31n)).toString();

let apicore: FakeApiCore;
let run: DiscordRun;
let discord: FakeDiscord;

beforeAll(async () => {
  apicore = await FakeApiCore.start();
  run = await startDiscordApp(apicore, {
    discord: {
      guilds: [
        {
          id: DEFAULT_GUILD_ID,
          name: 'Test Guild',
          channels: [
            { id: CH.allowed, name: 'allowed' },
            { id: CH.allowedThread, name: '成员的帖子 thread 🧵', parentId: CH.allowed },
            { id: CH.stranger, name: 'stranger' },
            { id: CH.settings, name: 'settings' },
          ],
        },
        {
          id: GUILD2,
          name: '第二个服务器 ✨',
          channels: [
            { id: G2.channel, name: 'general' },
            { id: G2.thread, name: 'talk', parentId: G2.channel },
          ],
        },
      ],
    },
    env: {
      ALLOWED_CHATS: `${CH.allowed},${CH.settings},${CH.dm},discord:${GUILD2}`,
      ADMIN_USERS: `discord:${ADMIN}`,
    },
  });
  discord = run.discord;
});

afterAll(async () => {
  await run?.stop();
  await apicore?.close();
});

const echo = (text: string) => `Echo: Tester: ${text}`;
/** What an interaction said to its member alone (an ephemeral follow-up). */
const privately = (d: FakeDiscord, id: string) =>
  d.interaction(id).followUps.find((m) => (m.flags & 64) !== 0)?.content;
const finalIn = (channelId: string, text: string) => (d: FakeDiscord) =>
  d.channelMessages(channelId).find((m) => m.content === echo(text));

describe('Discord: ALLOWED_CHATS in threads and guilds', () => {
  it('a mention in a listed channel starts a thread that is answered', async () => {
    const text = '你好 hello 👋';
    discord.messageCreate({
      channelId: CH.allowed,
      content: `<@${discord.botUserId}> ${text}`,
      mentions: [discord.botUser],
    });
    const thread = await discord.waitFor((d) => d.threads().find((t) => t.parentId === CH.allowed));
    const answer = await discord.waitFor(finalIn(thread.id, text), 4000);
    expect(answer.content).not.toContain('private');
  });

  it('a member’s thread in a listed channel is answered', async () => {
    const text = '帖子里 in a thread 🧵';
    discord.messageCreate({
      channelId: CH.allowedThread,
      content: `<@${discord.botUserId}> ${text}`,
      mentions: [discord.botUser],
    });
    await discord.waitFor(finalIn(CH.allowedThread, text), 4000);
  });

  it('a listed guild id covers its channels and their threads', async () => {
    const slash = discord.slashCommand({
      guildId: GUILD2,
      channelId: G2.thread,
      name: 'chat',
      options: { prompt: '服务器 guild ✅' },
    });
    const original = await discord.waitFor(
      (d) => d.interaction(slash.id).original?.content === echo('服务器 guild ✅') || undefined,
      4000,
    );
    expect(original).toBe(true);

    const text = '频道 channel 📣';
    discord.messageCreate({
      channelId: G2.channel,
      content: `<@${discord.botUserId}> ${text}`,
      mentions: [discord.botUser],
    });
    const thread = await discord.waitFor((d) => d.threads().find((t) => t.parentId === G2.channel));
    await discord.waitFor(finalIn(thread.id, text), 4000);
  });

  it('a stranger’s mention in a channel listed nowhere creates no thread', async () => {
    discord.messageCreate({
      channelId: CH.stranger,
      content: `<@${discord.botUserId}> 刷屏 spam 🤖`,
      mentions: [discord.botUser],
    });
    const refusal = await discord.waitFor((d) =>
      d.channelMessages(CH.stranger).find((m) => m.content.includes('private')),
    );
    expect(refusal.content).toContain('Sorry, this bot is private');
    discord.messageCreate({
      channelId: CH.stranger,
      content: `<@${discord.botUserId}> 再刷 more spam 🤖`,
      mentions: [discord.botUser],
    });
    // The second mention is refused quietly (once per minute in a group); give it time to be handled.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(discord.threads().filter((t) => t.parentId === CH.stranger)).toEqual([]);
    expect(discord.calls.filter((c) => c.path.startsWith(`/channels/${CH.stranger}/messages/`))).toEqual([]);
  });

  it('a stranger’s slash command is refused privately (an ephemeral reply), a listed channel’s is public', async () => {
    const stranger = discord.slashCommand({
      channelId: CH.stranger,
      name: 'chat',
      options: { prompt: '陌生人 stranger 🚫' },
      user: { id: '1400000000000000777', username: 'stranger' },
    });
    const refused = await discord.waitFor((d) => d.interaction(stranger.id).original?.content, 4000);
    expect(refused).toContain('Sorry, this bot is private');
    expect(discord.interaction(stranger.id).original!.flags & 64).toBe(64);

    const member = discord.slashCommand({
      channelId: CH.allowed,
      name: 'chat',
      options: { prompt: '成员 member 🙂' },
    });
    await discord.waitFor(
      (d) => d.interaction(member.id).original?.content === echo('成员 member 🙂') || undefined,
      4000,
    );
    expect(discord.interaction(member.id).original!.flags & 64).toBe(0);
  });
});

describe('Discord: /model and /system need Manage Server', () => {
  it('registers /model and /system with default_member_permissions, the others without', () => {
    const byName = new Map(discord.commands(DEFAULT_GUILD_ID).map((c) => [c.name as string, c]));
    expect(byName.get('model')?.default_member_permissions).toBe(MANAGE_GUILD);
    expect(byName.get('system')?.default_member_permissions).toBe(MANAGE_GUILD);
    expect(byName.get('chat')?.default_member_permissions).toBeNull();
    expect(byName.get('models')?.default_member_permissions).toBeNull();
  });

  it('a member without Manage Server is refused with a short explanation', async () => {
    const { id } = discord.slashCommand({
      channelId: CH.settings,
      name: 'model',
      options: { name: 'gpt-4o' },
    });
    // The refusal is for the member alone: an ephemeral follow-up, the public "thinking…" deleted.
    const refused = await discord.waitFor((d) => privately(d, id), 4000);
    expect(refused).toContain('Only the group’s admins');
    expect(discord.interaction(id).original?.deleted).toBe(true);
    const system = discord.slashCommand({
      channelId: CH.settings,
      name: 'system',
      options: { prompt: '用中文回答 answer in Chinese 🀄' },
    });
    const refusedToo = await discord.waitFor((d) => privately(d, system.id), 4000);
    expect(refusedToo).toContain('Only the group’s admins');
  });

  it('a member with Manage Server, or a configured admin, may change them', async () => {
    const { id } = discord.slashCommand({
      channelId: CH.settings,
      name: 'model',
      options: { name: 'gpt-4o' },
      memberPermissions: MEMBER_WITH_MANAGE,
    });
    expect(await discord.waitFor((d) => d.interaction(id).original?.content, 4000)).toBe(
      '✅ Model set to gpt-4o',
    );
    const admin = discord.slashCommand({
      channelId: CH.settings,
      name: 'system',
      options: { prompt: '用中文回答 answer in Chinese 🀄' },
      user: { id: ADMIN, username: 'owner' },
    });
    const set = await discord.waitFor((d) => d.interaction(admin.id).original?.content, 4000);
    expect(set).not.toContain('Only the group’s admins');
  });

  it('a DM needs no permission', async () => {
    const { id } = discord.slashCommand({
      guildId: null,
      channelId: CH.dm,
      name: 'model',
      options: { name: 'gpt-4o' },
    });
    expect(await discord.waitFor((d) => d.interaction(id).original?.content, 4000)).toBe(
      '✅ Model set to gpt-4o',
    );
  });

  it('the fakes saw nothing unexpected', () => {
    expect(discord.unexpected).toEqual([]);
    expect(apicore.unexpected).toEqual([]);
  });
});
