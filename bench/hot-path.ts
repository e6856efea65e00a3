/**
 * In-process micro-bench of the streamed answer's hot path, measured in CPU time
 * (process.cpuUsage), not latency, so a busy shared machine changes it little:
 *
 * - pipeline: SSE bytes (the bench upstream's chunks) → ApiCoreTransport.stream → withTools →
 *   watchCut → meterAnswer → the renderer's consuming loop, per token; once with one token per
 *   network chunk (a quiet loop) and once with 8 (a saturated loop, where reads batch up);
 * - render: one live view (answerView, split, fence repair, cursor) of a growing answer, per render,
 *   at 500 and 4,000 characters, and the final pass of a 500-character answer.
 *
 *   npx tsx bench/hot-path.ts
 */
import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ChatApi } from '../src/apicore/chat.js';
import { ApiCoreTransport, type SendOptions } from '../src/apicore/transport.js';
import { watchCut } from '../src/conversations/answer-pieces.js';
import { meterAnswer } from '../src/conversations/metered-answer.js';
import { withTools } from '../src/conversations/tool-loop.js';
import type { AnswerPiece, CommandContext } from '../src/core/command.js';
import type { UsageMeter } from '../src/core/usage.js';
import { silentLogger } from '../src/log.js';
import { answerView, CURSOR } from '../src/render/answer-view.js';
import { closeFinalFence, closeOpenFence, splitMessage } from '../src/render/split.js';
import { answerFor, tokensFor } from './lib/answers.js';

const ANSWERS = Number(process.env.HOT_ANSWERS ?? 400);

/** The bench upstream's SSE for answer `id`, as network chunks of `perChunk` tokens. */
function sseChunks(id: number, perChunk: number): Buffer[] {
  const tokens = tokensFor(id, answerFor(id));
  const event = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-bench-${id}`,
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  const events = [event({ role: 'assistant', content: '' }), ...tokens.map((t) => event({ content: t }))];
  events.push(event({}, 'stop'));
  events.push(
    `data: ${JSON.stringify({ id: 'x', choices: [], usage: { prompt_tokens: 20, completion_tokens: tokens.length, total_tokens: 20 + tokens.length } })}\n\n`,
  );
  events.push('data: [DONE]\n\n');
  const out: Buffer[] = [];
  for (let i = 0; i < events.length; i += perChunk)
    out.push(Buffer.from(events.slice(i, i + perChunk).join('')));
  return out;
}

/** A transport whose `send` answers with these chunks, one read each (a macrotask apart). */
class ChunkTransport extends ApiCoreTransport {
  chunks: Buffer[] = [];
  override async send(): Promise<Dispatcher.ResponseData> {
    const body = new PassThrough();
    const chunks = this.chunks;
    let i = 0;
    const next = () => {
      if (i < chunks.length) {
        body.write(chunks[i++]);
        setImmediate(next);
      } else body.end();
    };
    setImmediate(next);
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream' },
      body,
    } as unknown as Dispatcher.ResponseData;
  }
}
void (null as unknown as SendOptions);

const meter: UsageMeter = {
  add: async () => {},
  chargeTokens: async (tokens: number) => ({ used: tokens, quota: 1e9 }),
  today: async () => ({}) as never,
} as unknown as UsageMeter;

async function pipeline(perChunk: number): Promise<{ usPerToken: number; tokens: number }> {
  const transport = new ChunkTransport({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
  const chat = new ChatApi(transport);
  const ctx = {
    apicore: { chatStream: (req: never, opts: never) => chat.chatStream(req, opts) },
    usage: { ...meter, toolTasksPerAnswer: 0 },
    signal: new AbortController().signal,
    log: silentLogger(),
    lang: 'en',
  } as unknown as CommandContext<unknown>;
  const all = Array.from({ length: ANSWERS }, (_, i) => sseChunks(i + 1, perChunk));
  let tokens = 0;
  let cpu = 0;
  for (let round = 0; round < 2; round++) {
    tokens = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < ANSWERS; i++) {
      transport.chunks = all[i]!;
      const stream = withTools(ctx, 'gpt-4o-mini', [{ role: 'user', content: 'q' }], undefined);
      const capped = watchCut(stream);
      const metered = meterAnswer(capped.pieces, { meter, promptTokens: 20, estimate: (t) => t.length >> 2 });
      const state = { answer: '', reasoning: '', status: '' };
      for await (const piece of metered.pieces as AsyncIterable<AnswerPiece>) {
        if (piece.type === 'text') state.answer += piece.text;
        else if (piece.type === 'reasoning') state.reasoning += piece.text;
        else if (piece.type === 'usage') tokens += piece.usage.completionTokens > 0 ? 0 : 0;
      }
      if (state.answer !== answerFor(i + 1)) throw new Error(`answer ${i + 1} is not exact`);
      tokens += tokensFor(i + 1).length;
    }
    const used = process.cpuUsage(start);
    cpu = used.user + used.system;
  }
  return { usPerToken: cpu / tokens, tokens };
}

/** The harness alone: the same chunks through the same PassThrough, read and dropped. */
async function harness(perChunk: number): Promise<number> {
  const transport = new ChunkTransport({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
  const all = Array.from({ length: ANSWERS }, (_, i) => sseChunks(i + 1, perChunk));
  let tokens = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < ANSWERS; i++) {
    transport.chunks = all[i]!;
    const res = await transport.send();
    for await (const _ of res.body) {
    }
    tokens += tokensFor(i + 1).length;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / tokens;
}

function render(chars: number, runs: number): number {
  const answer = answerFor(7, chars);
  const live = (view: string): string[] => {
    const chunks = splitMessage(view, 4096 - 8);
    const last = chunks.length - 1;
    if (last >= 0) {
      const closed = closeOpenFence(chunks[last]!);
      chunks[last] = closed === chunks[last] ? closed + CURSOR : `${closed}\n${CURSOR}`;
    }
    return chunks;
  };
  let sink = 0;
  for (let i = 0; i < runs / 10; i++)
    sink += live(answerView({ answer, reasoning: '', status: '' }, 'en')).length;
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++)
    sink += live(answerView({ answer: answer + String(i % 10), reasoning: '', status: '' }, 'en')).length;
  const used = process.cpuUsage(start);
  if (sink < 0) console.log(sink);
  return (used.user + used.system) / runs;
}

function final(chars: number, runs: number): number {
  const answer = answerFor(9, chars);
  let sink = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++)
    sink += splitMessage(
      closeFinalFence(answerView({ answer, reasoning: '', status: '' }, 'en')),
      4096,
    ).length;
  const used = process.cpuUsage(start);
  if (sink < 0) console.log(sink);
  return (used.user + used.system) / runs;
}

const one = await pipeline(1);
const eight = await pipeline(8);
console.log(
  `pipeline, 1 token per chunk: ${one.usPerToken.toFixed(2)} µs CPU per token (${one.tokens} tokens)`,
);
console.log(
  `  of which the harness (PassThrough, setImmediate), 1 / 8 per chunk: ${(await harness(1)).toFixed(2)} / ${(await harness(8)).toFixed(2)} µs`,
);
console.log(`pipeline, 8 tokens per chunk: ${eight.usPerToken.toFixed(2)} µs CPU per token`);
console.log(
  `live render, 500 chars: ${render(500, 5000).toFixed(1)} µs; 4,000 chars: ${render(4000, 2000).toFixed(1)} µs`,
);
console.log(`final pass, 500 chars: ${final(500, 5000).toFixed(1)} µs`);
silentLogger();
