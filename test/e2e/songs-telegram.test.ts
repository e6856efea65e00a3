import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { sunoError } from '../fakes/apicore/builders.js';
import { defaultSunoMusicStages } from '../fakes/apicore/suno.js';
import type { LoggedMessage } from '../fakes/telegram/types.js';
import type { FakeTelegram } from '../fakes/telegram.js';
import { fastClock, musicSubmits, oggBytes, publicFilesEnv } from '../helpers/songs.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// The song family in a Telegram group: several members, buttons anyone may press (and pays for),
// forms asked with ForceReply prompts answered by reply, and the group's daily song budget.

const WAIT_MS = 10_000;

type Chat = ReturnType<FakeTelegram['groupChat']>;
type User = ReturnType<FakeTelegram['user']>;

function buttonData(m: LoggedMessage, label: string): string | undefined {
  const b = (m.reply_markup?.inline_keyboard ?? []).flat().find((x) => x.text === label);
  return b && 'callback_data' in b ? b.callback_data : undefined;
}

/** The bot's audio messages in the chat (captions included). */
const audios = (tg: FakeTelegram, chat: number) =>
  tg.chatLog(chat).filter((m) => m.from_bot && m.kind === 'audio');

/** Presses the newest bot message's button `label`; answers each ForceReply prompt in turn. */
async function press(
  tg: FakeTelegram,
  chat: Chat,
  who: User,
  label: string,
  answers: string[] = [],
): Promise<void> {
  const target = await tg.waitFor(
    () =>
      tg
        .chatLog(chat.id)
        .filter((m) => m.from_bot && buttonData(m, label))
        .at(-1),
    WAIT_MS,
  );
  tg.pressButton(chat, who, target.message_id, buttonData(target, label)!);
  for (const [i, answer] of answers.entries()) {
    const step = `(${i + 1}/${answers.length})`;
    const prompt = await tg.waitFor(
      () =>
        tg
          .chatLog(chat.id)
          .filter((m) => m.from_bot && m.force_reply && m.text.includes(step))
          .at(-1),
      WAIT_MS,
    );
    tg.sendText(chat, who, answer, tg.replyTo(prompt));
  }
}

