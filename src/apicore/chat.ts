import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  ClaudeRequest,
  EmbeddingsRequest,
  ModelInfo,
  ResponsesRequest,
  StreamEvent,
  ToolCall,
  Usage,
} from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';
import { openAiUsage } from './sse.js';
import { callTimeoutFor, streamIdleFor } from './timeouts.js';
import type { ApiCoreTransport } from './transport.js';

/** How long the model list is reused by default. */
export const MODELS_CACHE_MS = 60_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Text generation: the model list, chat completions (whole and streamed), Claude-native
 * messages, the Responses API (o3-pro) and embeddings.
 */
export class ChatApi {
  readonly #t: ApiCoreTransport;
  readonly #modelsCacheMs: number;
  #models: { list: ModelInfo[]; until: number } | undefined;

  constructor(transport: ApiCoreTransport, modelsCacheMs = MODELS_CACHE_MS) {
    this.#t = transport;
    this.#modelsCacheMs = modelsCacheMs;
  }

  async listModels(opts: CallOptions = {}): Promise<ModelInfo[]> {
    // Autocomplete asks on every keystroke; the list changes rarely.
    if (this.#models && this.#models.until > Date.now()) return this.#models.list;
    const list = await this.#fetchModels(opts);
    this.#models = { list, until: Date.now() + this.#modelsCacheMs };
    return list;
  }

  async #fetchModels(opts: CallOptions): Promise<ModelInfo[]> {
    const body = (await this.#t.json('GET', '/v1/models', { ...opts, idempotent: true })) as {
      data?: unknown;
    };
    if (!Array.isArray(body.data))
      throw new BotError('protocol', 'GET /v1/models answered without a data list');
    return body.data
      .map((m) => m as { id?: unknown; owned_by?: unknown })
      .filter((m) => typeof m.id === 'string')
      .map((m) => ({ id: m.id as string, ownedBy: typeof m.owned_by === 'string' ? m.owned_by : undefined }));
  }

  async chat(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    const body = (await this.#t.json('POST', '/v1/chat/completions', {
      ...opts,
      json: { ...req, stream: false },
      timeoutMs: callTimeoutFor(req.model, this.#t.timeoutMs, this.#t.reasoningTimeoutMs),
    })) as Obj;
    if (body.error) throw bodyError('POST /v1/chat/completions', body);
    const choice = ((Array.isArray(body.choices) ? body.choices[0] : undefined) ?? {}) as Obj;
    // Suno's chat mode puts a non-stream answer in `delta`, not `message`.
    const message = (choice.message ?? choice.delta ?? {}) as Obj;
    const reasoning = message.reasoning_content || message.reasoning;
    return {
      text: typeof message.content === 'string' ? message.content : '',
      reasoning: typeof reasoning === 'string' ? reasoning : '',
      toolCalls: Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCall[]) : [],
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage: isObj(body.usage) ? openAiUsage(body.usage) : undefined,
      model: typeof body.model === 'string' ? body.model : req.model,
    };
  }

  chatStream(req: ChatRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    const json = { ...req, stream: true, stream_options: { include_usage: true } };
    const idleMs = streamIdleFor(req.model, this.#t.idleMs, this.#t.reasoningIdleMs);
    return this.#t.stream('/v1/chat/completions', json, 'chat', { ...opts, idleMs });
  }

  claudeStream(req: ClaudeRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    const thinking = req.thinking?.type === 'enabled';
    const idleMs = streamIdleFor(req.model, this.#t.idleMs, this.#t.reasoningIdleMs, thinking);
    return this.#t.stream('/v1/messages', { ...req, stream: true }, 'claude', { ...opts, idleMs });
  }

  /**
   * The Responses API (`POST /v1/responses`), not streamed: the only format o3-pro takes. Such
   * calls can take minutes, so they get the reasoning timeout. Output text is every
   * `output_text` part of the `message` items; reasoning is the reasoning items' summaries.
   */
  async responses(req: ResponsesRequest, opts: CallOptions = {}): Promise<ChatResult> {
    const endpoint = 'POST /v1/responses';
    const body = await this.#t.json('POST', '/v1/responses', {
      ...opts,
      json: { ...req, stream: false },
      timeoutMs: Math.max(this.#t.timeoutMs, this.#t.reasoningTimeoutMs),
    });
    if (!isObj(body)) throw new BotError('protocol', `${endpoint} did not answer an object`, { endpoint });
    if (isObj(body.error)) throw bodyError(endpoint, body);
    if (body.status === 'failed') throw bodyError(endpoint, { error: { message: 'the response failed' } });
    const output = Array.isArray(body.output) ? body.output.filter(isObj) : [];
    const text: string[] = [];
    const reasoning: string[] = [];
    for (const item of output) {
      if (item.type === 'message' && Array.isArray(item.content)) {
        for (const part of item.content.filter(isObj))
          if (part.type === 'output_text' && typeof part.text === 'string') text.push(part.text);
      } else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
        for (const part of item.summary.filter(isObj))
          if (typeof part.text === 'string') reasoning.push(part.text);
      }
    }
    if (text.length === 0 && typeof body.output_text === 'string') text.push(body.output_text);
    if (text.length === 0 && body.status !== 'incomplete')
      throw new BotError('protocol', `${endpoint} answered without output text`, { endpoint });
    const incomplete = isObj(body.incomplete_details) ? body.incomplete_details.reason : undefined;
    return {
      text: text.join(''),
      reasoning: reasoning.join('\n\n'),
      toolCalls: [],
      finishReason:
        body.status === 'incomplete' ? (typeof incomplete === 'string' ? incomplete : 'incomplete') : 'stop',
      usage: isObj(body.usage) ? responsesUsage(body.usage) : undefined,
      model: typeof body.model === 'string' ? body.model : req.model,
    };
  }

  /** `POST /v1/embeddings` → one vector per input, in input order. */
  async embeddings(req: EmbeddingsRequest, opts: CallOptions = {}): Promise<number[][]> {
    const endpoint = 'POST /v1/embeddings';
    const body = await this.#t.json('POST', '/v1/embeddings', { ...opts, json: req });
    if (!isObj(body)) throw new BotError('protocol', `${endpoint} did not answer an object`, { endpoint });
    if (body.error) throw bodyError(endpoint, body);
    const data = Array.isArray(body.data) ? body.data.filter(isObj) : [];
    const expected = Array.isArray(req.input) ? req.input.length : 1;
    const vectors = data
      .map((d, position) => ({ index: typeof d.index === 'number' ? d.index : position, v: d.embedding }))
      .sort((a, b) => a.index - b.index)
      .map(({ v }) => v);
    if (
      vectors.length !== expected ||
      !vectors.every((v): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number'))
    ) {
      throw new BotError(
        'protocol',
        `${endpoint} answered ${vectors.length} vectors for ${expected} inputs`,
        {
          endpoint,
        },
      );
    }
    return vectors;
  }
}

/** Responses API usage (`input_tokens`, `output_tokens`, `output_tokens_details.reasoning_tokens`). */
function responsesUsage(u: Obj): Usage {
  const promptTokens = num(u.input_tokens) || num(u.prompt_tokens);
  const completionTokens = num(u.output_tokens) || num(u.completion_tokens);
  const usage: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: num(u.total_tokens) || promptTokens + completionTokens,
  };
  const details = isObj(u.output_tokens_details) ? u.output_tokens_details : {};
  if (num(details.reasoning_tokens) > 0) usage.reasoningTokens = num(details.reasoning_tokens);
  return usage;
}
