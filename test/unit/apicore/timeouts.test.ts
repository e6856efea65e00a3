import { describe, expect, it, vi } from 'vitest';
import { isReasoningModel, streamIdleFor } from '../../../src/apicore/timeouts.js';
import { errorMessage } from '../../../src/error-text.js';
import { chatChunks, encodeSseEvent, TINY_PNG } from '../../fakes/apicore.js';
import { botError, collect, deferred, ManualClock, makeClient, textOf, useFake } from './helpers.js';

const h = useFake();

const IMAGE = '/v1/images/generations';
/** A gpt-image-1 answer: base64 JSON, as the real one (a few MB) would be. */
const imageBody = JSON.stringify({
  created: 1767268800,
  data: [{ b64_json: TINY_PNG.toString('base64'), revised_prompt: 'A lighthouse 灯塔 at dawn 🌅' }],
});

/** The JSON answer in two halves; the second is written only when `gate` resolves. */
function slowBody(gate: Promise<void>, firstHalfWritten: () => void) {
  const mid = Math.floor(imageBody.length / 2);
  return {
    kind: 'raw' as const,
    headers: { 'content-type': 'application/json' },
    chunks: [imageBody.slice(0, mid), imageBody.slice(mid)],
    beforeChunk: async (index: number) => {
      if (index === 1) {
        firstHalfWritten();
        await gate;
      }
    },
  };
}

describe('non-streamed calls: APICORE_TIMEOUT_MS covers headers and body', () => {
  it('a 100 s JSON call succeeds under a 120 s timeout (60 s for headers, 40 s for the body)', async () => {
    const clock = new ManualClock();
    // The stream idle limit is far below 100 s: it must not apply to a call that is not streamed.
    const client = makeClient(h.fake, { timeoutMs: 120_000, streamIdleTimeoutMs: 1_000, timers: clock });
    const hold = h.fake.holdRequests(IMAGE);
    const body = deferred();
    const bodyStarted = deferred();
    h.fake.enqueue(`POST ${IMAGE}`, slowBody(body.promise, bodyStarted.resolve));
    try {
      const call = client.generateImages({ model: 'gpt-image-1', prompt: 'A lighthouse 灯塔 at dawn 🌅' });
      await vi.waitFor(() => expect(hold.held()).toBe(1));
      expect(clock.pending).toBe(1);
      clock.advance(60_000); // no headers yet after 60 s
      hold.release();
      await bodyStarted.promise;
      clock.advance(40_000); // half the body after 100 s
      body.resolve();
      const images = await call;
      expect(clock.now).toBe(100_000);
      expect(images).toHaveLength(1);
      const [image] = images;
      expect(image && 'data' in image ? Buffer.from(image.data) : undefined).toEqual(TINY_PNG);
      expect(image?.revisedPrompt).toBe('A lighthouse 灯塔 at dawn 🌅');
      // The deadline is cleared once the body is read.
      await vi.waitFor(() => expect(clock.pending).toBe(0));
    } finally {
      hold.release();
      await client.close();
    }
  });

  it('the same call is cut at 120 s while its body is still coming, as a timeout', async () => {
    const clock = new ManualClock();
    const client = makeClient(h.fake, { timeoutMs: 120_000, timers: clock });
    const body = deferred();
    const bodyStarted = deferred();
    h.fake.enqueue(`POST ${IMAGE}`, slowBody(body.promise, bodyStarted.resolve));
    try {
      let settled = false;
      const call = botError(client.generateImages({ model: 'gpt-image-1', prompt: 'x' })).finally(() => {
        settled = true;
      });
      await bodyStarted.promise;
      clock.advance(119_999);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      clock.advance(1);
      const e = await call;
      expect(e.kind).toBe('timeout');
      expect(errorMessage(e, 'en')).toBe('The AI service did not answer in time. Please try again.');
      expect(errorMessage(e, 'zh')).toBe('AI 服务响应超时，请重试。');
    } finally {
      body.resolve();
      await client.close();
    }
  });

  it('a call cut before its headers is a timeout too', async () => {
    const clock = new ManualClock();
    const client = makeClient(h.fake, { timeoutMs: 120_000, timers: clock });
    h.fake.enqueue('POST /v1/chat/completions', { kind: 'hang' });
    try {
      const call = botError(
        client.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: '你好 👋' }] }),
      );
      await vi.waitFor(() => expect(h.fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(1));
      clock.advance(120_000);
      expect((await call).kind).toBe('timeout');
    } finally {
      await client.close();
    }
  });

  it('a reasoning model gets the longer reasoning timeout on a non-streamed chat', async () => {
    const clock = new ManualClock();
    const client = makeClient(h.fake, { timeoutMs: 120_000, reasoningTimeoutMs: 600_000, timers: clock });
    const hold = h.fake.holdRequests('/v1/chat/completions');
    try {
      const call = client.chat({ model: 'o1', messages: [{ role: 'user', content: 'Think 想 🤔' }] });
      await vi.waitFor(() => expect(hold.held()).toBe(1));
      clock.advance(500_000);
      hold.release();
      expect((await call).text).toBe('Echo: Think 想 🤔');
    } finally {
      hold.release();
      await client.close();
    }
  });
});

