import { describe, expect, it } from 'vitest';
import type { ClaudeRequest, StreamEvent } from '../../../src/core/apicore.js';
import { claudeError, claudeEvents, type SseEvent } from '../../fakes/apicore.js';
import {
  botError,
  claudeOut,
  collect,
  collectUntilError,
  expectJsonRequest,
  only,
  reasoningOf,
  sseBytes,
  textOf,
  useFake,
} from './helpers.js';

const h = useFake();

const MESSAGES = '/v1/messages';
const req = (text: string, extra: Partial<ClaudeRequest> = {}): ClaudeRequest => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 2048,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

const ev = (event: string, data: object): SseEvent => ({ event, data: { type: event, ...data } });

describe('claudeStream', () => {
  it('streams text, usage, finish and done, and sends stream:true with the key', async () => {
    const events = await collect(h.client.claudeStream(req('hello 世界', { system: 'be brief' })));
    expect(textOf(events)).toBe('Echo: hello 世界');
    expect(events).toContainEqual({ type: 'finish', reason: 'end_turn' });
    expect(events.at(-1)).toEqual({ type: 'done' });
    const body = expectJsonRequest(h.fake, 'POST', MESSAGES);
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hello 世界' }],
      stream: true,
    });
    expect(only(h.fake, 'POST', MESSAGES).headers.accept).toBe('text/event-stream');
    expect(h.fake.unexpected).toEqual([]);
  });

  it('yields thinking as reasoning, a tool_use as one tool call, and message_delta usage', async () => {
    const input = { city: '東京', days: [1, 2, 3], note: 'umbrella ☔?' };
    h.fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      events: claudeEvents({
        thinking: 'The user wants weather; call the tool. 好的。',
        text: 'Let me check.',
        toolUse: { id: 'toolu_01', name: 'get_weather', input },
        usage: { input_tokens: 42, output_tokens: 17 },
      }),
    });
    const events = await collect(
      h.client.claudeStream(req('weather?', { thinking: { type: 'enabled', budget_tokens: 1024 } })),
    );
    expect(reasoningOf(events)).toBe('The user wants weather; call the tool. 好的。');
    expect(textOf(events)).toBe('Let me check.');
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls).toHaveLength(1);
    const call = (calls[0] as Extract<StreamEvent, { type: 'tool_call' }>).call;
    expect(call).toMatchObject({ id: 'toolu_01', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual(input);
    expect(events).toContainEqual({
      type: 'usage',
      usage: { promptTokens: 42, completionTokens: 17, totalTokens: 59 },
    });
    expect(events).toContainEqual({ type: 'finish', reason: 'tool_use' });
    expect(events.at(-1)).toEqual({ type: 'done' });
    // Thinking comes before text, text before the tool call.
    const order = events.map((e) => e.type).filter((t) => ['reasoning', 'text', 'tool_call'].includes(t));
    expect(order.indexOf('text')).toBeGreaterThan(order.lastIndexOf('reasoning'));
    expect(order.indexOf('tool_call')).toBeGreaterThan(order.lastIndexOf('text'));
    const body = expectJsonRequest(h.fake, 'POST', MESSAGES);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  it('joins partial_json pieces split at awkward places into one tool call', async () => {
    const pieces = ['{"q', 'uery": "caf', 'é 🍵", "limit"', ': 5}'];
    h.fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      chunkBytes: 3,
      events: [
        ev('message_start', { message: { id: 'm', usage: { input_tokens: 5, output_tokens: 1 } } }),
        ev('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_x', name: 'search', input: {} },
        }),
        ...pieces.map((partial_json) =>
          ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } }),
        ),
        ev('content_block_stop', { index: 0 }),
        ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
        ev('message_stop', {}),
      ],
    });
    const events = await collect(h.client.claudeStream(req('find tea')));
    const calls = events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));
    expect(calls).toEqual([
      { id: 'toolu_x', type: 'function', function: { name: 'search', arguments: pieces.join('') } },
    ]);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({ query: 'café 🍵', limit: 5 });
    expect(events).toContainEqual({
      type: 'usage',
      usage: { promptTokens: 5, completionTokens: 9, totalTokens: 14 },
    });
  });

  it('turns an `error` event into an error with the upstream message', async () => {
    h.fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      events: [
        ev('message_start', { message: { id: 'm', usage: { input_tokens: 5, output_tokens: 1 } } }),
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Half an ' } }),
        ev('error', {
          error: { type: 'overloaded_error', message: 'Overloaded (request id: 2026010112000000)' },
        }),
      ],
    });
    const { events, error } = await collectUntilError(h.client.claudeStream(req('x')));
    expect(textOf(events)).toBe('Half an ');
    expect(error.upstreamMessage).toBe('Overloaded');
    expect(error.kind).toBe('overloaded');
  });

  it('treats a stream cut before message_stop as an error', async () => {
    h.fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      events: claudeEvents({ text: 'this will never finish properly' }),
      cutAfterEvents: 5,
    });
    const { events, error } = await collectUntilError(h.client.claudeStream(req('x')));
    expect(['protocol', 'network']).toContain(error.kind);
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('treats a stream that ends cleanly without message_stop as a protocol error', async () => {
    const events = claudeEvents({ text: 'no stop' }).slice(0, -1);
    h.fake.enqueue('POST /v1/messages', { kind: 'sse', done: false, events });
    const { error } = await collectUntilError(h.client.claudeStream(req('x')));
    expect(error.kind).toBe('protocol');
  });

  it('rejects a tool_use whose joined input is not JSON', async () => {
    h.fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      events: [
        ev('message_start', { message: { usage: { input_tokens: 1 } } }),
        ev('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: 't', name: 'n', input: {} },
        }),
        ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
        ev('content_block_stop', { index: 0 }),
        ev('message_stop', {}),
      ],
    });
    const { error } = await collectUntilError(h.client.claudeStream(req('x')));
    expect(error.kind).toBe('protocol');
  });

  it('maps the Claude error envelope on HTTP errors', async () => {
    h.fake.enqueue('POST /v1/messages', claudeError(401, 'authentication_error', 'invalid x-api-key'));
    const e = await botError(collect(h.client.claudeStream(req('x'))));
    expect(e).toMatchObject({ kind: 'auth', status: 401, upstreamMessage: 'invalid x-api-key' });
    expect(h.fake.requestsTo('POST', MESSAGES)).toHaveLength(1);
  });
});

