import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openAiUsage } from '../../../src/apicore/sse.js';
import { SseEventReader } from '../../../src/apicore/sse-reader.js';
import type { ChatMessage, ChatRequest, StreamEvent, ToolCall } from '../../../src/core/apicore.js';
import { BotError } from '../../../src/errors.js';
import { chatChunks, openAiError, splitCodePoints } from '../../fakes/apicore.js';
import {
  botError,
  chatEvents,
  chunk,
  collect,
  collectUntilError,
  cut,
  expectAuth,
  expectJsonRequest,
  type Json,
  only,
  reasoningOf,
  sseBytes,
  textOf,
  typesOf,
  useFake,
} from './helpers.js';

const h = useFake();

const CHAT = '/v1/chat/completions';
const req = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

const toolCallsOf = (events: StreamEvent[]): ToolCall[] =>
  events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));

describe('chat (non-stream)', () => {
  it('parses the answer and sends the request with stream:false', async () => {
    const result = await h.client.chat(req('hello 你好', { temperature: 0.2, max_tokens: 50 }));
    expect(result).toMatchObject({
      text: 'Echo: hello 你好',
      reasoning: '',
      toolCalls: [],
      finishReason: 'stop',
      model: 'gpt-4o-mini',
    });
    expect(result.usage?.totalTokens).toBe(
      (result.usage?.promptTokens ?? 0) + (result.usage?.completionTokens ?? 0),
    );
    expect(result.usage?.promptTokens).toBeGreaterThan(0);
    const body = expectJsonRequest(h.fake, 'POST', CHAT);
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello 你好' }],
      temperature: 0.2,
      max_tokens: 50,
      stream: false,
    });
    expect(only(h.fake, 'POST', CHAT).headers.accept).toBe('application/json');
    expect(h.fake.unexpected).toEqual([]);
  });

  it('reads reasoning_content, tool calls and reasoning token usage', async () => {
    const call: ToolCall = {
      id: 'call_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"上海"}' },
    };
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'json',
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'deepseek-r1',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              reasoning_content: 'let me think',
              tool_calls: [call],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 20,
          total_tokens: 30,
          completion_tokens_details: { reasoning_tokens: 7 },
        },
      },
    });
    const result = await h.client.chat(req('weather?', { model: 'deepseek-r1' }));
    expect(result).toEqual({
      text: '',
      reasoning: 'let me think',
      toolCalls: [call],
      finishReason: 'tool_calls',
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30, reasoningTokens: 7 },
      model: 'deepseek-r1',
    });
    expect(expectJsonRequest(h.fake, 'POST', CHAT).model).toBe('deepseek-r1');
  });

  it("reads Suno chat mode's non-stream answer from `delta`", async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'json',
      body: {
        model: 'suno-v3.5',
        choices: [{ index: 0, delta: { content: '🎵 done' }, finish_reason: 'stop' }],
      },
    });
    const result = await h.client.chat(req('a song', { model: 'suno-v3.5' }));
    expect(result.text).toBe('🎵 done');
    expect(result.usage).toBeUndefined();
    expect(expectJsonRequest(h.fake, 'POST', CHAT)).toMatchObject({ model: 'suno-v3.5', stream: false });
  });

  it('throws on an error body that came with HTTP 200', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'json',
      body: { error: { message: 'upstream exploded (request id: 2026x)', type: 'upstream_error' } },
    });
    const e = await botError(h.client.chat(req('x')));
    expect(e.kind).toBe('upstream');
    expect(e.upstreamMessage).toBe('upstream exploded');
  });
});

