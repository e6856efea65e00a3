import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { type DiscordRun, startDiscordApp } from '../helpers/discord-app.js';
import { fastClock, musicSubmits, wavBytes } from '../helpers/songs.js';

// The song family in a Discord channel: buttons under each clip, forms as modals, an audio
// attachment uploaded from Discord's own (public) attachment link.

const WAIT_MS = 10_000;

let api: FakeApiCore;
beforeAll(async () => {
  api = await FakeApiCore.start();
});
afterAll(async () => {
  await api.close();
});

interface Button {
  custom_id: string;
  label?: string;
  emoji?: { name?: string };
}
type Message = ReturnType<FakeDiscord['channelMessages']>[number];

const buttonsOf = (m: Message): Button[] =>
  (m.components as { components?: Button[] }[]).flatMap((r) => r.components ?? []);
const labelOf = (b: Button) => `${b.emoji?.name ? `${b.emoji.name} ` : ''}${b.label ?? ''}`.trim();

/** Every message the bot posted in the channel (channel messages, interaction replies and follow-ups). */
function botMessages(discord: FakeDiscord, channel: string): Message[] {
  const all = new Map<string, Message>();
  for (const m of discord.channelMessages(channel)) all.set(m.id, m);
  for (const i of discord.interactions().filter((x) => x.channelId === channel)) {
    if (i.original) all.set(i.original.id, i.original);
    for (const f of i.followUps) all.set(f.id, f);
  }
  return [...all.values()]
    .filter((m) => m.author.bot === true)
    .sort((a, b) => a.createdAt - b.createdAt || Number(BigInt(a.id) - BigInt(b.id)));
}

/** Messages carrying an audio attachment. */
const audioMessages = (discord: FakeDiscord, channel: string) =>
  botMessages(discord, channel).filter((m) =>
    m.attachments.some((a) => a.contentType.startsWith('audio/') || /\.mp3$/.test(a.filename)),
  );

/** The newest message with a button whose label contains `text`, and that button. */
async function newestButton(discord: FakeDiscord, channel: string, text: string) {
  return discord.waitFor(() => {
    const m = botMessages(discord, channel)
      .filter((x) => buttonsOf(x).some((b) => labelOf(b).includes(text)))
      .at(-1);
    const b = m && buttonsOf(m).find((x) => labelOf(x).includes(text));
    return m && b ? { message: m, button: b } : undefined;
  }, WAIT_MS);
}

async function press(run: DiscordRun, channel: string, text: string, modal?: Record<string, string>) {
  const { discord } = run;
  const { message, button } = await newestButton(discord, channel, text);
  const pressed = discord.pressButton({
    messageId: message.id,
    customId: button.custom_id,
    channelId: channel,
  });
  if (!modal) return;
  await discord.waitFor(() => discord.interaction(pressed.id).modal, WAIT_MS);
  discord.submitModal({ interactionId: pressed.id, values: modal });
}

