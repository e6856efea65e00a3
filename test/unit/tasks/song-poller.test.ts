import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiCore, SunoActResult, SunoClip, SunoTask } from '../../../src/core/apicore.js';
import type { ChatRef } from '../../../src/core/platform.js';
import type { Store } from '../../../src/core/store.js';
import { sunoActId, type TaskKind, type TaskPurpose } from '../../../src/core/tasks.js';
import { BotError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { SchedulerRegistry } from '../../../src/render/scheduler.js';
import { ButtonRegistry } from '../../../src/store/buttons.js';
import { memoryStore, sqliteStore } from '../../../src/store/index.js';
import { MISSING_POLLS_LIMIT } from '../../../src/tasks/poll-tick.js';
import { TaskPoller } from '../../../src/tasks/poller.js';
import { RecordingAdapter } from '../../helpers/recording-adapter.js';

const chat: ChatRef = { platform: 'test', id: 'group-1', kind: 'group' };
const user = { id: 'u1', name: '小明' };

/** A clock that moves only when a test says so; timers due by then fire (retries). */
class HandClock {
  t = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.#timers.delete(id as number);
  };
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.at <= this.t) {
        this.#timers.delete(id);
        timer.fn();
      }
    }
  }
}

function clip(n: number, title: string): SunoClip {
  return {
    id: `udio-song-${n}`,
    title,
    status: 'complete',
    audioUrl: `https://cdn.test/udio-${n}.mp3`,
    videoUrl: '',
    imageUrl: `https://cdn.test/udio-${n}.png`,
    tags: 'folk, 民谣',
    lyrics: '月亮代表我的心 🌙',
    durationSeconds: 131,
    errorMessage: '',
    model: '',
    type: '',
  };
}

const udioTask = (id: string, status: SunoTask['status'], clips: SunoClip[] = []): SunoTask => ({
  id,
  action: 'udio-generate',
  status,
  failReason: '',
  clips,
  lyrics: undefined,
});

/**
 * The gateway as the song families see it: scripted act answers per `${act}/${clip}` and Udio
 * answers per task id (the last answer sticks), every call counted.
 */
class Gateway {
  acts = new Map<string, SunoActResult[]>();
  udio = new Map<string, Array<SunoTask | Error>>();
  calls: string[] = [];
  downloads: string[] = [];

