import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';
import { count, musicSubmits, publicFilesEnv, wavFile } from '../helpers/songs.js';

// The song family in the terminal: every button is typed as `[label]`, a form's fields are asked
// one line at a time ("-" skips an optional one).

let api: FakeApiCore;
beforeAll(async () => {
  api = await FakeApiCore.start();
});
afterAll(async () => {
  await api.close();
});

const ENV = { TASK_POLL_INTERVAL_MS: '100' };
const delivered = (n: number) => new RegExp(`(delivered[\\s\\S]*){${n}}`);

describe('songs in the terminal', () => {
  it('song → Extend (form: default point, new lyrics) → Full song delivered as one track', async () => {
    const before = musicSubmits(api, 'extend').length;
    const run = await runConsole(
      api,
      [
        '/song 月光 moonlight over the sea 🌙',
        { after: delivered(1) },
        '[⏩ Extend]',
        { after: /From second/ },
        '-',
        { after: /Lyrics for the continuation/ },
        '[Verse 2]\\n月光照在海上 moonlight on the sea 🌊',
        { after: /Style \(empty: the same\)/ },
        '-',
        { after: delivered(2) },
        '[🎼 Full song]',
        { after: delivered(3) },
      ],
      { env: ENV },
    );
    const out = run.output;
    // The song asked for the default model, then the extension continued the clip near its end.
    const song = api
      .requestsTo('POST', '/suno/submit/music')
      .map((r) => r.json as Record<string, unknown>)
      .find((j) => j.gpt_description_prompt === '月光 moonlight over the sea 🌙');
    expect(song?.mv).toBe('chirp-auk');
    const extend = musicSubmits(api, 'extend').slice(before);
    expect(extend).toHaveLength(1);
    expect(extend[0]).toMatchObject({
      continue_at: 113,
      prompt: '[Verse 2]\n月光照在海上 moonlight on the sea 🌊',
      mv: 'chirp-auk',
    });
    expect(typeof extend[0]!.task_id).toBe('string');
    // Only the extension's clips offer Full song; the concat is one track.
    const concat = api.requestsTo('POST', '/suno/submit/concat');
    const extensionTask = [...api.sunoTasks.values()].find(
      (t) => (t.submitBody as { task?: string }).task === 'extend',
    );
    const lastStage = extensionTask!.stages.at(-1)!;
    const extensionClips = (lastStage.data as { id: string }[]).map((c) => c.id);
    const joined = concat.at(-1)!.json as { clip_id: string; is_infill: boolean };
    expect(joined.is_infill).toBe(false);
    expect(extensionClips).toContain(joined.clip_id);
    const afterConcat = out.slice(out.lastIndexOf('[🎼 Full song]'));
    expect(count(afterConcat, '📎 audio:')).toBe(1);
    expect(out).toContain('月光照在海上 moonlight on the sea 🌊');
    expect(count(out, '[🎼 Full song]')).toBeGreaterThanOrEqual(2);
    expect(out.slice(0, out.indexOf('[🎼 Full song]'))).not.toMatch(/Full song[\s\S]*Full song/);
  });

  it('Cover asks for the new style; More offers the rest; Stems, WAV, Video and Timed lyrics deliver', async () => {
    const run = await runConsole(
      api,
      [
        '/song 城市的雨 rain in the city ☔',
        { after: delivered(1) },
        '[🎨 Cover]',
        { after: /New style/ },
        'jazz 爵士, female vocal 🎷',
        { after: /Title \(empty: the same\)/ },
        '雨夜爵士 Rainy Jazz 🎷',
        { after: delivered(2) },
        '[➕ More]',
        { after: /\[🎚️ Stems\]/ },
        '[🎚️ Stems]',
        { after: delivered(3) },
        '[💿 WAV]',
        { after: delivered(4) },
        '[🎬 Video]',
        { after: delivered(5) },
        '[📝 Timed lyrics]',
        { after: delivered(6) },
      ],
      { env: ENV },
    );
    const out = run.output;
    const cover = musicSubmits(api, 'cover').at(-1);
    expect(cover).toMatchObject({ tags: 'jazz 爵士, female vocal 🎷', title: '雨夜爵士 Rainy Jazz 🎷' });
    expect(out).toContain('雨夜爵士 Rainy Jazz 🎷');
    // More: the second row, every feature (chirp-auk can do them all).
    expect(out).toMatch(
      /\[✂️ Replace section\] \[🗣️ Persona\] \[🎚️ Stems\]\n\[💿 WAV\] \[🎬 Video\] \[📝 Timed lyrics\]/,
    );
    // Stems: two files, vocals and instrumental.
    expect(musicSubmits(api, 'gen_stem').at(-1)).toMatchObject({
      stem_task: 'two',
      stem_type_group_name: 'Two',
    });
    expect(out).toMatch(/- Vocals/);
    expect(out).toMatch(/- Instrumental/);
    // WAV, the MP4 and the .lrc.
    expect(out).toMatch(/\.wav/);
    expect(out).toMatch(/📎 video: \S+\.mp4/);
    expect(out).toMatch(/\.lrc/);
    expect(api.requestsTo('GET', '/suno/act/wav/*').length).toBeGreaterThanOrEqual(2);
  });

  it('uploads a local audio file (served at PUBLIC_BASE_URL/files/…), extends it, then covers it', async () => {
    const served = await publicFilesEnv();
    const env = { ...ENV, ...served };
    const file = wavFile('hum-哼唱.wav', 12);
    const run = await runConsole(
      api,
      [
        `/song 我的哼唱 my humming 🎤 ${file}`,
        { after: delivered(1) },
        '[🎨 Cover]',
        { after: /New style/ },
        'rock 摇滚 🎸',
        { after: /Title \(empty: the same\)/ },
        '-',
        { after: delivered(2) },
      ],
      { env },
    );
    const upload = api.requestsTo('POST', '/suno/uploads/audio-url').at(-1)?.json as { url: string };
    expect(upload.url).toMatch(new RegExp(`^${served.PUBLIC_BASE_URL}/files/[A-Za-z0-9_-]{24}/hum-`));
    const extend = musicSubmits(api, 'upload_extend').at(-1);
    expect(extend).toMatchObject({ tags: '我的哼唱 my humming 🎤', mv: 'chirp-auk' });
    expect(extend?.continue_at).toBeCloseTo(11.5, 1);
    expect(musicSubmits(api, 'cover').at(-1)).toMatchObject({ tags: 'rock 摇滚 🎸' });
    expect(run.output).not.toContain('❌');
  });

  it('without PUBLIC_BASE_URL an upload says what to set, and nothing is sent', async () => {
    const uploads = api.requestsTo('POST', '/suno/uploads/audio-url').length;
    const file = wavFile('voice.wav', 3);
    const run = await runConsole(api, [`/song hum ${file}`], { env: ENV });
    expect(run.output).toContain('PUBLIC_BASE_URL');
    expect(api.requestsTo('POST', '/suno/uploads/audio-url')).toHaveLength(uploads);
  });

  it('refuses a file that is not audio, before anything is charged', async () => {
    const uploads = api.requestsTo('POST', '/suno/uploads/audio-url').length;
    const dir = wavFile('x.wav', 1).replace(/x\.wav$/, '');
    const notes = `${dir}notes-笔记.txt`;
    writeFileSync(notes, 'la la la 啦啦啦 🎵');
    const run = await runConsole(api, [`/song hum ${notes}`], {
      env: { ...ENV, ...(await publicFilesEnv()) },
    });
    expect(run.output).toContain('“notes-笔记.txt” is not audio: send a voice note or an audio file');
    expect(api.requestsTo('POST', '/suno/uploads/audio-url')).toHaveLength(uploads);
  });

  it('an older model leaves out Stems, Video and Timed lyrics with a line saying why', async () => {
    const run = await runConsole(
      api,
      ['/song old 老歌 🎻', { after: delivered(1) }, '[➕ More]', { after: /need chirp-auk/ }],
      { env: { ...ENV, SUNO_MODEL: 'chirp-v3-5' } },
    );
    expect(run.output).toContain(
      'Stems, Video and Timed lyrics need chirp-auk (v4.5) or newer; this clip was made with chirp-v3-5.',
    );
    expect(run.output).not.toContain('[🎚️ Stems]');
    expect(run.output).toContain('[💿 WAV]');
  });

  it('Replace section (start, end, lyrics) → Full song joins it back; Persona sings new lyrics in the voice', async () => {
    const run = await runConsole(
      api,
      [
        '/song 旧城 old town 🏚️',
        { after: delivered(1) },
        '[➕ More]',
        { after: /\[✂️ Replace section\]/ },
        '[✂️ Replace section]',
        { after: /From second/ },
        '0:20',
        { after: /To second/ },
        '45',
        { after: /Lyrics for that section/ },
        '[Chorus]\\n新的副歌 a new chorus 🎶',
        { after: delivered(2) },
        '[🎼 Full song]',
        { after: delivered(3) },
        '[➕ More]',
        { after: /\[🗣️ Persona\][\s\S]*\[🗣️ Persona\]/ },
        '[🗣️ Persona]',
        { after: /Lyrics \(or what the song is about\)/ },
        '同一个声音 the same voice 🗣️',
        { after: /Style \(empty: the same\)/ },
        '-',
        { after: delivered(4) },
      ],
      { env: ENV },
    );
    expect(musicSubmits(api, 'infill').at(-1)).toMatchObject({
      infill_start_s: 20,
      infill_end_s: 45,
      prompt: '[Chorus]\n新的副歌 a new chorus 🎶',
    });
    expect(api.requestsTo('POST', '/suno/submit/concat').at(-1)?.json).toMatchObject({ is_infill: true });
    const persona = api.requestsTo('POST', '/suno/persona/create/').at(-1)?.json as Record<string, unknown>;
    const sung = musicSubmits(api, 'artist_consistency').at(-1);
    expect(sung).toMatchObject({
      prompt: '同一个声音 the same voice 🗣️',
      artist_clip_id: persona.root_clip_id,
    });
    expect(run.output).not.toContain('❌');
  });

  it('refuses an extend point past the clip’s end before anything is sent or charged', async () => {
    const extends_ = musicSubmits(api, 'extend').length;
    const run = await runConsole(
      api,
      [
        '/song 短歌 short 🐜',
        { after: delivered(1) },
        '[⏩ Extend]',
        { after: /From second/ },
        '9:59',
        { after: /Lyrics for the continuation/ },
        '-',
        { after: /Style \(empty: the same\)/ },
        '-',
        { after: /past the end/ },
      ],
      { env: ENV },
    );
    expect(run.output).toContain(
      '⏩ 599 s is past the end of “雨中的城市 🌧” (123 s): pick a second within the song.',
    );
    expect(musicSubmits(api, 'extend')).toHaveLength(extends_);
  });
});
