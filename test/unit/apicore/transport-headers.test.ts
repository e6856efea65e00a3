import { describe, expect, it } from 'vitest';
import { ApiCoreTransport } from '../../../src/apicore/transport.js';
import { RUNWAY_API_VERSION } from '../../../src/apicore/video/runway.js';
import { BotError } from '../../../src/errors.js';
import { FAKE_API_KEY, TINY_PNG } from '../../fakes/apicore.js';
import { RETRY, useFake } from './helpers.js';

const h = useFake();

const PNG_DATA_URL = `data:image/png;base64,${TINY_PNG.toString('base64')}`;

describe("the transport's extra headers", () => {
  it('sends a family’s headers, but never lets them replace the key or the content type', async () => {
    const t = new ApiCoreTransport({ baseUrl: h.fake.url, apiKey: FAKE_API_KEY, retry: { ...RETRY } });
    try {
      await t.json('POST', '/v1/images/generations', {
        json: { model: 'dall-e-3', prompt: 'a cat 🐱', n: 1 },
        headers: {
          'X-Runway-Version': '2024-11-06',
          Authorization: 'Bearer stolen',
          authorization: 'Bearer stolen-too',
          'Content-Type': 'text/plain',
        },
      });
    } finally {
      await t.close();
    }
    const [req] = h.fake.requestsTo('POST', '/v1/images/generations');
    expect(req!.headers['x-runway-version']).toBe('2024-11-06');
    expect(req!.headers.authorization).toBe(`Bearer ${FAKE_API_KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
  });

  it('a family header never carries the key to another origin either', async () => {
    const t = new ApiCoreTransport({ baseUrl: h.fake.url, apiKey: FAKE_API_KEY, retry: { ...RETRY } });
    try {
      // Same fake, reached through another origin (localhost vs 127.0.0.1): no key, even if asked.
      const other = h.fake.url.replace('127.0.0.1', 'localhost');
      const res = await t.send('GET', '/files/x.png', {
        absoluteUrl: `${other}/files/x.png`,
        headers: { Authorization: `Bearer ${FAKE_API_KEY}` },
      });
      await res.body.text();
    } finally {
      await t.close();
    }
    const [req] = h.fake.requestsTo('GET', '/files/*');
    expect(req!.headers.authorization).toBeUndefined();
  });
});

describe('Runway official: X-Runway-Version on every request', () => {
  it('the submit and each poll carry the documented version', async () => {
    const ref = await h.client.videoSubmit({
      family: 'runway',
      model: 'gen4_turbo',
      prompt: '镜头推进 push in 🎥',
      image: PNG_DATA_URL,
    });
    for (let i = 0; i < 10; i++) {
      const task = await h.client.videoFetch(ref);
      if (task?.state === 'success') break;
    }
    const runway = h.fake.requests.filter((r) => r.path.startsWith('/runwayml/'));
    expect(runway.length).toBeGreaterThan(1);
    for (const r of runway) expect(r.headers['x-runway-version']).toBe(RUNWAY_API_VERSION);
    expect(RUNWAY_API_VERSION).toBe('2024-11-06');
  });

  it('the fake refuses a request without it (so the test above means something)', async () => {
    const t = new ApiCoreTransport({ baseUrl: h.fake.url, apiKey: FAKE_API_KEY, retry: { ...RETRY } });
    let error: unknown;
    try {
      await t.json('POST', '/runwayml/v1/image_to_video', {
        json: { promptImage: PNG_DATA_URL, model: 'gen4_turbo', duration: 5, ratio: '1280:720' },
      });
    } catch (e) {
      error = e;
    } finally {
      await t.close();
    }
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).message).toMatch(/X-Runway-Version/);
    expect(h.fake.unexpected).toEqual([
      'POST /runwayml/v1/image_to_video: X-Runway-Version header is required',
    ]);
    h.fake.unexpected.splice(0);
  });
});