describe('chatStream', () => {
  it('streams text, finish, usage and done, and asks for usage in the request', async () => {
    const events = await collect(h.client.chatStream(req('hi there')));
    expect(textOf(events)).toBe('Echo: hi there');
    expect(events.at(-1)).toEqual({ type: 'done' });
    expect(events).toContainEqual({ type: 'finish', reason: 'stop' });
    const usage = events.find((e) => e.type === 'usage');
    expect(usage).toBeDefined();
    expect(typesOf(events).filter((t) => t === 'usage')).toHaveLength(1);
    const body = expectJsonRequest(h.fake, 'POST', CHAT);
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(only(h.fake, 'POST', CHAT).headers.accept).toBe('text/event-stream');
    expect(h.fake.unexpected).toEqual([]);
  });

  it('reads the final usage chunk (choices: [])', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('ok', { usage: { prompt_tokens: 11, completion_tokens: 3 } }),
    });
    const events = await collect(h.client.chatStream(req('x')));
    const usageAt = events.findIndex((e) => e.type === 'usage');
    expect(events[usageAt]).toEqual({
      type: 'usage',
      usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 },
    });
    expect(usageAt).toBeGreaterThan(events.findIndex((e) => e.type === 'finish'));
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('reassembles an SSE event split across TCP chunks', async () => {
    const text = 'The quick brown fox jumps over the lazy dog, twice over.';
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(text, { pieces: 6 }),
      chunkBytes: 7,
    });
    const events = await collect(h.client.chatStream(req('x')));
    expect(textOf(events)).toBe(text);
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('decodes a multi-byte UTF-8 character split across chunks', async () => {
    const text = '你好，世界 🌏👨‍👩‍👧 done';
    // Lean chunks, so that writing them a byte at a time stays fast.
    const lean = splitCodePoints(text, 4).map((content) => ({
      data: { choices: [{ index: 0, delta: { content } }] },
    }));
    for (const chunkBytes of [1, 2, 3]) {
      h.fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events: lean, chunkBytes });
      const events = await collect(h.client.chatStream(req('x')));
      expect(textOf(events), `chunkBytes ${chunkBytes}`).toBe(text);
      expect(textOf(events)).not.toContain('\uFFFD');
    }
  });

  it('merges a tool call whose arguments arrive in ten pieces into one call', async () => {
    const args = JSON.stringify({ city: '上海', unit: 'celsius', days: 3, note: 'rain 🌧?' });
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('', {
        toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: args, pieces: 10 }],
      }),
    });
    const events = await collect(h.client.chatStream(req('weather?')));
    const calls = toolCallsOf(events);
    expect(calls).toEqual([
      { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: args } },
    ]);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({
      city: '上海',
      unit: 'celsius',
      days: 3,
      note: 'rain 🌧?',
    });
    expect(events).toContainEqual({ type: 'finish', reason: 'tool_calls' });
    expect(textOf(events)).toBe('');
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('keeps two parallel tool calls apart, by index, even when their fragments interleave', async () => {
    const a = '{"city":"Paris"}';
    const b = '{"query":"café near 天安门"}';
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [
        chunk({ role: 'assistant', content: null }),
        chunk({
          tool_calls: [
            { index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        }),
        chunk({
          tool_calls: [
            { index: 1, id: 'call_b', type: 'function', function: { name: 'search', arguments: '' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: a.slice(0, 5) } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: b.slice(0, 9) } }] }),
        chunk({
          tool_calls: [
            { index: 1, function: { arguments: b.slice(9) } },
            { index: 0, function: { arguments: a.slice(5) } },
          ],
        }),
        chunk({}, 'tool_calls'),
      ],
    });
    const calls = toolCallsOf(await collect(h.client.chatStream(req('x'))));
    expect(calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'weather', arguments: a } },
      { id: 'call_b', type: 'function', function: { name: 'search', arguments: b } },
    ]);
    for (const call of calls) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
  });

  it('also handles parallel calls built by the fake builder', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('', {
        toolCalls: [
          { id: 'c1', name: 'one', arguments: '{"n":1}', pieces: 3 },
          { id: 'c2', name: 'two', arguments: '{"n":[2,2]}', pieces: 4 },
        ],
      }),
    });
    const calls = toolCallsOf(await collect(h.client.chatStream(req('x'))));
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['c1', 'one', { n: 1 }],
      ['c2', 'two', { n: [2, 2] }],
    ]);
  });

  it('streams reasoning_content deltas as reasoning events', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('The answer is 4.', { reasoning: 'Two plus two… 嗯, is four.' }),
    });
    const events = await collect(h.client.chatStream(req('2+2?', { model: 'deepseek-r1' })));
    expect(reasoningOf(events)).toBe('Two plus two… 嗯, is four.');
    expect(textOf(events)).toBe('The answer is 4.');
    const firstText = events.findIndex((e) => e.type === 'text');
    const lastReasoning = events.map((e) => e.type).lastIndexOf('reasoning');
    expect(lastReasoning).toBeLessThan(firstText);
  });

  it('reads `reasoning` alone, and never doubles text carried in both fields', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ reasoning: 'only ' }),
        chunk({ reasoning: 'reasoning. ' }),
        chunk({ reasoning_content: 'both ', reasoning: 'both ' }),
        chunk({ reasoning_content: 'fields.', reasoning: 'fields.' }),
        chunk({ content: 'Hi', reasoning_content: null, reasoning: null }),
        chunk({}, 'stop'),
      ],
    });
    const events = await collect(h.client.chatStream(req('x')));
    expect(reasoningOf(events)).toBe('only reasoning. both fields.');
    expect(events.filter((e) => e.type === 'reasoning')).toHaveLength(4);
    expect(textOf(events)).toBe('Hi');
  });

  it('ignores keep-alive comments and CRLF line endings', async () => {
    const data = (o: object) => `data: ${JSON.stringify(o)}\r\n\r\n`;
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'raw',
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        ': keep-alive\n\n',
        data(chunk({ content: 'a' }).data),
        ': PING\r\n\r\n',
        data(chunk({ content: 'b' }).data),
        'data: [DONE]\r\n\r\n',
      ],
    });
    const events = await collect(h.client.chatStream(req('x')));
    expect(textOf(events)).toBe('ab');
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('lets the caller stop reading early without errors, and the client stays usable', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('one two three four five six', { pieces: 6 }),
      delayMs: 50,
    });
    const seen: string[] = [];
    for await (const event of h.client.chatStream(req('x'))) {
      if (event.type === 'text') {
        seen.push(event.text);
        break;
      }
    }
    expect(seen).toHaveLength(1);
    expect(textOf(await collect(h.client.chatStream(req('again'))))).toBe('Echo: again');
  });

  it('treats a stream cut before [DONE] as an error, not a short answer', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('this answer will be cut short', { pieces: 6 }),
      cutAfterEvents: 3,
    });
    const { events, error } = await collectUntilError(h.client.chatStream(req('x')));
    expect(['protocol', 'network']).toContain(error.kind);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(textOf(events).length).toBeGreaterThan(0);
  });

  it('treats a stream that ends cleanly without [DONE] as a protocol error', async () => {
    h.fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks('short'), done: false });
    const { events, error } = await collectUntilError(h.client.chatStream(req('x')));
    expect(error.kind).toBe('protocol');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('maps malformed SSE JSON to protocol', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [chunk({ content: 'fine' }), { data: '{"choices":[{"delta":{"content":"bro' }],
    });
    const { events, error } = await collectUntilError(h.client.chatStream(req('x')));
    expect(error.kind).toBe('protocol');
    expect(textOf(events)).toBe('fine');
  });

  it('turns an {"error":...} line mid-stream into an error with the upstream message', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: [
        chunk({ content: 'partial ' }),
        {
          data: {
            error: {
              message: 'upstream channel failed: context deadline exceeded (request id: 20260101X)',
              type: 'upstream_error',
              code: 'bad_response_status_code',
            },
          },
        },
      ],
      done: false,
    });
    const { events, error } = await collectUntilError(h.client.chatStream(req('x')));
    expect(textOf(events)).toBe('partial ');
    expect(error.upstreamMessage).toBe('upstream channel failed: context deadline exceeded');
    expect(error.code).toBe('bad_response_status_code');
    expect(error.kind).toBe('upstream');
  });

  it('reads a JSON error answered with 200 to a stream request', async () => {
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'json',
      body: { error: { message: '用户额度不足 (request id: abc)', code: 'insufficient_user_quota' } },
    });
    const e = await botError(collect(h.client.chatStream(req('x'))));
    expect(e.kind).toBe('quota');
    expect(e.upstreamMessage).toBe('用户额度不足');
  });

  it('maps an HTTP error on a stream request through the error envelope', async () => {
    h.fake.enqueue('POST /v1/chat/completions', openAiError(400, 'prompt blocked', 'prompt_blocked'));
    const e = await botError(collect(h.client.chatStream(req('x'))));
    expect(e).toMatchObject({ kind: 'content_policy', status: 400, upstreamMessage: 'prompt blocked' });
    expect(h.fake.requestsTo('POST', CHAT)).toHaveLength(1);
  });
});

