import { describe, expect, it } from 'vitest';
import {
  bodyError,
  cleanMessage,
  httpError,
  mjSubmitError,
  parseRetryAfter,
  readEnvelope,
} from '../../../src/apicore/errors.js';
import type { ChatRequest } from '../../../src/core/apicore.js';
import { BotError } from '../../../src/errors.js';
import { claudeError, openAiError, sunoError } from '../../fakes/apicore.js';
import { botError, collect, useFake } from './helpers.js';

const h = useFake();

const CHAT = '/v1/chat/completions';
const req: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('error envelopes from the gateway → kinds', () => {
  it.each([
    [401, 'Invalid token', 'invalid_api_key', 'auth'],
    [403, '用户额度不足, 剩余额度: ＄0.000000', 'insufficient_user_quota', 'quota'],
    [503, '当前分组 default 下对于模型 gpt-9 无可用渠道', 'model_not_found', 'not_found'],
    [404, 'Invalid URL (POST /v1/chat/completions)', 'not_found', 'not_found'],
    [500, 'upstream crashed', 'bad_response_status_code', 'upstream'],
    [502, 'bad gateway', undefined, 'upstream'],
    [400, 'sensitive words detected', 'sensitive_words_detected', 'content_policy'],
    [429, 'too many requests', 'rate_limit_exceeded', 'rate_limit'],
  ] as const)('HTTP %i %s (%s) → %s, one request', async (status, message, code, kind) => {
    h.fake.enqueue('POST /v1/chat/completions', openAiError(status, message, code));
    const e = await botError(h.client.chat(req));
    expect(e.kind).toBe(kind);
    expect(e.status).toBe(status);
    expect(e.upstreamMessage).toBe(message);
    expect(e.upstreamMessage).not.toContain('request id');
    expect(e.code).toBe(code);
    expect(e.endpoint).toBe('POST /v1/chat/completions');
    expect(e.message).toContain(message);
    // A chat is never retried, whatever the status.
    expect(h.fake.requestsTo('POST', CHAT)).toHaveLength(1);
  });

  it('keeps a numeric upstream code', async () => {
    h.fake.enqueue('POST /v1/chat/completions', openAiError(400, 'bad things', 1214));
    const e = await botError(h.client.chat(req));
    expect(e).toMatchObject({ kind: 'bad_request', code: 1214, upstreamMessage: 'bad things' });
  });

  it('maps the same envelopes on a stream request', async () => {
    h.fake.enqueue('POST /v1/chat/completions', openAiError(401, 'Invalid token', 'invalid_api_key'));
    const e = await botError(collect(h.client.chatStream(req)));
    expect(e).toMatchObject({ kind: 'auth', status: 401, upstreamMessage: 'Invalid token' });
  });

  it('maps the Claude envelope', async () => {
    h.fake.enqueue('POST /v1/messages', claudeError(529, 'overloaded_error', 'Overloaded'));
    const e = await botError(
      collect(
        h.client.claudeStream({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
        }),
      ),
    );
    expect(e).toMatchObject({
      kind: 'overloaded',
      status: 529,
      upstreamMessage: 'Overloaded',
      code: undefined,
    });
  });

  it('maps a body that is not JSON by its status', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'raw',
      status: 502,
      headers: { 'content-type': 'text/html' },
      chunks: ['<html>502 Bad Gateway</html>'],
    });
    const e = await botError(h.client.chat(req));
    expect(e).toMatchObject({ kind: 'upstream', status: 502, upstreamMessage: undefined });
  });

  it('a 200 answer that is not JSON is a protocol error', async () => {
    h.fake.enqueue('GET /v1/models', {
      kind: 'raw',
      headers: { 'content-type': 'text/html' },
      chunks: ['<html>login</html>'],
    });
    expect((await botError(h.client.listModels())).kind).toBe('protocol');
  });

  it('maps the Suno envelope of an unknown task', async () => {
    h.fake.enqueue('GET /suno/fetch/*', sunoError(400, 'fail_to_fetch_task', 'fail to fetch task'));
    const e = await botError(h.client.sunoFetch('abc'));
    expect(e).toMatchObject({
      kind: 'bad_request',
      code: 'fail_to_fetch_task',
      upstreamMessage: 'fail to fetch task',
    });
  });
});

