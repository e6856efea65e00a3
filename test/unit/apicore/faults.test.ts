import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyError, httpError } from '../../../src/apicore/errors.js';
import type { ChatRequest, ClaudeRequest } from '../../../src/core/apicore.js';
import { errorMessage } from '../../../src/error-text.js';
import { FAULT_PARTIAL_TEXT, rateLimitInStream } from '../../fakes/apicore/faults.js';
import { FAKE_MP3, FakeApiCore, TINY_PNG } from '../../fakes/apicore.js';
import { botError, collect, collectUntilError, textOf, useFake } from './helpers.js';

const h = useFake();

const chatReq = (model: string): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'Write a poem 写一首诗 🌧️' }],
});
const claudeReq = (model: string): ClaudeRequest => ({
  model,
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Write a poem 写一首诗 🌧️' }],
});

const RATE_LIMIT_EN = 'Too many requests right now. Please wait a moment and try again.';
const RATE_LIMIT_ZH = '请求太频繁，请稍后再试。';
const OVERLOADED_EN = 'The AI model is overloaded right now. Please try again in a minute.';
const OVERLOADED_ZH = 'AI 模型当前过载，请稍等一分钟后再试。';

describe('errors inside a 200 stream are classified by their code/type', () => {
  it('an in-stream rate_limit_exceeded gives the rate-limit text, after the partial text', async () => {
    const { events, error } = await collectUntilError(
      h.client.chatStream(chatReq('fault-rate-limit-in-stream')),
    );
    expect(textOf(events)).toBe(FAULT_PARTIAL_TEXT);
    expect(error).toMatchObject({ kind: 'rate_limit', code: 'rate_limit_exceeded', status: 200 });
    expect(error.upstreamMessage).toBe('Rate limit reached for requests');
    expect(errorMessage(error, 'en')).toBe(RATE_LIMIT_EN);
    expect(errorMessage(error, 'zh')).toBe(RATE_LIMIT_ZH);
    expect(errorMessage(error, 'en')).not.toContain('failed');
  });

  it('the same through the enqueue builder, with Chinese and emoji text before it', async () => {
    h.fake.enqueue('POST /v1/chat/completions', rateLimitInStream('你好 hello 👋 '));
    const { events, error } = await collectUntilError(h.client.chatStream(chatReq('gpt-4o-mini')));
    expect(textOf(events)).toBe('你好 hello 👋 ');
    expect(error.kind).toBe('rate_limit');
  });

  it('an Anthropic `event: error` overloaded_error gives the overloaded text', async () => {
    const { events, error } = await collectUntilError(
      h.client.claudeStream(claudeReq('fault-overloaded-in-stream')),
    );
    expect(textOf(events)).toBe(FAULT_PARTIAL_TEXT);
    expect(error.kind).toBe('overloaded');
    expect(errorMessage(error, 'en')).toBe(OVERLOADED_EN);
    expect(errorMessage(error, 'zh')).toBe(OVERLOADED_ZH);
  });

  it('an in-stream overloaded error on the chat route too', async () => {
    const { error } = await collectUntilError(h.client.chatStream(chatReq('fault-overloaded-in-stream')));
    expect(error.kind).toBe('overloaded');
  });

  it('an in-stream content_filter gives the content-policy text with the upstream reason', async () => {
    const { error } = await collectUntilError(h.client.chatStream(chatReq('fault-content-filter-in-stream')));
    expect(error.kind).toBe('content_policy');
    expect(errorMessage(error, 'en')).toBe(
      'The request or the answer was blocked by a content filter (The response was filtered by the content policy). Please rephrase and try again.',
    );
    expect(errorMessage(error, 'zh')).toContain('内容安全过滤');
  });

  it('an Anthropic rate_limit_error inside a Claude stream is a rate limit', async () => {
    const { error } = await collectUntilError(h.client.claudeStream(claudeReq('fault-rate-limit-in-stream')));
    expect(error.kind).toBe('rate_limit');
    expect(errorMessage(error, 'zh')).toBe(RATE_LIMIT_ZH);
  });
});

describe('HTTP 529 is overloaded', () => {
  it('on /v1/messages (Claude envelope), streamed', async () => {
    const e = await botError(collect(h.client.claudeStream(claudeReq('fault-overloaded'))));
    expect(e).toMatchObject({ kind: 'overloaded', status: 529, upstreamMessage: 'Overloaded' });
    expect(errorMessage(e, 'en')).toBe(OVERLOADED_EN);
  });

  it('on /v1/chat/completions (OpenAI envelope), not streamed', async () => {
    const e = await botError(h.client.chat(chatReq('fault-overloaded')));
    expect(e).toMatchObject({ kind: 'overloaded', status: 529 });
    expect(errorMessage(e, 'zh')).toBe(OVERLOADED_ZH);
  });

  it('a bare 529 without a body', () => {
    expect(httpError('GET /x', 529, undefined, undefined).kind).toBe('overloaded');
    expect(httpError('GET /x', 529, undefined, undefined).retryable).toBe(true);
  });
});

