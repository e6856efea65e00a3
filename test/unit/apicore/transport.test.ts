import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCoreClient } from '../../../src/apicore/client.js';
import type { ChatRequest } from '../../../src/core/apicore.js';
import {
  chatChunks,
  claudeEvents,
  encodeSseEvent,
  FAKE_API_KEY,
  FakeApiCore,
  openAiError,
} from '../../fakes/apicore.js';
import {
  botError,
  collect,
  collectUntilError,
  expectAuth,
  jsonWithHeaders,
  makeClient,
  RETRY,
  textOf,
  useFake,
} from './helpers.js';

const h = useFake();

const CHAT = '/v1/chat/completions';
const req: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const rateLimited = (retryAfter: string) =>
  jsonWithHeaders(
    429,
    { error: { message: 'rate limited (request id: 1)', type: 'new_api_error', code: 'rate_limit' } },
    { 'retry-after': retryAfter },
  );

/** A client whose sleeps are recorded instead of waited. */
function recordingClient(extra: Parameters<typeof makeClient>[1] = {}): {
  client: ApiCoreClient;
  delays: number[];
} {
  const delays: number[] = [];
  const client = makeClient(h.fake, {
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { client, delays };
}

async function using<T>(client: ApiCoreClient, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await client.close();
  }
}

describe('retries', () => {
  it('retries a 429 on an idempotent call after the Retry-After delay', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('GET /v1/models', rateLimited('1'));
    const models = await using(client, () => client.listModels());
    expect(models.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(delays).toEqual([1000]);
    const sent = h.fake.requestsTo('GET', '/v1/models');
    expect(sent).toHaveLength(2);
    for (const r of sent) expectAuth(r);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('GET /v1/dashboard/billing/*', rateLimited(new Date(Date.now() + 3000).toUTCString()));
    await using(client, () => client.keyUsage());
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(1000);
    expect(delays[0]).toBeLessThanOrEqual(3000);
  });

  it('never retries a 429 on a chat submit', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('POST /v1/chat/completions', rateLimited('1'));
    const e = await using(client, () => botError(client.chat(req)));
    expect(e).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 1000 });
    expect(e.upstreamMessage).toBe('rate limited');
    expect(h.fake.requestsTo('POST', CHAT)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('never retries a 429 on a stream request or a task submit', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('POST /v1/chat/completions', rateLimited('1'));
    h.fake.enqueue('POST /mj/submit/imagine', rateLimited('1'));
    h.fake.enqueue('POST /suno/submit/music', rateLimited('1'));
    await using(client, async () => {
      expect((await botError(collect(client.chatStream(req)))).kind).toBe('rate_limit');
      expect((await botError(client.mjImagine({ prompt: 'p' }))).kind).toBe('rate_limit');
      expect((await botError(client.sunoMusic({ prompt: 'p' }))).kind).toBe('rate_limit');
    });
    expect(h.fake.requests).toHaveLength(3);
    expect(delays).toEqual([]);
  });

  it('retries 5xx for GETs with backoff and succeeds', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('GET /mj/task/*', openAiError(502, 'bad gateway'), openAiError(503, 'unavailable'));
    const id = await h.client.mjImagine({ prompt: 'p' });
    const task = await using(client, () => client.mjFetch(id));
    expect(task.id).toBe(id);
    expect(h.fake.requestsTo('GET', `/mj/task/${id}/fetch`)).toHaveLength(3);
    expect(delays).toHaveLength(2);
    // Backoff stays within the configured ceiling (base 1 ms, max 5 ms).
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(5);
    }
  });

  it('gives up after the configured attempts with an upstream error', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue(
      'GET /suno/fetch/*',
      openAiError(500, 'boom 1'),
      openAiError(500, 'boom 2'),
      openAiError(500, 'boom 3'),
    );
    const e = await using(client, () => botError(client.sunoFetch('t1')));
    expect(e).toMatchObject({ kind: 'upstream', status: 500, upstreamMessage: 'boom 3' });
    expect(h.fake.requestsTo('GET', '/suno/fetch/t1')).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('retries idempotent POST fetches, but never a 5xx on a chat', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('POST /mj/task/list-by-condition', openAiError(503, 'busy'));
    h.fake.enqueue('POST /v1/chat/completions', openAiError(500, 'boom'));
    await using(client, async () => {
      expect(await client.mjFetchMany(['x'])).toEqual([]);
      expect((await botError(client.chat(req))).kind).toBe('upstream');
    });
    expect(h.fake.requestsTo('POST', '/mj/task/list-by-condition')).toHaveLength(2);
    expect(h.fake.requestsTo('POST', CHAT)).toHaveLength(1);
    expect(delays).toHaveLength(1);
  });

  it('does not retry a 4xx', async () => {
    const { client, delays } = recordingClient();
    h.fake.enqueue('GET /v1/models', openAiError(400, 'bad'));
    expect((await using(client, () => botError(client.listModels()))).kind).toBe('bad_request');
    expect(h.fake.requestsTo('GET', '/v1/models')).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe('timeouts', () => {
  it('times out a call that never answers', async () => {
    const client = makeClient(h.fake, { timeoutMs: 100 });
    h.fake.enqueue('GET /v1/models', { kind: 'hang' });
    const started = Date.now();
    const e = await using(client, () => botError(client.listModels()));
    expect(e.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('cancellation', () => {
  it('cancels a waiting call', async () => {
    h.fake.enqueue('GET /v1/models', { kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await botError(h.client.listModels({ signal: controller.signal }));
    expect(e.kind).toBe('cancelled');
  });

  it('does not send a call whose signal is already aborted', async () => {
    const e = await botError(h.client.chat(req, { signal: AbortSignal.abort() }));
    expect(e.kind).toBe('cancelled');
    expect(h.fake.requests).toHaveLength(0);
  });

  it('cancels a stream in the middle', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('one two three four five six seven eight', { pieces: 8 }),
      delayMs: 100,
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const started = Date.now();
    let error: unknown;
    try {
      for await (const event of h.client.chatStream(req, { signal: controller.signal })) {
        if (event.type === 'text') {
          seen.push(event.text);
          controller.abort();
        }
      }
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'BotError', kind: 'cancelled' });
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('cancels a retry that is waiting out its backoff', async () => {
    const client = makeClient(h.fake, { retry: { attempts: 3, baseDelayMs: 10_000, maxDelayMs: 10_000 } });
    h.fake.enqueue('GET /v1/models', openAiError(503, 'busy'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const e = await using(client, () => botError(client.listModels({ signal: controller.signal })));
    expect(e.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(h.fake.requestsTo('GET', '/v1/models')).toHaveLength(1);
  });
});

describe('network and auth', () => {
  it('maps a refused connection to network, retrying idempotent calls', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const delays: number[] = [];
    const client = new ApiCoreClient({
      baseUrl: `http://127.0.0.1:${port}/`,
      apiKey: FAKE_API_KEY,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await using(client, async () => {
      expect((await botError(client.listModels())).kind).toBe('network');
      expect(delays).toHaveLength(2);
      expect((await botError(client.chat(req))).kind).toBe('network');
      expect(delays).toHaveLength(2);
    });
  });

  it('sends the configured key, and a wrong key is an auth error', async () => {
    const client = new ApiCoreClient({ baseUrl: `${h.fake.url}/`, apiKey: 'sk-wrong', retry: { ...RETRY } });
    const e = await using(client, () => botError(client.listModels()));
    expect(e).toMatchObject({ kind: 'auth', status: 401, upstreamMessage: 'Invalid token' });
    const r = h.fake.requestsTo('GET', '/v1/models');
    expect(r).toHaveLength(1);
    expect(r[0]?.headers.authorization).toBe('Bearer sk-wrong');
  });
});

/**
 * Stream idle timeouts. undici checks headersTimeout/bodyTimeout on a coarse (~0.5 s) timer, so
 * each of these takes up to a second; they run concurrently, on their own fake and routes.
 */
const idle = {} as { fake: FakeApiCore; client: ApiCoreClient };
beforeAll(async () => {
  idle.fake = await FakeApiCore.start();
  idle.client = makeClient(idle.fake, { streamIdleTimeoutMs: 150 });
});
afterAll(async () => {
  await idle.client.close();
  await idle.fake.close();
});

describe.concurrent('stream idle timeout', () => {
  it('times out a stream whose headers never come', async ({ expect }) => {
    idle.fake.enqueue('POST /v1/chat/completions', { kind: 'hang' });
    const started = Date.now();
    const e = await botError(
      collect(idle.client.chatStream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })),
    );
    expect(e.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(idle.fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(1);
  });

  it('times out a stream that goes quiet in the middle', async ({ expect }) => {
    const events = claudeEvents({ text: 'never finished' });
    idle.fake.enqueue('POST /v1/messages', {
      kind: 'raw',
      headers: { 'content-type': 'text/event-stream' },
      // Four events at once, then a pause far longer than the idle timeout.
      chunks: [events.slice(0, 4).map(encodeSseEvent).join(''), events.slice(4).map(encodeSseEvent).join('')],
      delayMs: 3000,
    });
    const started = Date.now();
    const { events: got, error } = await collectUntilError(
      idle.client.claudeStream({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(error.kind).toBe('timeout');
    expect(textOf(got)).not.toBe('never finished');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(idle.fake.unexpected).toEqual([]);
  });
});
