import { describe, expect, it, vi } from 'vitest';
import type { ClaudeMessage, ClaudeRequest, StreamEvent } from '../../../src/core/apicore.js';
import { errorMessage } from '../../../src/error-text.js';
import { fakeEmbedding } from '../../fakes/apicore/extras.js';
import { botError, collect, expectJsonRequest, ManualClock, makeClient, textOf, useFake } from './helpers.js';

const h = useFake();

describe('responses (o3-pro, POST /v1/responses)', () => {
  it('sends the documented body and reads text, reasoning summary and usage', async () => {
    const result = await h.client.responses({
      model: 'o3-pro',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Prove it 证明 ∑ 🧮' }] }],
      instructions: 'Be brief 简洁',
      reasoning: { effort: 'high' },
      max_output_tokens: 2000,
    });
    expect(result.text).toBe('Echo: Prove it 证明 ∑ 🧮');
    expect(result.reasoning).toBe('Thought 思考 🤔');
    expect(result.finishReason).toBe('stop');
    expect(result.model).toBe('o3-pro');
    expect(result.usage?.reasoningTokens).toBe(64);
    expect(result.usage?.totalTokens).toBe(
      (result.usage?.promptTokens ?? 0) + (result.usage?.completionTokens ?? 0),
    );
    const body = expectJsonRequest(h.fake, 'POST', '/v1/responses');
    expect(body).toEqual({
      model: 'o3-pro',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Prove it 证明 ∑ 🧮' }] }],
      instructions: 'Be brief 简洁',
      reasoning: { effort: 'high' },
      max_output_tokens: 2000,
      stream: false,
    });
  });

  it('takes a plain string input', async () => {
    expect((await h.client.responses({ model: 'o3-pro', input: 'Hi 嗨 👋' })).text).toBe('Echo: Hi 嗨 👋');
  });

  it('is allowed minutes (the reasoning timeout), not APICORE_TIMEOUT_MS', async () => {
    const clock = new ManualClock();
    const client = makeClient(h.fake, { timeoutMs: 120_000, reasoningTimeoutMs: 600_000, timers: clock });
    const hold = h.fake.holdRequests('/v1/responses');
    try {
      const call = client.responses({ model: 'o3-pro', input: 'Slow 慢 🐢' });
      await vi.waitFor(() => expect(hold.held()).toBe(1));
      clock.advance(540_000);
      hold.release();
      expect((await call).text).toBe('Echo: Slow 慢 🐢');
    } finally {
      hold.release();
      await client.close();
    }
  });

  it('maps an error answer', async () => {
    h.fake.enqueue('POST /v1/responses', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'o3-pro 不可用', type: 'invalid_request_error', code: 'model_not_found' } },
    });
    const e = await botError(h.client.responses({ model: 'o3-pro', input: 'x' }));
    expect(e.kind).toBe('not_found');
    expect(errorMessage(e, 'zh')).toBe('未找到：o3-pro 不可用');
  });
});

describe('embeddings (POST /v1/embeddings)', () => {
  it('returns one vector per input, in input order', async () => {
    const input = ['hello world', '你好世界', '👋🌍'];
    const vectors = await h.client.embeddings({ model: 'text-embedding-3-small', input });
    expect(vectors).toEqual(input.map((t) => fakeEmbedding(t)));
    expect(expectJsonRequest(h.fake, 'POST', '/v1/embeddings')).toEqual({
      model: 'text-embedding-3-small',
      input,
    });
  });

  it('a single string gives a single vector', async () => {
    const vectors = await h.client.embeddings({ model: 'text-embedding-3-small', input: '猫 cat 🐱' });
    expect(vectors).toEqual([fakeEmbedding('猫 cat 🐱')]);
  });

  it('a count that does not match the inputs is a protocol error', async () => {
    h.fake.enqueue('POST /v1/embeddings', {
      kind: 'json',
      body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }] },
    });
    expect((await botError(h.client.embeddings({ model: 'm', input: ['a', 'b'] }))).kind).toBe('protocol');
  });
});

describe('Claude route: tools, tool_result and PDF documents', () => {
  const TOOL = {
    name: 'generate_image',
    description: 'Draw an image 画图',
    input_schema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
  };
  const req = (messages: ClaudeMessage[], extra: Partial<ClaudeRequest> = {}): ClaudeRequest => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages,
    tools: [TOOL],
    ...extra,
  });
  const calls = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));

  it('a tool_use block arrives as one tool_call with the JSON arguments', async () => {
    const events = await collect(
      h.client.claudeStream(req([{ role: 'user', content: '[tool:generate_image] a cat 猫 on a mat 🐱' }])),
    );
    const [call, ...more] = calls(events);
    expect(more).toEqual([]);
    expect(call?.type).toBe('function');
    expect(call?.function.name).toBe('generate_image');
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ prompt: 'a cat 猫 on a mat 🐱' });
    expect(call?.id).toMatch(/^toolu_fake_/);
    expect(events).toContainEqual({ type: 'finish', reason: 'tool_use' });
    const body = expectJsonRequest(h.fake, 'POST', '/v1/messages');
    expect(body.tools).toEqual([TOOL]);
  });

  it('a tool_result answering that tool_use is accepted and read back', async () => {
    const events = await collect(
      h.client.claudeStream(
        req([
          { role: 'user', content: 'draw a cat 画猫' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'toolu_1', name: 'generate_image', input: { prompt: 'cat 猫' } },
            ],
          },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'image sent 已发送 🖼️' }],
          },
        ]),
      ),
    );
    expect(textOf(events)).toBe('Tool result: image sent 已发送 🖼️');
  });

  it('the fake refuses a tool_result without a matching tool_use', async () => {
    const e = await botError(
      collect(
        h.client.claudeStream(
          req([
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nope', content: 'x' }] },
          ]),
        ),
      ),
    );
    expect(e.kind).toBe('bad_request');
    expect(e.upstreamMessage).toContain('toolu_nope has no matching tool_use');
    expect(h.fake.unexpected).toHaveLength(1);
    h.fake.unexpected.splice(0);
  });

  it('a PDF document block reaches /v1/messages as base64', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% 测试 🧾\n%%EOF\n', 'utf8');
    const events = await collect(
      h.client.claudeStream({
        model: 'claude-sonnet-4-5',
        max_tokens: 1024,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'document',
                source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') },
              },
              { type: 'text', text: 'Summarize 总结 📄' },
            ],
          },
        ],
      }),
    );
    expect(textOf(events)).toBe(`Echo: Summarize 总结 📄 [document application/pdf ${pdf.length} bytes]`);
    const body = expectJsonRequest(h.fake, 'POST', '/v1/messages');
    expect(body.messages[0].content[0].source.data).toBe(pdf.toString('base64'));
  });

  it('the fake refuses a document given as a data URL', async () => {
    const e = await botError(
      collect(
        h.client.claudeStream(
          req([
            {
              role: 'user',
              content: [
                {
                  type: 'document',
                  source: {
                    type: 'base64',
                    media_type: 'application/pdf',
                    data: 'data:application/pdf;base64,AAAA',
                  },
                },
              ],
            },
          ]),
        ),
      ),
    );
    expect(e.kind).toBe('bad_request');
    h.fake.unexpected.splice(0);
  });
});