describe('errors.ts helpers', () => {
  it('cleanMessage strips the request-id suffix and spaces', () => {
    expect(cleanMessage('Invalid token (request id: 20260101120000000000000001)')).toBe('Invalid token');
    expect(cleanMessage('quota exceeded  (Request ID: abc-1) ')).toBe('quota exceeded');
    expect(cleanMessage('Banned prompt: blood ')).toBe('Banned prompt: blood');
    expect(cleanMessage('keeps (parentheses) in the middle')).toBe('keeps (parentheses) in the middle');
  });

  it('readEnvelope reads all four route families', () => {
    expect(readEnvelope({ error: { message: 'm', type: 't', code: 'c', param: null } })).toEqual({
      message: 'm',
      code: 'c',
      type: 't',
    });
    expect(
      readEnvelope({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ).toEqual({
      message: 'Overloaded',
      code: undefined,
      type: 'overloaded_error',
    });
    expect(readEnvelope({ description: 'queue full ', type: 'upstream_error', code: 23 })).toEqual({
      message: 'queue full ',
      code: 23,
      type: 'upstream_error',
    });
    expect(readEnvelope({ code: 'task_not_exist', message: 'task_not_exist', data: null })).toEqual({
      message: 'task_not_exist',
      code: 'task_not_exist',
      type: undefined,
    });
    expect(readEnvelope({ error: 'plain string' }).message).toBe('plain string');
    expect(readEnvelope(undefined)).toEqual({ message: undefined, code: undefined, type: undefined });
    expect(readEnvelope('text')).toEqual({ message: undefined, code: undefined, type: undefined });
  });

  it('parseRetryAfter reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('2.5')).toBe(2500);
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('httpError builds a BotError with status, code, message and retry delay', () => {
    const e = httpError(
      'GET /v1/models',
      429,
      { error: { message: 'slow down (request id: x)', code: 'rate_limit' } },
      '2',
    );
    expect(e).toBeInstanceOf(BotError);
    expect(e).toMatchObject({
      kind: 'rate_limit',
      status: 429,
      code: 'rate_limit',
      upstreamMessage: 'slow down',
      retryAfterMs: 2000,
      endpoint: 'GET /v1/models',
    });
    expect(e.retryable).toBe(true);
    expect(httpError('x', 402, undefined, undefined).kind).toBe('quota');
    expect(httpError('x', 408, undefined, undefined).kind).toBe('timeout');
    expect(
      httpError('x', 400, { error: { message: 'pre_consume_token_quota_failed' } }, undefined).kind,
    ).toBe('quota');
    expect(httpError('x', 400, { code: 'task_not_exist', message: 'no' }, undefined).kind).toBe('not_found');
    expect(httpError('x', 503, undefined, undefined).retryable).toBe(true);
    expect(httpError('x', 401, undefined, undefined).retryable).toBe(false);
  });

  it('bodyError treats an error inside a 200 as upstream unless its code says otherwise', () => {
    expect(bodyError('e', { error: { message: 'boom (request id: 1)' } })).toMatchObject({
      kind: 'upstream',
      status: 200,
      upstreamMessage: 'boom',
    });
    expect(bodyError('e', { error: { message: 'x', code: 'insufficient_user_quota' } }).kind).toBe('quota');
    expect(bodyError('e', { error: { message: 'x', code: 'model_not_found' } }).kind).toBe('not_found');
    expect(bodyError('e', {}).upstreamMessage).toBe('unknown error');
    // A 200 error is not retried: the transport has already succeeded.
    expect(bodyError('e', { error: { message: 'x' } }).retryable).toBe(false);
  });

  it.each([
    [24, 'Banned prompt detected: blood ', 'bad_request'],
    [23, 'queue is full', 'rate_limit'],
    [30, 'rate limited', 'rate_limit'],
    [4, 'quota_not_enough', 'quota'],
    [4, 'task_status_not_success', 'bad_request'],
    [3, 'no available account', 'not_found'],
    [9, 'system error', 'upstream'],
  ] as const)('mjSubmitError code %i (%s) → %s with the description', (code, description, kind) => {
    const e = mjSubmitError('POST /mj/submit/imagine', code, description);
    expect(e).toMatchObject({ kind, code, upstreamMessage: description.trim() });
    expect(e.message).toContain(description.trim());
  });

  it('mjSubmitError without a description names the code', () => {
    expect(mjSubmitError('POST /mj/submit/imagine', 5, '').upstreamMessage).toBe('code 5');
  });
});