describe('songs in a Telegram group', () => {
  const fx = useTelegramFakes();
  afterEach((c) => {
    if (c.task.result?.state === 'fail' && fx.bot)
      for (const l of fx.bot.logs) if (/"level":(40|50)/.test(l)) console.log(l.slice(0, 600));
    if (c.task.result?.state === 'fail' && fx.tg)
      console.log(JSON.stringify(fx.tg.callsTo('answerCallbackQuery').map((c) => c.params)));
    if (c.task.result?.state === 'fail' && fx.tg)
      for (const chat of [-1001, -1002, -1003, -1004])
        for (const m of fx.tg.chatLog(chat, { includeUser: true }))
          console.log(
            chat,
            m.from_bot ? 'BOT' : 'USER',
            m.kind,
            JSON.stringify(m.text).slice(0, 200),
            m.force_reply ? 'FR' : '',
            m.reply_markup ? JSON.stringify(m.reply_markup.inline_keyboard.flat().map((b) => b.text)) : '',
          );
  });

  it('Mia’s song, Leo extends it (and is named as the presser), Mia joins the full song', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { clock: fastClock(40) });
    const group = fx.tg.groupChat(-1001, 'Band 乐队 🎸');
    const mia = fx.tg.user(11, 'Mia 米娅', 'en');
    const leo = fx.tg.user(12, 'Leo 🦁', 'en');
    fx.tg.sendText(group, mia, '/song@apicore_test_bot 月光 moonlight 🌙');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 2, WAIT_MS);
    const first = audios(fx.tg, group.id);
    expect(first[0]!.text).toContain('🙋 Mia 米娅');
    expect(first[0]!.reply_markup!.inline_keyboard[0]!.map((b) => b.text)).toEqual([
      '⏩ Extend',
      '🎨 Cover',
      '➕ More',
    ]);

    await press(fx.tg, group, leo, '⏩ Extend', ['60', '[Bridge]\n狮子在唱 the lion sings 🦁', 'rock']);
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 4, WAIT_MS);
    const ext = audios(fx.tg, group.id).slice(2);
    expect(musicSubmits(fx.api, 'extend')).toEqual([
      expect.objectContaining({
        continue_at: 60,
        tags: 'rock',
        prompt: '[Bridge]\n狮子在唱 the lion sings 🦁',
      }),
    ]);
    expect(ext[0]!.text).toContain('Mia 米娅');
    expect(ext[0]!.text).toContain('Leo 🦁');
    expect(buttonData(ext[0]!, '🎼 Full song')).toBeDefined();

    await press(fx.tg, group, mia, '🎼 Full song');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 5, WAIT_MS);
    expect(fx.api.requestsTo('POST', '/suno/submit/concat')).toHaveLength(1);
    const full = audios(fx.tg, group.id).at(-1)!;
    expect(full.text).toContain('狮子在唱 the lion sings 🦁');
    expect(full.text).toContain('🙋 Mia 米娅');
  });

  it('More → Stems (two files), WAV (.wav document), Video, Timed lyrics (.lrc)', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { clock: fastClock(40) });
    const group = fx.tg.groupChat(-1002, '合唱团 Choir 🎶');
    const ana = fx.tg.user(21, 'Ana', 'en');
    fx.tg.sendText(group, ana, '/song@apicore_test_bot 星星 stars ✨');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 2, WAIT_MS);
    await press(fx.tg, group, ana, '➕ More');
    const more = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.text.startsWith('➕ More for')),
      WAIT_MS,
    );
    expect(more.reply_markup!.inline_keyboard.map((r) => r.map((b) => b.text))).toEqual([
      ['✂️ Replace section', '🗣️ Persona', '🎚️ Stems'],
      ['💿 WAV', '🎬 Video', '📝 Timed lyrics'],
    ]);
    await press(fx.tg, group, ana, '🎚️ Stems');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 4, WAIT_MS);
    const stems = audios(fx.tg, group.id).slice(2);
    // Delivered side by side: in either order.
    const heads = stems.map((m) => m.text.split('\n')[0]!).sort();
    expect(heads).toEqual(['🎵 雨中的城市 🌧 - Instrumental', '🎵 雨中的城市 🌧 - Vocals']);
    const docs = () => fx.tg.chatLog(group.id).filter((m) => m.from_bot && m.kind === 'document');
    await press(fx.tg, group, ana, '💿 WAV');
    await fx.tg.waitFor(() => docs().some((m) => m.file?.filename?.endsWith('.wav')), WAIT_MS);
    await press(fx.tg, group, ana, '🎬 Video');
    await fx.tg.waitFor(() => fx.tg.chatLog(group.id).some((m) => m.from_bot && m.kind === 'video'), WAIT_MS);
    await press(fx.tg, group, ana, '📝 Timed lyrics');
    const lrc = await fx.tg.waitFor(() => docs().find((m) => m.file?.filename?.endsWith('.lrc')), WAIT_MS);
    expect(lrc.file!.bytes!.toString()).toMatch(/^\[\d\d:\d\d\.\d\d\]/m);
  });

  it('a voice note is uploaded from the bot’s own link (never the token’s), extended, then covered', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: await publicFilesEnv() });
    const group = fx.tg.groupChat(-1003, 'Humming 哼唱 🎤');
    const kai = fx.tg.user(31, 'Kai', 'en');
    fx.tg.sendVoice(
      group,
      kai,
      { bytes: oggBytes(9) },
      { caption: '/song@apicore_test_bot 我的哼唱 humming 🎤' },
    );
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 2, WAIT_MS);
    const upload = fx.api.requestsTo('POST', '/suno/uploads/audio-url')[0]!.json as { url: string };
    expect(upload.url).not.toContain(fx.tg.token);
    expect(upload.url).toMatch(/\/files\/[A-Za-z0-9_-]{24}\/voice-\d+\.ogg$/);
    expect(musicSubmits(fx.api, 'upload_extend')[0]!.continue_at).toBeCloseTo(8.5, 1);
    await press(fx.tg, group, kai, '🎨 Cover', ['punk 朋克 🤘', '-']);
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 4, WAIT_MS);
    expect(musicSubmits(fx.api, 'cover')[0]).toMatchObject({ tags: 'punk 朋克 🤘' });
  });

  it('GROUP_DAILY_SONGS: the group’s n+1th song is refused; a refused submit gives its song back; /usage shows it', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: { GROUP_DAILY_SONGS: '2' } });
    const group = fx.tg.groupChat(-1004, 'Budget 预算 💰');
    const mia = fx.tg.user(41, 'Mia', 'en');
    const leo = fx.tg.user(42, 'Leo', 'en');
    // A gateway refusal first: it costs the group nothing.
    fx.api.enqueue('POST /suno/submit/music', sunoError(400, 'invalid_request', 'prompt is too long 太长'));
    fx.tg.sendText(group, mia, '/song@apicore_test_bot one 一 1️⃣');
    const failed = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.text.startsWith('❌')),
      WAIT_MS,
    );
    expect(failed.text).toContain('prompt is too long 太长');
    fx.tg.sendText(group, mia, '/song@apicore_test_bot two 二 2️⃣');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 2, WAIT_MS);
    fx.tg.sendText(group, leo, '/song@apicore_test_bot three 三 3️⃣');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 4, WAIT_MS);
    const submits = fx.api.requestsTo('POST', '/suno/submit/music').length;
    fx.tg.sendText(group, leo, '/song@apicore_test_bot four 四 4️⃣');
    const refused = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.text.includes('GROUP_DAILY_SONGS')),
      WAIT_MS,
    );
    expect(refused.text).toContain('all 2 of today’s songs');
    expect(fx.api.requestsTo('POST', '/suno/submit/music')).toHaveLength(submits);
    fx.tg.sendText(group, leo, '/usage@apicore_test_bot');
    const usage = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.text.includes('This group’s songs today')),
      WAIT_MS,
    );
    expect(usage.text).toContain('This group’s songs today: 2 / 2');
  });

  it('a restart between the extend’s submit and its result delivers the extension exactly once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'songs-restart-')), 'bot.sqlite');
    fx.bot = await startTelegramBot(fx.tg, fx.api, { store: openStore(`sqlite://${file}`) });
    const group = fx.tg.groupChat(-1005, 'Restart 重启 🔁');
    const mia = fx.tg.user(51, 'Mia', 'en');
    fx.tg.sendText(group, mia, '/song@apicore_test_bot 不倒翁 roly-poly 🪆');
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 2, WAIT_MS);
    // The extension stays queued until the first process is gone.
    const [, streaming, success] = defaultSunoMusicStages(
      fx.api.url,
      { title: '重启之歌 Restart Song 🔁', mv: 'chirp-auk', prompt: '[Verse 2]\n再来一次 once more 🔁' },
      [901, 902],
    );
    const queued = Array.from({ length: 10_000 }, () => ({ status: 'QUEUED', progress: '0%', data: null }));
    fx.api.sunoStages.push([...queued, streaming!, success!]);
    await press(fx.tg, group, mia, '⏩ Extend', ['-', '-', '-']);
    await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).some((m) => m.from_bot && m.text.includes('Accepted') && m.edits > 0),
      WAIT_MS,
    );
    await fx.tg.waitFor(() => fx.api.requestsTo('POST', '/suno/fetch').length >= 3, WAIT_MS);
    await fx.bot.stop();
    fx.bot = undefined;
    expect(audios(fx.tg, group.id)).toHaveLength(2);

    const task = [...fx.api.sunoTasks.values()].find((t) => t.stages.length > 1000)!;
    task.stage = task.stages.length - 2;
    fx.bot = await startTelegramBot(fx.tg, fx.api, { store: openStore(`sqlite://${file}`) });
    await fx.tg.waitFor(() => audios(fx.tg, group.id).length === 4, WAIT_MS);
    await fx.bot.app.poller.idle();
    const extension = audios(fx.tg, group.id).slice(2);
    expect(extension.map((m) => m.text.split('\n')[0])).toEqual([
      '🎵 重启之歌 Restart Song 🔁',
      '🎵 重启之歌 Restart Song 🔁',
    ]);
    expect(buttonData(extension[0]!, '🎼 Full song')).toBeDefined();
    // A third start finds nothing left to deliver.
    await fx.bot.stop();
    fx.bot = await startTelegramBot(fx.tg, fx.api, { store: openStore(`sqlite://${file}`) });
    await fx.bot.app.poller.idle();
    expect(audios(fx.tg, group.id)).toHaveLength(4);
  });
});