// ---------- the parser on its own ----------

describe('streamEvents, Claude dialect', () => {
  it('maps thinking, text, tool_use and usage from the builder, at any byte split', async () => {
    const buf = sseBytes(
      claudeEvents({
        thinking: '想一想 🤔',
        text: 'Hello 世界',
        toolUse: { id: 'tu', name: 'lookup', input: { q: 'ß 🌏' } },
        usage: { input_tokens: 7, output_tokens: 9 },
      }),
      false,
    );
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      const events = await claudeOut(chunks);
      expect(reasoningOf(events)).toBe('想一想 🤔');
      expect(textOf(events)).toBe('Hello 世界');
      expect(events.filter((e) => e.type === 'tool_call')).toEqual([
        {
          type: 'tool_call',
          call: { id: 'tu', type: 'function', function: { name: 'lookup', arguments: '{"q":"ß 🌏"}' } },
        },
      ]);
      expect(events.slice(-3)).toEqual([
        { type: 'usage', usage: { promptTokens: 7, completionTokens: 9, totalTokens: 16 } },
        { type: 'finish', reason: 'tool_use' },
        { type: 'done' },
      ]);
    }
  });

  it('gives an empty tool input as {}', async () => {
    const events = await claudeOut([
      sseBytes(
        [
          {
            event: 'content_block_start',
            data: { index: 0, content_block: { type: 'tool_use', id: 't', name: 'now', input: {} } },
          },
          { event: 'content_block_stop', data: { index: 0 } },
          { event: 'message_stop', data: {} },
        ],
        false,
      ),
    ]);
    expect(events[0]).toEqual({
      type: 'tool_call',
      call: { id: 't', type: 'function', function: { name: 'now', arguments: '{}' } },
    });
  });
});