describe('function-calling round trip', () => {
  it('sends the assistant tool_calls message and the tool result back, then gets text', async () => {
    const tools: ChatRequest['tools'] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const user: ChatMessage = { role: 'user', content: 'Weather in 北京?' };
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('', {
        toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"北京"}', pieces: 5 }],
      }),
    });
    const first = await collect(
      h.client.chatStream({ model: 'gpt-4o', messages: [user], tools, tool_choice: 'auto' }),
    );
    const calls = toolCallsOf(first);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(JSON.parse(call.function.arguments)).toEqual({ city: '北京' });

    const toolResult = JSON.stringify({ city: '北京', tempC: 21, sky: 'sunny ☀️' });
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('It is 21 °C and sunny in 北京.'),
    });
    const second = await collect(
      h.client.chatStream({
        model: 'gpt-4o',
        tools,
        messages: [
          user,
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: toolResult },
        ],
      }),
    );
    expect(textOf(second)).toBe('It is 21 °C and sunny in 北京.');
    expect(toolCallsOf(second)).toEqual([]);

    const sent = h.fake.requestsTo('POST', CHAT);
    expect(sent).toHaveLength(2);
    for (const r of sent) expectAuth(r);
    const firstBody = sent[0]!.json as Json;
    expect(firstBody.tools).toEqual(tools);
    expect(firstBody.tool_choice).toBe('auto');
    const secondBody = sent[1]!.json as Json;
    expect(secondBody.messages).toEqual([
      { role: 'user', content: 'Weather in 北京?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_w1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"北京"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_w1', content: toolResult },
    ]);
    expect(h.fake.unexpected).toEqual([]);
  });
});

