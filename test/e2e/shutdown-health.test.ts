import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { memoryStore } from '../../src/store/index.js';
import { chatChunks, FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';
import { RecordingAdapter } from '../helpers/recording-adapter.js';

const ROOT = join(import.meta.dirname, '..', '..');
let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});

describe('graceful shutdown and health', () => {
  it('on SIGTERM finishes the answer in flight, then exits 0', async () => {
    const answer = '慢慢来 Slowly, slowly 🐢 — every word arrives.';
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(answer, { pieces: 10 }),
      delayMs: 150,
    });
    const child = spawn(process.execPath, ['dist/main.mjs', '--console'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        APICORE_API_KEY: FAKE_API_KEY,
        APICORE_BASE_URL: fake.url,
        STORE_URL: 'memory',
        LOG_LEVEL: 'info',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('/chat tell me slowly\n');
    // Wait until the answer has started streaming, then ask the bot to stop.
    const start = Date.now();
    while (fake.requestsTo('POST', '/v1/chat/completions').length === 0 && Date.now() - start < 15_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toBe(`${answer}\n`);
    expect(err).toContain('"msg":"shutting down"');
    expect(err).not.toContain(FAKE_API_KEY);
  }, 30_000);

  it('serves /healthz: ready, platforms connected, store reachable', async () => {
    const config = loadConfig({
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: 'memory',
    });
    const platform = new RecordingAdapter('test');
    let connected = true;
    Object.assign(platform, { healthy: () => connected });
    const app: App = createApp({
      config,
      log: silentLogger(),
      adapters: [platform],
      store: memoryStore(),
      healthPort: 0,
    });
    await app.start();
    try {
      const ok = await fetch(`${app.healthAddress}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({
        status: 'ok',
        ready: true,
        platforms: { test: { state: 'up' } },
        store: true,
        pendingTasks: 0,
      });
      connected = false;
      const down = await fetch(`${app.healthAddress}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'unhealthy',
        platforms: { test: { state: 'unhealthy', reason: 'not connected' } },
      });
      expect((await fetch(`${app.healthAddress}/other`)).status).toBe(404);
    } finally {
      await app.stop(100);
    }
  });

  it('answers /healthz from the first moment: 503 "starting" while a platform is still connecting', async () => {
    const config = loadConfig({
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: 'memory',
    });
    const slow = new RecordingAdapter('slow');
    let connect!: () => void;
    Object.assign(slow, { start: () => new Promise<void>((resolve) => (connect = resolve)) });
    const app = createApp({
      config,
      log: silentLogger(),
      adapters: [slow, new RecordingAdapter('quick')],
      store: memoryStore(),
      healthPort: 0,
    });
    const started = app.start();
    try {
      while (!app.healthAddress || !connect) await new Promise((r) => setTimeout(r, 5));
      const early = await fetch(`${app.healthAddress}/healthz`);
      expect(early.status).toBe(503);
      expect(await early.json()).toMatchObject({
        status: 'starting',
        ready: false,
        platforms: { slow: { state: 'starting' }, quick: { state: 'up' } },
      });
      connect();
      await started;
      const ready = await fetch(`${app.healthAddress}/healthz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', platforms: { slow: { state: 'up' } } });
    } finally {
      connect?.();
      await started;
      await app.stop(100);
    }
  });

  it('a platform that cannot start is logged once and reported; the others start and answer 你好 👋', async () => {
    const logs: string[] = [];
    const config = loadConfig({
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: 'memory',
    });
    const log = createLogger({
      level: 'info',
      secrets: [FAKE_API_KEY],
      destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
    });
    const broken = new RecordingAdapter('broken');
    Object.assign(broken, {
      start: async () => {
        // Refused for good (a bad token, say): reported as it is, never tried again.
        throw Object.assign(new Error(`login refused 🚫 for key ${FAKE_API_KEY}`), { permanent: true });
      },
    });
    const working = new RecordingAdapter('working');
    const app = createApp({ config, log, adapters: [broken, working], store: memoryStore(), healthPort: 0 });
    await app.start();
    try {
      const lines = logs.map((l) => JSON.parse(l) as { level: number; msg: string; platform?: string });
      expect(lines.filter((l) => l.level >= 50)).toEqual([
        expect.objectContaining({
          platform: 'broken',
          msg: 'broken could not start; the other platforms run without it',
        }),
      ]);
      expect(lines.find((l) => l.msg === 'ready')).toMatchObject({
        platforms: { broken: 'unhealthy', working: 'up' },
      });
      const res = await fetch(`${app.healthAddress}/healthz`);
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body).toMatchObject({
        status: 'unhealthy',
        ready: true,
        platforms: {
          broken: { state: 'unhealthy', reason: 'could not start: login refused 🚫 for key [redacted]' },
          working: { state: 'up' },
        },
      });
      // The working platform serves as usual.
      const chat = { platform: 'working', id: 'c1', kind: 'private' as const };
      await app.router.hooksFor(working).dispatch({
        user: { id: 'u1', name: 'Uma', locale: 'zh-CN' },
        chat,
        channel: working.channel(chat),
        event: { type: 'command', name: 'chat', args: { prompt: '你好 👋' } },
      });
      expect(working.messages.map((m) => m.text)).toContain('Echo: 你好 👋');
      expect(logs.join('')).not.toContain(FAKE_API_KEY);
    } finally {
      await app.stop(100);
    }
  });
});
