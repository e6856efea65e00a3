import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { klingImageFake } from '../fakes/apicore/images.js';
import { FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { type DiscordRun, startGuildApp } from '../helpers/discord-app.js';

const CH = { draw: '1300000000000000041', kling: '1300000000000000042' };

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

beforeEach(() => {
  apicore.requests.length = 0;
  apicore.unexpected.length = 0;
});

/** The message carrying a PNG: a follow-up of the interaction (answered in-command) or a channel message (a task). */
const pngResult = (channel: string, interaction: string) => (d: FakeDiscord) =>
  [...d.interaction(interaction).followUps, ...d.channelMessages(channel)].find((m) =>
    m.attachments.some((a) => a.filename.endsWith('.png')),
  );

describe('/draw on Discord', () => {
  it('an image attachment option is an edit: its bytes reach /v1/images/edits; the result is a file', async () => {
    const { id } = discord.slashCommand({
      name: 'draw',
      channelId: CH.draw,
      options: { prompt: '给猫戴帽子 put a hat on the cat 🎩', model: 'gpt-image-1', size: '1024x1536' },
      attachments: [{ option: 'image', filename: '猫 cat.png', data: TINY_PNG }],
    });
    const result = await discord.waitFor(pngResult(CH.draw, id), 15_000);
    const [edit] = apicore.requestsTo('POST', '/v1/images/edits');
    expect(String(edit!.headers['content-type'])).toMatch(/^multipart\/form-data/);
    const image = edit!.parts!.find((p) => p.name === 'image');
    expect(image?.data.equals(TINY_PNG)).toBe(true);
    expect(edit!.parts!.find((p) => p.name === 'size')?.data.toString()).toBe('1024x1536');
    expect(edit!.parts!.find((p) => p.name === 'model')?.data.toString()).toBe('gpt-image-1');
    expect(result.content).toBe('🖼️ 给猫戴帽子 put a hat on the cat 🎩');
    expect(result.attachments[0]!.bytes.equals(TINY_PNG)).toBe(true);
    await discord.waitFor((d) => d.interaction(id).original?.content === '✅ Done (gpt-image-1)', 15_000);
    expect(apicore.unexpected).toEqual([]);
  });

  it('Kling with an attachment: raw base64 to the gateway, polled by the task system, a photo back', async () => {
    klingImageFake(apicore).scripts.push({ pending: 2 });
    const { id } = discord.slashCommand({
      name: 'draw',
      channelId: CH.kling,
      options: { prompt: '变成国画 ink painting 🖌', model: 'kling-v1-5', size: '16:9' },
      attachments: [{ option: 'image', filename: 'ref.png', data: TINY_PNG }],
    });
    const result = await discord.waitFor(pngResult(CH.kling, id), 15_000);
    const submit = apicore.requestsTo('POST', '/kling/v1/images/generations')[0]!.json as Record<
      string,
      unknown
    >;
    expect(submit).toEqual({
      model_name: 'kling-v1-5',
      prompt: '变成国画 ink painting 🖌',
      image: TINY_PNG.toString('base64'),
      aspect_ratio: '16:9',
      n: 1,
    });
    expect(result.content).toBe('🖼️ 变成国画 ink painting 🖌');
    expect(result.attachments[0]!.filename).toBe('kling-image-1.png');
    await discord.waitFor((d) => d.interaction(id).original?.content === '✅ Done (kling-v1-5)', 15_000);
    expect(apicore.requestsTo('GET', '/kling/v1/images/generations/*').length).toBeGreaterThanOrEqual(3);
    expect(apicore.unexpected).toEqual([]);
  });

  it('a model that takes no image, given one, is refused before anything is paid', async () => {
    const { id } = discord.slashCommand({
      name: 'draw',
      channelId: CH.draw,
      options: { prompt: 'night 夜景', model: 'dall-e-3' },
      attachments: [{ option: 'image', filename: 'x.png', data: TINY_PNG }],
    });
    // Said to the member alone (an ephemeral follow-up).
    const reply = await discord.waitFor(
      (d) => d.interaction(id).followUps.find((m) => (m.flags & 64) !== 0)?.content,
      15_000,
    );
    expect(reply).toContain('dall-e-3 draws from text only');
    expect(apicore.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
