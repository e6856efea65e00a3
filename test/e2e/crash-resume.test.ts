import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { klingImageFake } from '../fakes/apicore/images.js';
import { defaultSunoMusicStages } from '../fakes/apicore/suno.js';
import { videoFake } from '../fakes/apicore/video.js';
import { FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';

const ROOT = join(import.meta.dirname, '..', '..');

let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});

interface Bot {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** The real bot (`npm run console`'s entry point) as a separate process. */
function startBot(storeFile: string): Bot {
  const child = spawn(process.execPath, ['dist/main.mjs', '--console'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: `sqlite://${storeFile}`,
      TASK_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', () => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('crash safety with real processes', () => {
  it('kill -9 while a song is pending; the next start delivers it exactly once', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'bot-crash-')), 'bot.sqlite');
    const [, streaming, success] = defaultSunoMusicStages(
      fake.url,
      { title: '重启之歌 Restart Song' },
      [801, 802],
    );
    // Queued until the test moves it on, so the first process dies with the task pending.
    const queued = Array.from({ length: 10_000 }, () => ({ status: 'QUEUED', progress: '0%', data: null }));
    fake.sunoStages.push([...queued, streaming!, success!]);

    const first = startBot(store);
    first.child.stdin!.write('/song 重启之歌 a song that survives a crash\n');
    await until(() => first.out().includes('✅ Accepted'), 'the song to be accepted');
    await until(() => fake.requestsTo('POST', '/suno/fetch').length >= 2, 'the poller to run');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.out()).not.toContain('📎 audio');

    const [task] = [...fake.sunoTasks.values()].filter((t) => t.stages.length > 1000);
    task!.stage = task!.stages.length - 2;

    const second = startBot(store);
    second.child.stdin!.end(); // no new input: it only finishes what is pending, then exits
    expect(await second.exited).toBe(0);
    const out = second.out();
    expect(out.match(/📎 audio: \S+\/files\/clip-801\.mp3/g)).toHaveLength(1);
    expect(out.match(/📎 audio: \S+\/files\/clip-802\.mp3/g)).toHaveLength(1);
    expect(out).toContain('🎵 重启之歌 Restart Song');
    expect(out).toContain('✅ Suno · 2 clip(s) delivered');

    // A third start finds nothing to deliver again.
    const third = startBot(store);
    third.child.stdin!.end();
    expect(await third.exited).toBe(0);
    expect(third.out()).toBe('');
  }, 60_000);

  it("kill -9 between a video task's submit and its result; the next start delivers the video exactly once", async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'bot-video-crash-')), 'bot.sqlite');
    // Generating until the test moves it on, so the first process dies with the task pending.
    videoFake(fake).scripts.push({ polls: 10_000 });

    const first = startBot(store);
    first.child.stdin!.write('/video model:kling-v1-6 重启的猫 a cat that survives a crash 🐱\n');
    await until(() => first.out().includes('✅ Accepted'), 'the video to be accepted');
    await until(
      () => fake.requestsTo('GET', '/kling/v1/videos/text2video/*').length >= 2,
      'the poller to run',
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.out()).not.toContain('📎 video');
    expect(fake.requestsTo('POST', '/kling/v1/videos/text2video')).toHaveLength(1);

    const [task] = [...videoFake(fake).tasks.values()].filter((t) => t.polls === 10_000);
    task!.polled = task!.polls;

    const second = startBot(store);
    second.child.stdin!.end(); // no new input: it only finishes what is pending, then exits
    expect(await second.exited).toBe(0);
    const out = second.out();
    expect(out.match(/📎 video: \S+\/files\/kling-video-\d+\.mp4/g)).toHaveLength(1);
    expect(out).toContain('🎬 重启的猫 a cat that survives a crash 🐱');
    expect(out).toContain('✅ Kling · video delivered');
    // Polled again, never submitted again.
    expect(fake.requestsTo('POST', '/kling/v1/videos/text2video')).toHaveLength(1);

    const third = startBot(store);
    third.child.stdin!.end();
    expect(await third.exited).toBe(0);
    expect(third.out()).toBe('');
  }, 60_000);

  it('kill -9 while a Kling image task is drawing; the next start delivers the photo exactly once', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'bot-image-crash-')), 'bot.sqlite');
    // Drawing until the test moves it on, so the first process dies with the task pending.
    klingImageFake(fake).scripts.push({ pending: 10_000 });

    const first = startBot(store);
    first.child.stdin!.write('/draw model:kling-v1 重启的山 mountains that survive a crash ⛰️\n');
    await until(() => first.out().includes('✅ Accepted'), 'the image task to be accepted');
    await until(
      () => fake.requestsTo('GET', '/kling/v1/images/generations/*').length >= 2,
      'the poller to run',
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.out()).not.toContain('📎 image');
    expect(fake.requestsTo('POST', '/kling/v1/images/generations')).toHaveLength(1);

    const [task] = [...klingImageFake(fake).tasks.values()].filter((t) => t.pending === 10_000);
    task!.pending = 0;

    const second = startBot(store);
    second.child.stdin!.end(); // no new input: it only finishes what is pending, then exits
    expect(await second.exited).toBe(0);
    const out = second.out();
    expect(out.match(/📎 image: /g)).toHaveLength(1);
    expect(out).toContain(`${task!.id}-0.png`);
    expect(out).toContain('🖼️ 重启的山 mountains that survive a crash ⛰️');
    expect(out).toContain('✅ Done (kling-v1)');
    // Polled again, never submitted again.
    expect(fake.requestsTo('POST', '/kling/v1/images/generations')).toHaveLength(1);

    const third = startBot(store);
    third.child.stdin!.end();
    expect(await third.exited).toBe(0);
    expect(third.out()).toBe('');
  }, 60_000);
});