  readonly api = {
    sunoAct: async (act: string, clipId: string): Promise<SunoActResult> => {
      this.calls.push(`act ${act}/${clipId}`);
      return next(this.acts.get(`${act}/${clipId}`), `${act}/${clipId}`);
    },
    udioFetch: async (id: string): Promise<SunoTask> => {
      this.calls.push(`udio ${id}`);
      const answer = next(this.udio.get(id), id);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    download: async (url: string) => {
      this.downloads.push(url);
      return {
        data: new Uint8Array([0x49, 0x44, 0x33, 1]),
        mime: url.endsWith('.wav') ? 'audio/wav' : 'audio/mpeg',
      };
    },
    sunoFetchMany: async () => [],
    mjFetchMany: async () => [],
  } as unknown as ApiCore;

  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

function next<T>(queue: T[] | undefined, what: string): T {
  if (!queue?.length) throw new BotError('not_found', `nothing scripted for ${what}`);
  return queue.length > 1 ? queue.shift()! : queue[0]!;
}

function setup(gateway: Gateway, store: Store = memoryStore(), adapter = new RecordingAdapter()) {
  const clock = new HandClock();
  const poller = new TaskPoller({
    store,
    apicore: gateway.api,
    buttons: new ButtonRegistry(store),
    schedulers: new SchedulerRegistry(),
    log: silentLogger(),
    intervalMs: 24 * 3600_000, // ticks run only when a test calls tick()
    clock,
  });
  return { clock, adapter, poller, store };
}

async function submitted(
  s: ReturnType<typeof setup>,
  kind: TaskKind,
  purpose: TaskPurpose,
  upstreamId: string,
  meta: Record<string, string> = {},
) {
  const status = await s.adapter.channel(chat).send({ text: `✅ accepted ${upstreamId}` });
  await s.poller.track(
    { kind, purpose, upstreamId, statusMessage: status, meta },
    { chat, user, lang: 'en', replyTo: undefined },
  );
  return status.messageId;
}

const WORDS = [
  { word: '[Verse]\n月亮', start_s: 2, end_s: 2.5, success: true, p_align: 1 },
  { word: '代表我的心 🌙\n', start_s: 2.5, end_s: 4, success: true, p_align: 1 },
  { word: '[Chorus]\nThe ', start_s: 8, end_s: 8.2, success: true, p_align: 1 },
  { word: 'moon ', start_s: 8.2, end_s: 8.6, success: true, p_align: 1 },
];

describe('song tasks in the poller', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('delivers an act task and a Udio task once each: one call per record per tick, then none', async () => {
    const gw = new Gateway();
    const s = setup(gw);
    stop = () => s.poller.stop();
    await s.poller.start([s.adapter]);
    gw.acts.set('timing/clip-a', [{ state: 'pending' }, { state: 'ready', words: WORDS }]);
    gw.acts.set('wav/clip-a', [{ state: 'pending' }, { state: 'ready', url: 'https://cdn.test/a.wav' }]);
    gw.udio.set('udio-1', [
      udioTask('udio-1', 'QUEUED'),
      udioTask('udio-1', 'IN_PROGRESS'),
      udioTask('udio-1', 'SUCCESS', [clip(1, '月亮 🌙'), clip(2, 'Moon 🌕')]),
    ]);
    const meta = { title: '月亮 🌙', by: '小红', pressedBy: '小明', dur: '131' };
    const timing = await submitted(s, 'suno-act', 'timing', sunoActId('timing', 'clip-a', 'p1'), meta);
    const wav = await submitted(s, 'suno-act', 'wav', sunoActId('wav', 'clip-a', 'p2'), meta);
    const udio = await submitted(s, 'udio', 'song', 'udio-1', { mv: 'udio130-v1.5', by: '小明' });
    const status = (id: string) => s.adapter.messages.find((m) => m.id === id)!;

    await s.poller.tick();
    expect(gw.calls.sort()).toEqual(['act timing/clip-a', 'act wav/clip-a', 'udio udio-1']);
    expect(status(timing).text).toBe('📝 Timed lyrics · aligning…');
    expect(status(wav).text).toBe('💿 WAV · converting…');
    expect(status(udio).text).toBe('🎶 Udio · queued…');

    await s.poller.tick(); // acts ready; Udio composing
    expect(status(udio).text).toBe('🎶 Udio · ▰▰▰▱▱▱▱▱▱▱ composing…');
    await s.poller.tick(); // Udio ready
    for (let i = 0; i < 3; i++) await s.poller.tick();
    expect(gw.count('act timing')).toBe(2);
    expect(gw.count('act wav')).toBe(2);
    expect(gw.count('udio')).toBe(3);

    const lrc = s.adapter.messages.filter((m) => m.files.some((f) => f.name.endsWith('.lrc')));
    expect(lrc).toHaveLength(1);
    expect(lrc[0]!.text).toBe(
      '📝 月亮 🌙 · timed lyrics\n🙋 小红 (via 小明)\n\n`00:02` 月亮代表我的心 🌙\n`00:08` The moon',
    );
    expect(Buffer.from(lrc[0]!.files[0]!.data!).toString('utf8')).toBe(
      '[ti:月亮 🌙]\n[ar:小红]\n[00:02.00]月亮代表我的心 🌙\n[00:08.00]The moon\n',
    );
    const wavs = s.adapter.messages.filter((m) => m.files.some((f) => f.name === '月亮 🌙.wav'));
    expect(wavs).toHaveLength(1);
    expect(wavs[0]!.files[0]).toMatchObject({ kind: 'file', mime: 'audio/wav' });
    const songs = s.adapter.withFiles('audio');
    expect(songs.map((m) => m.files[0]!.name)).toEqual(['月亮 🌙.mp3', 'Moon 🌕.mp3']);
    expect(songs[0]!.files[0]).toMatchObject({ performer: 'Udio', title: '月亮 🌙', durationSeconds: 131 });
    expect(songs[0]!.text).toContain('🙋 小明');
    // The .lrc was made here: only the WAV and the two songs were downloaded.
    expect(gw.downloads.sort()).toEqual([
      'https://cdn.test/a.wav',
      'https://cdn.test/udio-1.mp3',
      'https://cdn.test/udio-2.mp3',
    ]);
    expect(status(timing).text).toBe('✅ Timed lyrics delivered');
    expect(status(wav).text).toBe('✅ WAV delivered');
    expect(status(udio).text).toBe('✅ Udio · 2 song(s) delivered');
    expect(s.poller.pending).toBe(0);
  });

  it('picks up pending act and Udio tasks after a restart and delivers them exactly once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'song-poller-')), 'bot.sqlite');
    const platform = new RecordingAdapter();
    const gw = new Gateway();
    gw.acts.set('mp4/clip-b', [{ state: 'pending' }, { state: 'ready', url: 'https://cdn.test/b.mp4' }]);
    gw.udio.set('udio-9', [
      udioTask('udio-9', 'IN_PROGRESS'),
      udioTask('udio-9', 'SUCCESS', [clip(9, '重启 Restart 🔁')]),
    ]);
    const first = setup(gw, sqliteStore(file), platform);
    await first.poller.start([platform]);
    await submitted(first, 'suno-act', 'video', sunoActId('mp4', 'clip-b', 'x'), { title: 'MV' });
    await submitted(first, 'udio', 'song', 'udio-9');
    await first.poller.tick(); // both still working
    await first.poller.stop();
    await first.store.close();

    for (let run = 0; run < 2; run++) {
      const again = setup(gw, sqliteStore(file), platform);
      await again.poller.start([platform]);
      expect(again.poller.pending).toBe(run === 0 ? 2 : 0);
      await again.poller.tick();
      await again.poller.tick();
      await again.poller.stop();
      await again.store.close();
    }
    expect(platform.withFiles('video').map((m) => m.files[0]!.name)).toEqual(['MV.mp4']);
    expect(platform.withFiles('audio').map((m) => m.files[0]!.name)).toEqual(['重启 Restart 🔁.mp3']);
    expect(gw.count('act mp4')).toBe(2);
    expect(gw.count('udio')).toBe(2);
  });

  it('asks a family without a batch endpoint one by one, a bounded number a tick, reaching all in turn', async () => {
    const gw = new Gateway();
    const s = setup(gw);
    stop = () => s.poller.stop();
    await s.poller.start([s.adapter]);
    for (let i = 0; i < 25; i++) {
      gw.udio.set(`u-${i}`, [udioTask(`u-${i}`, 'IN_PROGRESS')]);
      await submitted(s, 'udio', 'song', `u-${i}`);
    }
    const asked = new Set<string>();
    for (let tick = 1; tick <= 3; tick++) {
      gw.calls.length = 0;
      await s.poller.tick();
      expect(gw.calls.length).toBeLessThanOrEqual(10);
      for (const c of gw.calls) asked.add(c);
    }
    expect(asked.size).toBe(25);
  });

  it('keeps a task whose request failed for the next tick, and reports one the gateway never knew', async () => {
    const gw = new Gateway();
    const s = setup(gw);
    stop = () => s.poller.stop();
    await s.poller.start([s.adapter]);
    gw.udio.set('flaky', [
      new BotError('network', 'ECONNRESET'),
      udioTask('flaky', 'SUCCESS', [clip(5, 'Flaky')]),
    ]);
    const flaky = await submitted(s, 'udio', 'song', 'flaky');
    const ghost = await submitted(s, 'udio', 'song', 'ghost'); // nothing scripted: not_found
    await s.poller.tick();
    expect(s.adapter.withFiles('audio')).toHaveLength(0);
    await s.poller.tick();
    expect(s.adapter.withFiles('audio')).toHaveLength(1);
    for (let i = 2; i < MISSING_POLLS_LIMIT; i++) await s.poller.tick();
    const text = (id: string) => s.adapter.messages.find((m) => m.id === id)!.text;
    expect(text(flaky)).toBe('✅ Udio · 1 song(s) delivered');
    expect(text(ghost)).toBe('❌ The gateway no longer knows this task (ghost). Please try again.');
    expect(s.poller.pending).toBe(0);
  });

  it('fails an act task with the gateway’s refusal, on its status message', async () => {
    const gw = new Gateway();
    gw.api.sunoAct = async () => {
      throw new BotError('bad_request', 'refused', { upstreamMessage: '仅限chirp_auk' });
    };
    const s = setup(gw);
    stop = () => s.poller.stop();
    await s.poller.start([s.adapter]);
    const id = await submitted(s, 'suno-act', 'timing', sunoActId('timing', 'old-clip', 'n'));
    await s.poller.tick();
    expect(s.adapter.messages.find((m) => m.id === id)!.text).toBe('❌ The task failed: 仅限chirp_auk');
    expect(s.poller.pending).toBe(0);
  });

  it('posts a generated file’s text when the platform keeps refusing the file', async () => {
    const gw = new Gateway();
    gw.acts.set('timing/clip-c', [{ state: 'ready', words: WORDS }]);
    const s = setup(gw);
    stop = () => s.poller.stop();
    await s.poller.start([s.adapter]);
    s.adapter.refuseSendWhen = (m) => (m.files ?? []).length > 0;
    const id = await submitted(s, 'suno-act', 'timing', sunoActId('timing', 'clip-c', 'n'), {
      title: 'Moon',
    });
    await s.poller.tick();
    for (let i = 0; i < 4; i++) {
      s.clock.advance(60_000);
      await s.poller.tick();
    }
    const posted = s.adapter.messages.filter((m) => m.text.includes('[00:02.00]'));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toContain(
      '```\n[ti:Moon]\n[ar:小明]\n[00:02.00]月亮代表我的心 🌙\n[00:08.00]The moon\n\n```',
    );
    expect(s.adapter.messages.find((m) => m.id === id)!.text).toBe(
      '✅ Timed lyrics delivered\n🔗 1 result(s) could not be sent as files; their links are above.',
    );
    expect(gw.count('act timing')).toBe(1);
  });
});