describe('APICORE_STREAM_IDLE_MS: the idle limit of a stream, longer for reasoning models', () => {
  it.each([
    ['o1', true],
    ['o1-mini', true],
    ['o3', true],
    ['o3-pro', true],
    ['o4-mini', true],
    ['gpt-5', true],
    ['gpt-5-mini', true],
    ['gpt-5-chat-latest', false],
    ['claude-3-7-sonnet-thinking', true],
    ['gemini-2.5-flash-thinking', true],
    ['deepseek-r1', true],
    ['deepseek-reasoner', true],
    ['qwq-32b', true],
    ['gpt-4o', false],
    ['gpt-4o-mini', false],
    ['claude-sonnet-4-5', false],
    ['omni-moderation-latest', false],
    ['deepseek-chat', false],
  ] as const)('%s reasoning: %s', (model, reasoning) => {
    expect(isReasoningModel(model)).toBe(reasoning);
    expect(streamIdleFor(model, 90_000, 300_000)).toBe(reasoning ? 300_000 : 90_000);
  });

  it('Claude with thinking on counts as reasoning, and a longer idle setting wins', () => {
    expect(isReasoningModel('claude-sonnet-4-5', { thinking: true })).toBe(true);
    expect(streamIdleFor('claude-sonnet-4-5', 90_000, 300_000, true)).toBe(300_000);
    expect(streamIdleFor('o3', 600_000, 300_000)).toBe(600_000);
  });

  /** Headers at once, the first chunk, then a silence of `pauseMs` before the rest. */
  const pausedStream = (text: string, pauseMs: number) => {
    const events = chatChunks(text, { pieces: 2 }).map(encodeSseEvent);
    return {
      kind: 'raw' as const,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [events.slice(0, 2).join(''), `${events.slice(2).join('')}data: [DONE]\n\n`],
      delayMs: pauseMs,
    };
  };

  it('a silence longer than the idle limit cuts an ordinary model, not a reasoning one', async () => {
    const client = makeClient(h.fake, { streamIdleTimeoutMs: 150, reasoningIdleTimeoutMs: 10_000 });
    const text = 'Slow 慢 🐢 answer';
    try {
      h.fake.enqueue('POST /v1/chat/completions', pausedStream(text, 1_200));
      const cut = await botError(
        collect(client.chatStream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })),
      );
      expect(cut.kind).toBe('timeout');
      h.fake.enqueue('POST /v1/chat/completions', pausedStream(text, 1_200));
      const events = await collect(
        client.chatStream({ model: 'o3-mini', messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(textOf(events)).toBe(text);
    } finally {
      await client.close();
    }
  });
});
