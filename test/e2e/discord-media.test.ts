import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSunoMusicStages } from '../fakes/apicore/suno.js';
import { FAKE_API_KEY, FAKE_MP3, FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import type { FakeDiscord, StoredMessage } from '../fakes/discord.js';
import { type DiscordRun, startGuildApp, webhookPatches } from '../helpers/discord-app.js';

/** One channel per scenario: each chat has its own pacing budget, so they run side by side. */
const CH = {
  describe: '1300000000000000021',
  imagine: '1300000000000000022',
  song: '1300000000000000023',
  speak: '1300000000000000024',
};

let apicore: FakeApiCore;
let run: DiscordRun;
let discord: FakeDiscord;

beforeAll(async () => {
  // Whatever else in the process installs a default undici 7 dispatcher (the Telegram adapter's
  // downloads do): uploads must still work, since discord.js would otherwise pick it up.
  setGlobalDispatcher(new Agent());
  apicore = await FakeApiCore.start();
  run = await startGuildApp(apicore, CH);
  discord = run.discord;
});

afterAll(async () => {
  await run?.stop();
  await apicore?.close();
});

const patchesOf = (token: string) => webhookPatches(discord, token);

const labels = (m: StoredMessage | undefined) =>
  (m?.components as { components: { label: string; custom_id: string }[] }[] | undefined)?.map((row) =>
    row.components.map((b) => b.label),
  );

describe.concurrent('Discord: media and tasks', () => {
  it('/describe reads the attached image and posts the four prompts with buttons; a too-large one is refused', async ({
    expect,
  }) => {
    const { id } = discord.slashCommand({
      name: 'describe',
      channelId: CH.describe,
      attachments: [{ option: 'image', filename: '夜景 night 🌃.png', data: TINY_PNG }],
    });
    const prompts = await discord.waitFor(
      (d) =>
        d.channelMessages(CH.describe).find((m) => m.content.startsWith('🖼️ Four prompts for this image:')),
      15_000,
    );
    await discord.waitFor((d) => d.interaction(id).original?.content === '✅ Midjourney · done', 15_000);
    const submit = apicore.requestsTo('POST', '/mj/submit/describe').at(-1)?.json as { base64: string };
    expect(submit.base64).toBe(`data:image/png;base64,${TINY_PNG.toString('base64')}`);
    expect(prompts.content).toContain(
      '4️⃣ 雨中的城市 city in the rain, ukiyo-e style, deep blue palette 🌧 --ar 1:1',
    );
    expect(labels(prompts)).toEqual([['🎨 Imagine 1', '🎨 Imagine 2', '🎨 Imagine 3', '🎨 Imagine 4']]);

    const big = discord.slashCommand({
      name: 'describe',
      channelId: CH.describe,
      locale: 'zh-CN',
      attachments: [{ option: 'image', filename: 'huge 大图.png', data: TINY_PNG, size: 30 * 1024 * 1024 }],
    });
    // Said to the member alone (an ephemeral follow-up).
    const refused = await discord.waitFor(
      (d) => d.interaction(big.id).followUps.find((m) => (m.flags & 64) !== 0)?.content,
    );
    expect(refused).toBe('图片太大（30.0 MB），上限为 25.0 MB。');
    expect(
      discord.calls.filter((c) => c.path.startsWith('/attachments/') && c.path.includes('huge')),
    ).toEqual([]);
  });

  it('/imagine posts the grid with U/V/re-roll buttons; pressing U1 runs the Midjourney action', async ({
    expect,
  }) => {
    const prompt = '一只猫 a cat 🐱 --ar 1:1';
    discord.slashCommand({ name: 'imagine', options: { prompt }, channelId: CH.imagine });
    const grid = await discord.waitFor(
      (d) => d.channelMessages(CH.imagine).find((m) => m.attachments.length > 0),
      15_000,
    );
    expect(grid.content).toBe(`🎨 ${prompt}`);
    expect(grid.attachments[0]!.bytes.equals(TINY_PNG)).toBe(true);
    expect(labels(grid)).toEqual([
      ['U1', 'U2', 'U3', 'U4', '🔄'],
      ['V1', 'V2', 'V3', 'V4'],
    ]);
    const u1 = (grid.components as { components: { label: string; custom_id: string }[] }[])[0]!
      .components[0]!;
    const press = discord.pressButton({ messageId: grid.id, customId: u1.custom_id, locale: 'zh-CN' });
    const upscale = await discord.waitFor(
      (d) => d.channelMessages(CH.imagine).find((m) => m.id !== grid.id && m.attachments.length > 0),
      15_000,
    );
    await discord.waitFor(
      (d) => d.interaction(press.id).original?.content === '✅ Midjourney · 完成',
      15_000,
    );
    expect(discord.interaction(press.id).callbacks.map((c) => c.type)).toEqual([5]);
    expect(upscale.message_reference?.message_id).toBe(grid.id);
    expect(labels(upscale)?.flat()).toContain('🪄 Vary (Strong)');
    const action = apicore.requestsTo('POST', '/mj/submit/action').at(-1)?.json as { customId: string };
    expect(action.customId).toMatch(/^MJ::JOB::upsample::1::/);
  });

  it('a song that outlives its interaction token still arrives, as channel messages with the audio', async ({
    expect,
  }) => {
    const [queued, streaming, done] = defaultSunoMusicStages(apicore.url, {}, [901, 902]);
    apicore.sunoStages.push([queued!, ...Array.from({ length: 12 }, () => streaming!), done!]);
    const { id, token } = discord.slashCommand({
      name: 'song',
      options: { prompt: '雨天的爵士 a rainy jazz song 🎷' },
      channelId: CH.song,
      attachmentSizeLimit: 8 * 1024 * 1024,
    });
    await discord.waitFor((d) => d.interaction(id).original?.content.startsWith('✅ Accepted'), 15_000);
    expect(run.platform.limits({ platform: 'discord', id: CH.song, kind: 'group' }).maxUploadBytes).toBe(
      8 * 1024 * 1024,
    );
    discord.expireToken(token);
    const status = await discord.waitFor(
      (d) => d.channelMessages(CH.song).find((m) => m.content === '✅ Suno · 2 clip(s) delivered'),
      15_000,
    );
    const clips = discord.channelMessages(CH.song).filter((m) => m.attachments.length > 0);
    expect(clips).toHaveLength(2);
    for (const clip of clips) {
      expect(clip.content.startsWith('🎵 雨中的城市 🌧\n🏷️ pop, rainy, lo-fi')).toBe(true);
      expect(clip.content).toContain('雨落在窗台 rain on the window 🌧');
      expect(clip.attachments[0]!.contentType).toBe('audio/mpeg');
      expect(clip.attachments[0]!.bytes.equals(FAKE_MP3)).toBe(true);
    }
    // The status moved to a channel message once the token was refused; the response kept what it had.
    expect(status.id).toBe(discord.channelMessages(CH.song)[0]!.id);
    expect(patchesOf(token).some((c) => c.status === 401)).toBe(true);
    expect(discord.interaction(id).original?.content).not.toContain('delivered');
  });

  it('/speak answers with an audio attachment', async ({ expect }) => {
    const { id } = discord.slashCommand({
      name: 'speak',
      options: { text: '你好，世界 hello world 🌍', voice: 'nova' },
      channelId: CH.speak,
    });
    const original = await discord.waitFor((d) => {
      const o = d.interaction(id).original;
      return o && o.attachments.length > 0 ? o : undefined;
    }, 4000);
    expect(original.content).toBe('🔊 你好，世界 hello world 🌍');
    expect(original.attachments[0]!.filename).toBe('speech.mp3');
    expect(original.attachments[0]!.bytes.length).toBeGreaterThan(0);
  });

  it('a direct message is answered in the DM, as a reply', async ({ expect }) => {
    const dm = '1500000000000000001';
    const asked = discord.messageCreate({ channelId: dm, content: '私聊 hello in a DM 💌' });
    const answer = await discord.waitFor(
      (d) => d.channelMessages(dm).find((m) => m.content === 'Echo: 私聊 hello in a DM 💌'),
      5000,
    );
    expect(answer.guildId).toBeNull();
    expect(answer.message_reference?.message_id).toBe(asked.id);
    expect(discord.threads()).toEqual([]);
  });
});

describe('Discord: hygiene', () => {
  it('logs carry no API key, bot token or interaction token; neither fake saw anything unexpected', () => {
    const logs = run.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(FAKE_API_KEY);
    expect(logs).not.toContain(discord.token);
    for (const i of discord.interactions()) expect(logs).not.toContain(i.token);
    expect(discord.unexpected).toEqual([]);
    expect(apicore.unexpected).toEqual([]);
    expect(apicore.remainingQueued()).toEqual([]);
  });
});
