import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_MP4, FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { type DiscordRun, startGuildApp } from '../helpers/discord-app.js';

const CH = { video: '1300000000000000031' };

let apicore: FakeApiCore;
let run: DiscordRun;
let discord: FakeDiscord;

beforeAll(async () => {
  setGlobalDispatcher(new Agent());
  apicore = await FakeApiCore.start();
  run = await startGuildApp(apicore, CH);
  discord = run.discord;
});

afterAll(async () => {
  await run?.stop();
  await apicore?.close();
});

describe('/video on Discord', () => {
  it('model autocomplete offers the routing table and the video models /v1/models lists', async () => {
    apicore.enqueue('GET /v1/models', {
      kind: 'json',
      status: 200,
      body: {
        object: 'list',
        data: ['gpt-4o', 'kling-v2-1-master', 'vidu-video'].map((id) => ({
          id,
          object: 'model',
          owned_by: 'x',
        })),
      },
    });
    const { id } = discord.autocomplete({ name: 'video', focused: { name: 'model', value: 'KLING' } });
    const choices = (await discord.waitFor((d) => d.interaction(id).choices)) as {
      name: string;
      value: string;
    }[];
    expect(choices.map((c) => c.value)).toEqual([
      'kling-v1-6',
      'kling-v1-5',
      'kling-v1',
      'kling-v2-master',
      'kling-v2-1-master',
    ]);
    expect(choices[0]!.name).toBe('kling-v1-6 — Kling (text·image·extend)');
  });

  it('an attached image goes to Kling image2video; the video arrives as a file with Extend', async () => {
    const { id } = discord.slashCommand({
      name: 'video',
      channelId: CH.video,
      options: { prompt: '花开 flowers bloom 🌸', model: 'kling-v1-6' },
      attachments: [{ option: 'image', filename: '花 flower.png', data: TINY_PNG }],
    });
    const result = await discord.waitFor(
      (d) => d.channelMessages(CH.video).find((m) => m.attachments.some((a) => a.filename.endsWith('.mp4'))),
      15_000,
    );
    const submit = apicore.requestsTo('POST', '/kling/v1/videos/image2video')[0]!.json as { image: string };
    expect(submit.image).toBe(TINY_PNG.toString('base64'));
    expect(result.content).toBe('🎬 花开 flowers bloom 🌸');
    expect(result.attachments[0]!.bytes.equals(FAKE_MP4)).toBe(true);
    const rows = result.components as { components: { label: string }[] }[];
    expect(rows.flatMap((r) => r.components.map((b) => b.label))).toEqual(['⏩ Extend']);
    await discord.waitFor(
      (d) => d.interaction(id).original?.content === '✅ Kling · video delivered',
      15_000,
    );
    expect(apicore.unexpected).toEqual([]);
  });
});