describe('status-less errors: code/type before the status fallback', () => {
  it.each([
    [{ error: { code: 'rate_limit_exceeded', message: '请求过快 🐇' } }, 'rate_limit'],
    [{ error: { type: 'rate_limit_error', message: 'slow down' } }, 'rate_limit'],
    [{ error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } }, 'quota'],
    [{ error: { code: 'insufficient_user_quota', message: '用户额度不足' } }, 'quota'],
    [{ error: { code: 'invalid_api_key', message: 'Incorrect API key' } }, 'auth'],
    [{ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, 'auth'],
    [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'overloaded'],
    [{ error: { code: 'content_filter', message: 'filtered 过滤' } }, 'content_policy'],
    [{ error: { code: 'content_policy_violation', message: 'safety system' } }, 'content_policy'],
    [{ error: { type: 'SAFETY', message: 'blocked' } }, 'content_policy'],
    [{ error: { code: 'prompt_blocked', message: 'blocked' } }, 'content_policy'],
    [{ error: { message: 'Rate limit reached for gpt-4o' } }, 'rate_limit'],
    [{ error: { message: 'upstream crashed 💥' } }, 'upstream'],
  ] as const)('%j → %s', (body, kind) => {
    expect(bodyError('POST /v1/chat/completions', body).kind).toBe(kind);
  });

  it('a code beats a misleading status (400 carrying rate_limit_exceeded; 500 carrying invalid_api_key)', () => {
    expect(
      httpError('x', 400, { error: { code: 'rate_limit_exceeded', message: 'm' } }, undefined).kind,
    ).toBe('rate_limit');
    expect(httpError('x', 500, { error: { code: 'invalid_api_key', message: 'm' } }, undefined).kind).toBe(
      'auth',
    );
    // Without a telling code, the status decides.
    expect(
      httpError('x', 500, { error: { code: 'bad_response_status_code', message: 'm' } }, undefined).kind,
    ).toBe('upstream');
  });
});

describe('downloads follow redirects', () => {
  let other: FakeApiCore;
  beforeAll(async () => {
    other = await FakeApiCore.start();
  });
  afterAll(async () => {
    await other.close();
  });

  it('a 302 on the gateway is followed and the file attached with its bytes', async () => {
    const file = await h.client.download(`${h.fake.url}/redirect/1/cover.png`);
    expect(Buffer.from(file.data)).toEqual(TINY_PNG);
    expect(file.mime).toBe('image/png');
    const [hop, final] = h.fake.requests;
    expect(hop?.path).toBe('/redirect/1/cover.png');
    expect(final?.path).toBe('/files/cover.png');
    // Same origin all the way: the key may go with every hop.
    expect(final?.headers.authorization).toBe(`Bearer ${h.fake.apiKey}`);
  });

  it('follows five redirects, refuses a sixth', async () => {
    const file = await h.client.download(`${h.fake.url}/redirect/5/song.mp3`);
    expect(Buffer.from(file.data)).toEqual(FAKE_MP3);
    expect(h.fake.requests).toHaveLength(6);
    h.fake.requests.splice(0);
    const e = await botError(h.client.download(`${h.fake.url}/redirect/6/song.mp3`));
    expect(e).toMatchObject({ kind: 'protocol', code: 'too_many_redirects' });
    expect(h.fake.requestsTo('GET', '/files/*')).toHaveLength(0);
  });

  it('keeps the size limit after a redirect', async () => {
    const e = await botError(h.client.download(`${h.fake.url}/redirect/2/song.mp3`, { maxBytes: 100 }));
    expect(e).toMatchObject({ kind: 'bad_request', code: 'too_large' });
    const ok = await h.client.download(`${h.fake.url}/redirect/2/song.mp3`, { maxBytes: FAKE_MP3.length });
    expect(ok.data.length).toBe(FAKE_MP3.length);
  });

  it('never sends the key to another origin, nor back to the gateway once it has left', async () => {
    const target = `${other.url}/files/clip.mp3`;
    const file = await h.client.download(`${h.fake.url}/redirect-to?url=${encodeURIComponent(target)}`);
    expect(Buffer.from(file.data)).toEqual(FAKE_MP3);
    expect(only(h.fake, '/redirect-to').headers.authorization).toBe(`Bearer ${h.fake.apiKey}`);
    expect(only(other, '/files/clip.mp3').headers.authorization).toBeUndefined();

    // gateway → other origin → back to the gateway: no key after it left.
    h.fake.requests.splice(0);
    other.requests.splice(0);
    const back = `${other.url}/redirect-to?url=${encodeURIComponent(`${h.fake.url}/files/back.png`)}`;
    const again = await h.client.download(`${h.fake.url}/redirect-to?url=${encodeURIComponent(back)}`);
    expect(Buffer.from(again.data)).toEqual(TINY_PNG);
    expect(only(other, '/redirect-to').headers.authorization).toBeUndefined();
    expect(only(h.fake, '/files/back.png').headers.authorization).toBeUndefined();
    expect(other.unexpected).toEqual([]);
  });

  it('a download that starts off the gateway never carries the key', async () => {
    const file = await h.client.download(`${other.url}/redirect/2/off.png`);
    expect(Buffer.from(file.data)).toEqual(TINY_PNG);
    expect(other.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });
});

function only(fake: FakeApiCore, path: string) {
  const found = fake.requests.filter((r) => r.path === path);
  expect(found).toHaveLength(1);
  return found[0]!;
}