// ---------- the parsers on their own: every split point of a byte stream ----------

describe('sseMessages', () => {
  it('decodes text split at every byte offset, two cuts at a time', async () => {
    const text = '你好，世界 🌏👨‍👩‍👧 done';
    const buf = sseBytes([{ data: { choices: [{ delta: { content: text } }] } }]);
    for (let i = 1; i < buf.length; i++) {
      const j = Math.min(buf.length - 1, i + 3);
      const events = await chatEvents(j > i ? cut(buf, i, j) : cut(buf, i));
      expect(textOf(events), `cut at ${i}/${j}`).toBe(text);
    }
  });

  it('decodes a stream delivered one byte at a time', async () => {
    const text = '你好，世界 🌏👨‍👩‍👧 done';
    const buf = sseBytes(chatChunks(text, { pieces: 5 }));
    const events = await chatEvents([...buf].map((b) => Uint8Array.of(b)));
    expect(textOf(events)).toBe(text);
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('reads event names, multi-line data, comments and CRLF', async () => {
    const raw = Buffer.from(': hello\r\nevent: ping\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: x\n\n', 'utf8');
    const out: [string | undefined, string][] = [];
    const reader = new SseEventReader(
      Readable.from(cut(raw, 3, 17, 30)),
      (m, events) => {
        out.push([m.event, m.data]);
        if (m.data !== 'x') return false;
        events.push({ type: 'done' });
        return true;
      },
      'test',
      'x',
      (e) => e,
    );
    for await (const _ of reader);
    expect(out).toEqual([
      ['ping', '{"a":\n1}'],
      [undefined, 'x'],
    ]);
  });

  it('flushes a final event that lacks the blank line', async () => {
    const events = await chatEvents([Buffer.from('data: [DONE]')]);
    expect(events).toEqual([{ type: 'done' }]);
  });
});

describe('streamEvents, chat-completions dialect', () => {
  it('emits tool calls whole, after the text, before done', async () => {
    const args = '{"a":[1,2,3],"b":"çà 🌧"}';
    const events = await chatEvents([
      sseBytes(chatChunks('x', { toolCalls: [{ id: 'c', name: 'f', arguments: args, pieces: 10 }] })),
    ]);
    expect(events.map((e) => e.type)).toEqual(['text', 'finish', 'tool_call', 'done']);
    expect(events[2]).toEqual({
      type: 'tool_call',
      call: { id: 'c', type: 'function', function: { name: 'f', arguments: args } },
    });
  });

  it('prefers reasoning_content over reasoning, never both', async () => {
    const events = await chatEvents([
      sseBytes([
        { data: { choices: [{ delta: { reasoning_content: 'a', reasoning: 'a' } }] } },
        { data: { choices: [{ delta: { reasoning: 'b' } }] } },
        { data: { choices: [{ delta: { reasoning_content: 'c' } }] } },
      ]),
    ]);
    expect(reasoningOf(events)).toBe('abc');
  });

  it('throws protocol on malformed JSON and on a JSON array', async () => {
    for (const data of ['{"choices":', '[1,2]']) {
      const error = await chatEvents([sseBytes([{ data }])]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BotError);
      expect((error as BotError).kind).toBe('protocol');
    }
  });

  it('throws protocol when the bytes end before [DONE]', async () => {
    const error = await chatEvents([sseBytes(chatChunks('hi'), false)]).catch((e: unknown) => e);
    expect((error as BotError).kind).toBe('protocol');
  });

  it('reads usage with reasoning tokens and the input/output aliases', () => {
    expect(
      openAiUsage({
        prompt_tokens: 3,
        completion_tokens: 4,
        total_tokens: 7,
        completion_tokens_details: { reasoning_tokens: 2 },
      }),
    ).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7, reasoningTokens: 2 });
    expect(openAiUsage({ prompt_tokens: 0, input_tokens: 5, output_tokens: 6 })).toEqual({
      promptTokens: 5,
      completionTokens: 6,
      totalTokens: 11,
    });
  });
});
