import { describe, expect, it } from 'vitest';
import type { ApiCore, SunoActResult, SunoClip, SunoTask } from '../../../src/core/apicore.js';
import type { Lang } from '../../../src/core/i18n.js';
import {
  parseSunoActId,
  type ResultPart,
  sunoActId,
  type TaskKind,
  type TaskPurpose,
  type TaskRecord,
} from '../../../src/core/tasks.js';
import { BotError } from '../../../src/errors.js';
import { FAMILIES } from '../../../src/tasks/families/index.js';
import { actView, KARAOKE_MAX_LINES, sunoAct } from '../../../src/tasks/families/suno/act.js';
import { suno } from '../../../src/tasks/families/suno/music.js';
import { CLIP_LYRICS_MAX_CHARS, cutText } from '../../../src/tasks/families/suno/parts.js';
import { udio } from '../../../src/tasks/families/suno/udio.js';
import type { TaskFamily, UpstreamView } from '../../../src/tasks/families/types.js';

function record(
  kind: TaskKind,
  purpose: TaskPurpose,
  meta: Record<string, string> = {},
  lang: Lang = 'en',
  upstreamId = 'task-1',
): TaskRecord {
  return {
    id: `${kind}:${upstreamId}`,
    kind,
    purpose,
    upstreamId,
    platform: 'test',
    chat: { platform: 'test', id: 'g1', kind: 'group' },
    requester: { id: 'u2', name: '小红' },
    lang,
    statusMessage: { chatId: 'g1', messageId: '1' },
    replyTo: undefined,
    submittedAt: 0,
    deadline: 1e12,
    state: 'pending',
    wantedStatus: '',
    parts: [],
    outcome: undefined,
    misses: 0,
    owner: undefined,
    meta,
  };
}

function clip(n: number, over: Partial<SunoClip> = {}): SunoClip {
  return {
    id: `clip-${n}`,
    title: '雨中的城市 🌧',
    status: 'complete',
    audioUrl: `https://cdn.test/clip-${n}.mp3`,
    videoUrl: `https://cdn.test/clip-${n}.mp4`,
    imageUrl: `https://cdn.test/cover-${n}.png`,
    tags: 'pop, rainy, lo-fi',
    lyrics: '[Verse]\n雨落在窗台 rain on the window 🌧',
    durationSeconds: 123.4,
    errorMessage: '',
    model: 'chirp-auk',
    type: 'gen',
    ...over,
  };
}

function task(clips: SunoClip[], over: Partial<SunoTask> = {}): SunoTask {
  return {
    id: 'task-1',
    action: 'MUSIC',
    status: 'SUCCESS',
    failReason: '',
    clips,
    lyrics: undefined,
    ...over,
  };
}

/** One answer of a batch family, read for a record. */
async function viewOf(
  family: TaskFamily,
  api: Partial<ApiCore>,
  r: TaskRecord,
): Promise<UpstreamView | undefined> {
  if (family.fetchMany) {
    const answers = await family.fetchMany(api as ApiCore, [r.upstreamId]);
    return answers.find((a) => a.id === r.upstreamId)?.view(r);
  }
  return (await family.fetchOne(api as ApiCore, r.upstreamId))?.(r);
}

const parts = (v: UpstreamView | undefined): ResultPart[] => {
  if (v?.state !== 'success') throw new Error(`not a success: ${JSON.stringify(v)}`);
  return v.parts;
};
const commands = (p: ResultPart) => (p.buttons ?? []).flat().map((b) => b.command);

describe('the song families', () => {
  it('are all in FAMILIES, one per kind; the one-by-one ones ask a bounded number a tick', () => {
    const kinds = FAMILIES.map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['mj', 'suno', 'suno-act', 'udio']));
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const f of [sunoAct, udio]) {
      expect(f.fetchMany).toBeUndefined();
      expect(f.batchSize).toBeGreaterThan(0);
      expect(f.batchSize).toBeLessThanOrEqual(20);
    }
  });
});