describe('songs in a Discord channel', () => {
  let run: DiscordRun;
  let channel: string;
  beforeAll(async () => {
    run = await startDiscordApp(api, { clock: fastClock(40) });
    channel = run.discord.interaction(run.discord.slashCommand({ name: 'usage' }).id).channelId;
  });
  afterAll(async () => {
    await run.stop();
  });
  afterEach((c) => {
    if (c.task.result?.state !== 'fail') return;
    for (const m of botMessages(run.discord, channel))
      console.log(
        JSON.stringify(m.content).slice(0, 120),
        m.attachments.map((a) => a.filename),
        buttonsOf(m).map(labelOf),
      );
  });

  it('song → Extend (a modal) → Full song delivered as one track', async () => {
    const { discord } = run;
    discord.slashCommand({
      name: 'song',
      options: { prompt: '海风 sea breeze 🌊', model: 'chirp-crow' },
      channelId: channel,
    });
    await discord.waitFor(() => audioMessages(discord, channel).length >= 2, WAIT_MS);
    const clip = audioMessages(discord, channel)[0]!;
    expect(buttonsOf(clip).map(labelOf)).toEqual(['⏩ Extend', '🎨 Cover', '➕ More']);
    expect(musicSubmits(api, '').at(-1)).toMatchObject({ mv: 'chirp-crow' });

    await press(run, channel, 'Extend', { at: '', lyrics: '[Outro]\n风停了 the wind stops 🍃', style: '' });
    await discord.waitFor(() => audioMessages(discord, channel).length >= 4, WAIT_MS);
    expect(musicSubmits(api, 'extend').at(-1)).toMatchObject({
      continue_at: 113,
      mv: 'chirp-crow',
      prompt: '[Outro]\n风停了 the wind stops 🍃',
    });
    await press(run, channel, 'Full song');
    await discord.waitFor(() => audioMessages(discord, channel).length >= 5, WAIT_MS);
    expect(api.requestsTo('POST', '/suno/submit/concat')).toHaveLength(1);
    expect(audioMessages(discord, channel).at(-1)!.content).toContain('风停了 the wind stops 🍃');
  });

  it('More → Stems (two files), WAV, Video, Timed lyrics', async () => {
    const { discord } = run;
    const before = audioMessages(discord, channel).length;
    discord.slashCommand({ name: 'song', options: { prompt: '山 mountain ⛰️' }, channelId: channel });
    await discord.waitFor(() => audioMessages(discord, channel).length >= before + 2, WAIT_MS);
    await press(run, channel, 'More');
    await newestButton(discord, channel, 'Timed lyrics');
    await press(run, channel, 'Stems');
    await discord.waitFor(() => audioMessages(discord, channel).length >= before + 4, WAIT_MS);
    const stems = audioMessages(discord, channel)
      .slice(-2)
      .map((m) => m.content.split('\n')[0]!)
      .sort();
    expect(stems).toEqual([expect.stringContaining('- Instrumental'), expect.stringContaining('- Vocals')]);
    const files = () => botMessages(discord, channel).flatMap((m) => m.attachments.map((a) => a.filename));
    await press(run, channel, 'WAV');
    await discord.waitFor(() => files().some((f) => f.endsWith('.wav')), WAIT_MS);
    await press(run, channel, 'Video');
    await discord.waitFor(() => files().some((f) => f.endsWith('.mp4')), WAIT_MS);
    await press(run, channel, 'Timed lyrics');
    await discord.waitFor(() => files().some((f) => f.endsWith('.lrc')), WAIT_MS);
  });

  it('an audio attachment is uploaded from Discord’s own link and covered with the tags', async () => {
    const { discord } = run;
    const before = audioMessages(discord, channel).length;
    discord.slashCommand({
      name: 'song',
      options: { prompt: '口哨 whistle 😗', tags: 'bossa nova 波萨诺瓦 🌴' },
      attachments: [
        { option: 'audio', filename: 'whistle.wav', contentType: 'audio/wav', data: wavBytes(6) },
      ],
      channelId: channel,
    });
    await discord.waitFor(() => audioMessages(discord, channel).length >= before + 2, WAIT_MS);
    const upload = api.requestsTo('POST', '/suno/uploads/audio-url').at(-1)!.json as { url: string };
    expect(upload.url).toMatch(/\/attachments\/\d+\/whistle\.wav$/);
    expect(musicSubmits(api, 'cover').at(-1)).toMatchObject({
      tags: 'bossa nova 波萨诺瓦 🌴',
      mv: 'chirp-auk',
    });
    expect(discord.unexpected).toEqual([]);
  });

  it('Udio through the same command: its clips say why they have no Suno buttons', async () => {
    const { discord } = run;
    const before = audioMessages(discord, channel).length;
    discord.slashCommand({
      name: 'song',
      options: { prompt: '夜空 night sky 🌌', model: 'udio130-v1.5', instrumental: true },
      channelId: channel,
    });
    await discord.waitFor(() => audioMessages(discord, channel).length >= before + 2, WAIT_MS);
    const sent = api.requestsTo('POST', '/udio/submit/music').at(-1)!.json as {
      gen_params: Record<string, unknown>;
    };
    expect(sent.gen_params).toMatchObject({ model_type: 'udio130-v1.5', lyrics_type: 'instrumental' });
    const clip = audioMessages(discord, channel).at(-1)!;
    expect(buttonsOf(clip)).toEqual([]);
    expect(clip.content).toContain('Udio songs cannot be extended, covered or split here');
  });
});
