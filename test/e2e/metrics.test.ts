import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { memoryStore } from '../../src/store/index.js';
import { chatChunks, FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';
import { RecordingAdapter } from '../helpers/recording-adapter.js';

// GET /metrics beside /healthz: a scrape after a streamed answer, a Midjourney task and a failed
// upstream call shows each series move, with bounded labels only (no chat or user id).

let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});

/** The value of one sample line (`name{labels} value`), 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  it('moves with a chat answer, a task and an upstream error; labels are platforms and kinds only', async () => {
    const config = loadConfig({
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: 'memory',
      TASK_POLL_INTERVAL_MS: '60000',
    });
    const platform = new RecordingAdapter('test');
    const app = createApp({
      config,
      log: silentLogger(),
      adapters: [platform],
      store: memoryStore(),
      healthPort: 0,
    });
    await app.start();
    try {
      const scrape = async () => {
        const res = await fetch(`${app.healthAddress}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/plain');
        return res.text();
      };
      const before = await scrape();
      expect(sample(before, 'apicore_bot_answer_edits_total{platform="test"}')).toBe(0);
      expect(sample(before, 'apicore_bot_first_text_seconds_count{platform="test"}')).toBe(0);
      expect(before).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
      expect(before).toContain('process_resident_memory_bytes');

      const chat = { platform: 'test', id: 'chat-4242', kind: 'private' as const };
      const user = { id: 'user-777', name: 'Uma', locale: 'zh-CN' };
      const dispatch = app.router.hooksFor(platform).dispatch;
      fake.enqueue('POST /v1/chat/completions', {
        kind: 'sse',
        events: chatChunks('你好 👋 — a streamed answer in a few pieces.', { pieces: 6 }),
        delayMs: 20,
      });
      await dispatch({
        user,
        chat,
        channel: platform.channel(chat),
        event: { type: 'command', name: 'chat', args: { prompt: '你好' } },
      });
      await dispatch({
        user,
        chat,
        channel: platform.channel(chat),
        event: { type: 'command', name: 'imagine', args: { prompt: '海边的城堡 a castle 🏰' } },
      });
      const submitted = await scrape();
      expect(sample(submitted, 'apicore_bot_tasks_pending{kind="mj"}')).toBe(1);

      // The fake's task finishes after a few polls; each tick delivers what is ready.
      for (let i = 0; i < 20 && app.poller.pending > 0; i++) {
        await app.poller.tick();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(app.poller.pending).toBe(0);

      // A 400 to the request with tools: counted, and the answer is asked again without them.
      fake.enqueue('POST /v1/chat/completions', {
        kind: 'json',
        status: 400,
        body: { error: { message: 'bad', type: 'invalid_request_error' } },
      });
      await dispatch({
        user,
        chat,
        channel: platform.channel(chat),
        event: { type: 'command', name: 'chat', args: { prompt: 'again' } },
      });

      const after = await scrape();
      expect(sample(after, 'apicore_bot_first_text_seconds_count{platform="test"}')).toBe(2);
      expect(sample(after, 'apicore_bot_answer_edits_total{platform="test"}')).toBeGreaterThan(0);
      expect(sample(after, 'apicore_bot_answer_tokens_total')).toBeGreaterThan(0);
      expect(sample(after, 'apicore_bot_tasks_pending{kind="mj"}')).toBe(0);
      expect(sample(after, 'apicore_bot_tasks_delivered_total{kind="mj"}')).toBe(1);
      expect(sample(after, 'apicore_bot_upstream_errors_total{kind="bad_request"}')).toBe(1);
      expect(sample(after, 'apicore_bot_platform_429_total{platform="test"}')).toBe(0);
      // Bounded labels: nothing names the chat or the user.
      expect(after).not.toMatch(/chat-4242|user-777|Uma/);
      const ours = after.split('\n').filter((l) => l.startsWith('apicore_bot_'));
      const labels = new Set(ours.flatMap((l) => [...l.matchAll(/[{,](\w+)="/g)].map((m) => m[1])));
      expect([...labels].sort()).toEqual(['kind', 'le', 'platform']);
    } finally {
      await app.stop(100);
    }
  }, 30_000);

  it('is only served with GET; /healthz is unchanged beside it', async () => {
    const config = loadConfig({
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: fake.url,
      STORE_URL: 'memory',
    });
    const app = createApp({
      config,
      log: silentLogger(),
      adapters: [new RecordingAdapter('test')],
      store: memoryStore(),
      healthPort: 0,
    });
    await app.start();
    try {
      expect((await fetch(`${app.healthAddress}/metrics`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${app.healthAddress}/healthz`)).status).toBe(200);
    } finally {
      await app.stop(100);
    }
  });
});