describe('suno music parts', () => {
  const api = (t: SunoTask): Partial<ApiCore> => ({ sunoFetchMany: async () => [t] });

  it('delivers each clip with title, tags, requester, lyrics, the audio file and its buttons; never the video', async () => {
    const r = record('suno', 'song', { prompt: 'x' });
    const [a, b] = parts(await viewOf(suno, api(task([clip(1), clip(2)])), r));
    expect(a!.text).toBe(
      '🎵 雨中的城市 🌧\n🏷️ pop, rainy, lo-fi\n🙋 小红\n\n[Verse]\n雨落在窗台 rain on the window 🌧',
    );
    expect(a!.file).toEqual({
      url: 'https://cdn.test/clip-1.mp3',
      kind: 'audio',
      name: '雨中的城市 🌧.mp3',
      title: '雨中的城市 🌧',
      performer: 'Suno AI',
      durationSeconds: 123.4,
      thumbnailUrl: 'https://cdn.test/cover-1.png',
    });
    expect(b!.id).toBe('clip-2');
    expect(JSON.stringify([a, b])).not.toContain('.mp4');
    const extend = a!.buttons!.flat().find((btn) => btn.command === 'song-extend')!;
    expect(extend.args).toEqual({
      clip: 'clip-1',
      task: 'task-1',
      mv: 'chirp-auk',
      title: '雨中的城市 🌧',
      tags: 'pop, rainy, lo-fi',
      by: '小红',
      dur: 123,
    });
  });

  it('keeps the original requester on derived results and names who pressed', async () => {
    const r = record('suno', 'extend', { by: '小明', pressedBy: 'Alice 🎸' });
    const [a] = parts(await viewOf(suno, api(task([clip(1)])), r));
    expect(a!.text).toContain('🙋 小明 (via Alice 🎸)');
    expect(a!.buttons!.flat()[0]!.args.by).toBe('小明');
    const zh = record('suno', 'cover', { by: '小明', pressedBy: '小明' }, 'zh');
    const [c] = parts(await viewOf(suno, api(task([clip(1)])), zh));
    expect(c!.text).toContain('🙋 小明');
    expect(c!.text).not.toContain('操作');
  });

  it('offers Full song only under an extension (or a replaced section, which it joins)', async () => {
    const byPurpose = async (purpose: TaskPurpose) =>
      commands(parts(await viewOf(suno, api(task([clip(1)])), record('suno', purpose)))[0]!);
    for (const purpose of ['extend', 'upload', 'infill'] as const)
      expect(await byPurpose(purpose)).toContain('song-concat');
    for (const purpose of ['song', 'concat', 'cover', 'persona'] as const) {
      const got = await byPurpose(purpose);
      expect(got).not.toContain('song-concat');
      expect(got).toContain('song-extend');
    }
  });

  it('cuts long lyrics at a line, with emoji kept whole, so the caption fits', async () => {
    const lyrics = Array.from({ length: 80 }, (_, i) => `第${i}行 line ${i} 🎶🎵`).join('\n');
    const r = record('suno', 'song');
    const [a] = parts(await viewOf(suno, api(task([clip(1, { lyrics, tags: '摇滚 '.repeat(300) })])), r));
    expect(a!.text.length).toBeLessThanOrEqual(1024);
    expect(a!.text.endsWith('…')).toBe(true);
    expect(a!.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    const body = a!.text.split('\n\n')[1]!;
    expect(body.length).toBeLessThanOrEqual(CLIP_LYRICS_MAX_CHARS);
    expect(body.split('\n').at(-2)).toMatch(/🎶🎵$/); // whole lines, then the ellipsis
    expect(cutText('🎶🎶🎶', 4)).toBe('🎶…');
  });

  it('delivers stems as one audio file each and says so when done', async () => {
    const r = record('suno', 'stems');
    const stems = [
      clip(3, { title: '雨 - Vocals', type: 'stem' }),
      clip(4, { title: '雨 - Instrumental', type: 'stem', lyrics: '' }),
    ];
    const got = parts(await viewOf(suno, api(task(stems)), r));
    expect(got.map((p) => p.file?.name)).toEqual(['雨 - Vocals.mp3', '雨 - Instrumental.mp3']);
    expect(got[1]!.text).toBe('🎵 雨 - Instrumental\n🏷️ pop, rainy, lo-fi\n🙋 小红');
    expect(suno.doneText(r, 2)).toBe('✅ Suno · 2 stem(s) delivered');
    expect(suno.doneText(record('suno', 'concat', {}, 'zh'), 1)).toBe('✅ Suno · 完整歌曲已发送');
    expect(suno.doneText(record('suno', 'song'), 2)).toBe('✅ Suno · 2 clip(s) delivered');
  });

  it('words the progress by what was asked, in English and Chinese', async () => {
    const running = task([], { status: 'IN_PROGRESS' });
    const status = async (purpose: TaskPurpose, lang: Lang = 'en') => {
      const v = await viewOf(suno, api(running), record('suno', purpose, {}, lang));
      return v?.state === 'running' ? v.status : '';
    };
    expect(await status('song')).toBe('🎵 Suno · ▰▰▰▱▱▱▱▱▱▱ composing…');
    expect(await status('extend')).toBe('⏩ Suno · ▰▰▰▱▱▱▱▱▱▱ extending…');
    expect(await status('concat', 'zh')).toBe('🎼 Suno · ▰▰▰▱▱▱▱▱▱▱ 合成完整歌曲…');
    expect(await status('stems', 'zh')).toBe('🎚️ Suno · ▰▰▰▱▱▱▱▱▱▱ 分离音轨中…');
    const streaming = task([clip(1, { status: 'streaming' })], { status: 'IN_PROGRESS' });
    const v = await viewOf(suno, api(streaming), record('suno', 'cover'));
    expect(v).toEqual({ state: 'running', status: '🎵 Suno · ▰▰▰▰▰▰▰▱▱▱ 1 clip(s) recording…' });
  });
});

describe('udio', () => {
  it('maps a fetched Udio task like a Suno one: performer Udio, the model asked for on the buttons', async () => {
    const t = task([clip(7, { model: '', title: 'Udio 之歌 🎻' })], { id: 'udio-1' });
    const calls: string[] = [];
    const api: Partial<ApiCore> = {
      udioFetch: async (id) => {
        calls.push(id);
        return t;
      },
    };
    const r = record('udio', 'song', { mv: 'udio130-v1.5', by: '小明' }, 'en', 'udio-1');
    const [p] = parts(await viewOf(udio, api, r));
    expect(calls).toEqual(['udio-1']);
    expect(p!.file).toMatchObject({ kind: 'audio', performer: 'Udio', title: 'Udio 之歌 🎻' });
    expect(p!.text).toContain('🙋 小明');
    // Suno's buttons do not work on Udio clips: none, and a line saying why.
    expect(p!.buttons!.flat()).toEqual([]);
    expect(p!.text).toMatch(/^🎵 Udio 之歌 🎻\n🏷️ pop, rainy, lo-fi\n🙋 小明\nℹ️ .*Udio/);
    expect(udio.doneText(r, 2)).toBe('✅ Udio · 2 song(s) delivered');
  });

  it('words its progress, and reads failures, unknown tasks and failed requests apart', async () => {
    const r = record('udio', 'song', {}, 'zh', 'udio-2');
    const ask = (answer: () => Promise<SunoTask>) => viewOf(udio, { udioFetch: answer }, r);
    expect(await ask(async () => task([], { status: 'QUEUED' }))).toEqual({
      state: 'running',
      status: '🎶 Udio · 排队中…',
    });
    expect(await ask(async () => task([], { status: 'IN_PROGRESS' }))).toEqual({
      state: 'running',
      status: '🎶 Udio · ▰▰▰▱▱▱▱▱▱▱ 创作中…',
    });
    expect(
      await ask(async () => task([], { status: 'FAILURE', failReason: 'lyrics rejected 歌词被拒' })),
    ).toEqual({
      state: 'failure',
      reason: 'lyrics rejected 歌词被拒',
    });
    // Unknown upstream: a miss (the tick reports it lost after a few); anything else: ask again.
    expect(
      await ask(async () => Promise.reject(new BotError('not_found', 'task_not_exist'))),
    ).toBeUndefined();
    await expect(ask(async () => Promise.reject(new BotError('network', 'ECONNRESET')))).rejects.toThrow(
      'ECONNRESET',
    );
  });
});

describe('suno acts', () => {
  it('reads and writes act upstream ids, a nonce keeping two presses apart', () => {
    expect(sunoActId('wav', 'clip-1', 'm42')).toBe('wav:clip-1:m42');
    expect(parseSunoActId('wav:clip-1:m42')).toEqual({ act: 'wav', clipId: 'clip-1' });
    expect(parseSunoActId('timing:clip-1')).toEqual({ act: 'timing', clipId: 'clip-1' });
    expect(parseSunoActId('stems:clip-1')).toBeUndefined();
    expect(parseSunoActId('wav:')).toBeUndefined();
  });

  it('goes pending → ready with one act call per fetch, then delivers a .wav document', async () => {
    const answers: SunoActResult[] = [
      { state: 'pending' },
      { state: 'ready', url: 'https://cdn.test/a.wav' },
    ];
    const calls: string[] = [];
    const api: Partial<ApiCore> = {
      sunoAct: async (kind, clipId) => {
        calls.push(`${kind}/${clipId}`);
        return answers.shift()!;
      },
    };
    const r = record(
      'suno-act',
      'wav',
      { title: '雨中的城市 🌧', by: '小明' },
      'en',
      sunoActId('wav', 'clip-1', 'n1'),
    );
    expect(await viewOf(sunoAct, api, r)).toEqual({ state: 'running', status: '💿 WAV · converting…' });
    const [p] = parts(await viewOf(sunoAct, api, r));
    expect(calls).toEqual(['wav/clip-1', 'wav/clip-1']);
    expect(p).toEqual({
      id: 'wav',
      text: '💿 雨中的城市 🌧 · WAV\n🙋 小明',
      file: { url: 'https://cdn.test/a.wav', kind: 'file', mime: 'audio/wav', name: '雨中的城市 🌧.wav' },
    });
    expect(sunoAct.doneText(r, 1)).toBe('✅ WAV delivered');
  });

  it('delivers the MP4 as a video, with the clip’s duration', () => {
    const r = record('suno-act', 'video', { title: 'MV 🎬', dur: '95' }, 'zh', 'mp4:clip-1:n');
    expect(actView(r, 'mp4', { state: 'pending' })).toEqual({
      state: 'running',
      status: '🎬 视频 · 渲染中…',
    });
    const [p] = parts(actView(r, 'mp4', { state: 'ready', url: 'https://cdn.test/a.mp4' }));
    expect(p!.file).toEqual({
      url: 'https://cdn.test/a.mp4',
      kind: 'video',
      mime: 'video/mp4',
      name: 'MV 🎬.mp4',
      durationSeconds: 95,
    });
    expect(p!.text).toBe('🎬 MV 🎬\n🙋 小红');
    expect(sunoAct.doneText(r, 1)).toBe('✅ 音乐视频已发送');
  });

  it('builds the .lrc inline from the aligned words, with karaoke lines when short', () => {
    const r = record('suno-act', 'timing', { title: '雨 🌧', by: '小明' }, 'en', 'timing:clip-1:n');
    const words = [
      { word: '[Verse]\n雨落', start_s: 1.5, end_s: 2, success: true, p_align: 1 },
      { word: '在窗台 🌧\n', start_s: 2, end_s: 3, success: true, p_align: 1 },
      { word: '[Chorus]\nRain ', start_s: 10.25, end_s: 10.5, success: true, p_align: 1 },
      { word: 'again ', start_s: 10.5, end_s: 11, success: true, p_align: 1 },
    ];
    const [p] = parts(actView(r, 'timing', { state: 'ready', words }));
    expect(p).toEqual({
      id: 'lrc',
      text: '📝 雨 🌧 · timed lyrics\n🙋 小明\n\n`00:01` 雨落在窗台 🌧\n`00:10` Rain again',
      file: {
        data: '[ti:雨 🌧]\n[ar:小明]\n[00:01.50]雨落在窗台 🌧\n[00:10.25]Rain again\n',
        mime: 'text/plain',
        kind: 'file',
        name: '雨 🌧.lrc',
      },
    });
    expect(p!.file!.url).toBeUndefined();
  });

  it('leaves long timed lyrics to the file, and fails clearly when nothing was aligned', () => {
    const r = record('suno-act', 'timing', {}, 'zh', 'timing:clip-1:n');
    const words = Array.from({ length: KARAOKE_MAX_LINES + 1 }, (_, i) => ({
      word: `第${i}行\n`,
      start_s: i * 3,
      end_s: i * 3 + 1,
      success: true,
      p_align: 1,
    }));
    const [p] = parts(actView(r, 'timing', { state: 'ready', words }));
    expect(p!.text).toBe(
      '📝 Suno · 逐句歌词\n🙋 小红\n\n共 13 行，见 .lrc 文件（可在支持歌词的播放器中打开）。',
    );
    expect(p!.file!.data!.split('\n')).toHaveLength(13 + 3); // title, artist, lines, final newline
    expect(actView(r, 'timing', { state: 'ready', words: [] })).toEqual({
      state: 'failure',
      reason: '网关没有为此片段对齐到歌词（是纯音乐吗？）',
    });
  });

  it('ends the task with the gateway’s words on a refusal, and asks again after a failed request', async () => {
    const r = record('suno-act', 'timing', {}, 'en', 'timing:clip-9:n');
    const refusing: Partial<ApiCore> = {
      sunoAct: () => Promise.reject(new BotError('bad_request', 'x', { upstreamMessage: '仅限chirp_auk' })),
    };
    expect(await viewOf(sunoAct, refusing, r)).toEqual({ state: 'failure', reason: '仅限chirp_auk' });
    const down: Partial<ApiCore> = { sunoAct: () => Promise.reject(new BotError('network', 'ECONNREFUSED')) };
    await expect(viewOf(sunoAct, down, r)).rejects.toThrow('ECONNREFUSED');
  });
});
