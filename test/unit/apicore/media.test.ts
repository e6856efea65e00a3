import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiCoreClient } from '../../../src/apicore/client.js';
import { FAKE_API_KEY, FAKE_MP3, FAKE_MP4, FakeApiCore, openAiError, TINY_PNG } from '../../fakes/apicore.js';
import { botError, expectAuth, expectJsonRequest, only, useFake } from './helpers.js';

const h = useFake();

/** A second server: a different origin, like a CDN the gateway links to. */
let cdn: FakeApiCore;
beforeAll(async () => {
  cdn = await FakeApiCore.start();
});
afterAll(async () => {
  await cdn.close();
});

describe('listModels', () => {
  it('lists ids and owners from GET /v1/models', async () => {
    const models = await h.client.listModels();
    expect(models).toContainEqual({ id: 'gpt-4o-mini', ownedBy: 'openai' });
    expect(models).toContainEqual({ id: 'claude-sonnet-4-5', ownedBy: 'anthropic' });
    expect(models.length).toBe(10);
    const r = only(h.fake, 'GET', '/v1/models');
    expectAuth(r);
    expect(r.body.length).toBe(0);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('skips entries without a string id, and rejects an answer without a data list', async () => {
    h.fake.enqueue('GET /v1/models', {
      kind: 'json',
      body: { object: 'list', data: [{ id: 'a' }, { id: 7 }, { owned_by: 'x' }, { id: 'b', owned_by: 'o' }] },
    });
    expect(await h.client.listModels()).toEqual([
      { id: 'a', ownedBy: undefined },
      { id: 'b', ownedBy: 'o' },
    ]);
    h.fake.enqueue('GET /v1/models', { kind: 'json', body: { object: 'list' } });
    expect((await botError(h.client.listModels())).kind).toBe('protocol');
  });
});

describe('generateImages', () => {
  it('decodes b64_json images', async () => {
    const images = await h.client.generateImages({
      model: 'gpt-image-1',
      prompt: 'a red fox 🦊',
      n: 2,
      size: '1024x1024',
    });
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect('data' in image).toBe(true);
      if ('data' in image) expect(Buffer.from(image.data).equals(TINY_PNG)).toBe(true);
      expect(image.revisedPrompt).toBe('a red fox 🦊');
    }
    const body = expectJsonRequest(h.fake, 'POST', '/v1/images/generations');
    expect(body).toEqual({ model: 'gpt-image-1', prompt: 'a red fox 🦊', n: 2, size: '1024x1024' });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('returns url images', async () => {
    const images = await h.client.generateImages({
      model: 'dall-e-3',
      prompt: 'a lighthouse',
      response_format: 'url',
    });
    expect(images).toEqual([{ url: `${h.fake.url}/files/image-1.png`, revisedPrompt: 'a lighthouse' }]);
    const body = expectJsonRequest(h.fake, 'POST', '/v1/images/generations');
    expect(body).toEqual({ model: 'dall-e-3', prompt: 'a lighthouse', response_format: 'url' });
  });

  it('maps a content-filter refusal and an empty data list', async () => {
    h.fake.enqueue(
      'POST /v1/images/generations',
      openAiError(400, 'Your request was rejected by the safety system', 'content_policy_violation'),
    );
    const e = await botError(h.client.generateImages({ model: 'dall-e-3', prompt: 'x' }));
    expect(e).toMatchObject({
      kind: 'content_policy',
      upstreamMessage: 'Your request was rejected by the safety system',
    });
    h.fake.enqueue('POST /v1/images/generations', { kind: 'json', body: { created: 1, data: [] } });
    expect((await botError(h.client.generateImages({ model: 'dall-e-3', prompt: 'x' }))).kind).toBe(
      'protocol',
    );
    expect(h.fake.requestsTo('POST', '/v1/images/generations')).toHaveLength(2);
  });
});

describe('speech', () => {
  it('returns the audio bytes and mime', async () => {
    const audio = await h.client.speech({ model: 'tts-1', input: '你好 world', voice: 'alloy', speed: 1.25 });
    expect(audio.mime).toBe('audio/mpeg');
    expect(Buffer.from(audio.data).equals(FAKE_MP3)).toBe(true);
    const body = expectJsonRequest(h.fake, 'POST', '/v1/audio/speech');
    expect(body).toEqual({ model: 'tts-1', input: '你好 world', voice: 'alloy', speed: 1.25 });
    expect(h.fake.unexpected).toEqual([]);
  });
});

describe('transcribe', () => {
  it('sends multipart file, model and language, and returns the text', async () => {
    const file = Buffer.concat([FAKE_MP3, Buffer.from([0, 0xff, 0x0d, 0x0a, 0x2d, 0x2d])]);
    const text = await h.client.transcribe({
      file: new Uint8Array(file),
      filename: 'voice note.mp3',
      mime: 'audio/mpeg',
      model: 'whisper-1',
      language: 'zh',
    });
    expect(text).toBe('transcribed: voice note.mp3');
    const r = only(h.fake, 'POST', '/v1/audio/transcriptions');
    expectAuth(r);
    expect(String(r.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const parts = r.parts ?? [];
    expect(parts.map((p) => p.name).sort()).toEqual(['file', 'language', 'model']);
    const filePart = parts.find((p) => p.name === 'file')!;
    expect(filePart.filename).toBe('voice note.mp3');
    expect(filePart.contentType).toBe('audio/mpeg');
    expect(filePart.data.equals(file)).toBe(true);
    expect(parts.find((p) => p.name === 'model')?.data.toString()).toBe('whisper-1');
    expect(parts.find((p) => p.name === 'language')?.data.toString()).toBe('zh');
    expect(h.fake.unexpected).toEqual([]);
  });

  it('leaves out language when not given, and fails on an answer without text', async () => {
    h.fake.enqueue('POST /v1/audio/transcriptions', {
      kind: 'json',
      body: { error: { message: 'audio too long (request id: r)', code: 'invalid_request' } },
    });
    const e = await botError(
      h.client.transcribe({
        file: new Uint8Array(FAKE_MP3),
        filename: 'a.mp3',
        mime: 'audio/mpeg',
        model: 'whisper-1',
      }),
    );
    expect(e.upstreamMessage).toBe('audio too long');
    const parts = only(h.fake, 'POST', '/v1/audio/transcriptions').parts ?? [];
    expect(parts.map((p) => p.name).sort()).toEqual(['file', 'model']);
  });
});

/**
 * keyUsage asks both billing routes at once; when one fails the other is still in flight. Wait
 * for it, so that it cannot take a response queued by the next test.
 */
async function settleBilling(): Promise<void> {
  await vi.waitFor(
    () => {
      for (const path of ['/v1/dashboard/billing/subscription', '/v1/dashboard/billing/usage'])
        expect(h.fake.requestsTo('GET', path)).toHaveLength(1);
    },
    { timeout: 1000, interval: 5 },
  );
}

describe('keyUsage', () => {
  it('reads subscription and usage', async () => {
    const usage = await h.client.keyUsage();
    expect(usage.limit).toBe(100);
    expect(usage.used).toBeCloseTo(12.345, 9);
    expect(usage.remaining).toBeCloseTo(87.655, 9);
    expect(usage.unlimited).toBe(false);
    expect(usage.expiresAt).toBeUndefined();
    for (const path of ['/v1/dashboard/billing/subscription', '/v1/dashboard/billing/usage']) {
      const r = only(h.fake, 'GET', path);
      expectAuth(r);
      expect(r.body.length).toBe(0);
    }
    expect(h.fake.unexpected).toEqual([]);
  });

  it('reports an unlimited key and an expiry date', async () => {
    h.fake.enqueue('GET /v1/dashboard/billing/subscription', {
      kind: 'json',
      body: {
        object: 'billing_subscription',
        has_payment_method: true,
        soft_limit_usd: 100000000,
        hard_limit_usd: 100000000,
        system_hard_limit_usd: 100000000,
        access_until: 1798761600,
      },
    });
    h.fake.enqueue('GET /v1/dashboard/billing/usage', {
      kind: 'json',
      body: { object: 'list', total_usage: 250 },
    });
    const usage = await h.client.keyUsage();
    expect(usage).toEqual({
      limit: 100000000,
      used: 2.5,
      remaining: 100000000 - 2.5,
      unlimited: true,
      expiresAt: 1798761600,
    });
  });

  it('throws on the billing routes’ HTTP-200-with-error answer', async () => {
    h.fake.enqueue('GET /v1/dashboard/billing/subscription', {
      kind: 'json',
      status: 200,
      body: { error: { message: '令牌已过期 token expired (request id: 2026)', type: 'new_api_error' } },
    });
    const e = await botError(h.client.keyUsage());
    expect(e.upstreamMessage).toBe('令牌已过期 token expired');
    expect(e.status).toBe(200);
    // Not retried: the error is in the body, not a 5xx.
    expect(h.fake.requestsTo('GET', '/v1/dashboard/billing/subscription')).toHaveLength(1);
    await settleBilling();
  });

  it('maps a quota error reported with HTTP 200 to quota', async () => {
    h.fake.enqueue('GET /v1/dashboard/billing/usage', {
      kind: 'json',
      body: { error: { message: 'insufficient_user_quota', type: 'insufficient_user_quota' } },
    });
    expect((await botError(h.client.keyUsage())).kind).toBe('quota');
    await settleBilling();
  });
});

describe('download', () => {
  it('downloads from the base origin with the key', async () => {
    const file = await h.client.download(`${h.fake.url}/files/grid.png`);
    expect(file.mime).toBe('image/png');
    expect(Buffer.from(file.data).equals(TINY_PNG)).toBe(true);
    const r = only(h.fake, 'GET', '/files/grid.png');
    expectAuth(r);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('never sends the key to another origin', async () => {
    cdn.requests.splice(0);
    const file = await h.client.download(`${cdn.url}/files/clip-1.mp4?sig=abc`);
    expect(file.mime).toBe('video/mp4');
    expect(Buffer.from(file.data).equals(FAKE_MP4)).toBe(true);
    const r = only(cdn, 'GET', '/files/clip-1.mp4');
    expect(r.headers.authorization).toBeUndefined();
    expect(r.query.get('sig')).toBe('abc');
    expect(JSON.stringify(r.headers)).not.toContain(h.fake.apiKey);
    expect(h.fake.requests).toHaveLength(0);
    expect(cdn.unexpected).toEqual([]);
  });

  it('refuses a file larger than maxBytes from its Content-Length', async () => {
    const e = await botError(h.client.download(`${h.fake.url}/files/song.mp3`, { maxBytes: 100 }));
    expect(e).toMatchObject({ kind: 'bad_request', code: 'too_large' });
    expect(FAKE_MP3.length).toBeGreaterThan(100);
    // maxBytes exactly the size is fine.
    const ok = await h.client.download(`${h.fake.url}/files/song.mp3`, { maxBytes: FAKE_MP3.length });
    expect(ok.data.length).toBe(FAKE_MP3.length);
  });

  it('refuses a file that grows past maxBytes without a Content-Length', async () => {
    h.fake.enqueue('GET /files/big.mp3', {
      kind: 'raw',
      headers: { 'content-type': 'audio/mpeg' },
      chunks: [Buffer.alloc(600, 1), Buffer.alloc(600, 2), Buffer.alloc(600, 3)],
    });
    const e = await botError(h.client.download(`${h.fake.url}/files/big.mp3`, { maxBytes: 1000 }));
    expect(e).toMatchObject({ kind: 'bad_request', code: 'too_large' });
  });

  it('maps a missing file to not_found', async () => {
    cdn.requests.splice(0);
    cdn.unexpected.splice(0);
    const e = await botError(h.client.download(`${cdn.url}/files/missing.webp`));
    expect(e.kind).toBe('not_found');
    expect(cdn.requestsTo('GET', '/files/missing.webp')).toHaveLength(1);
    cdn.unexpected.splice(0); // the fake records the unknown file name as unexpected
  });
});

describe('listModels cache', () => {
  it('reuses the model list for a minute by default, so autocomplete does not ask on every keystroke', async () => {
    const fake = await FakeApiCore.start();
    const client = new ApiCoreClient({ baseUrl: fake.url, apiKey: FAKE_API_KEY });
    try {
      const first = await client.listModels();
      const second = await client.listModels();
      expect(second).toEqual(first);
      expect(first.map((m) => m.id)).toContain('gpt-4o-mini');
      expect(fake.requestsTo('GET', '/v1/models')).toHaveLength(1);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
