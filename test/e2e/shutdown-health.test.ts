import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
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
        ready: true,
        platforms: { test: true },
        store: true,
        pendingTasks: 0,
      });
      connected = false;
      const down = await fetch(`${app.healthAddress}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ platforms: { test: false } });
      expect((await fetch(`${app.healthAddress}/other`)).status).toBe(404);
    } finally {
      await app.stop(100);
    }
  });
});
