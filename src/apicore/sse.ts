import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamEvent, ToolCall, Usage } from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';

/**
 * Server-sent events from a byte stream. Bytes are decoded with a streaming TextDecoder, so a
 * multi-byte character split across TCP chunks is put back together before parsing, and events
 * split across chunks are reassembled by eventsource-parser.
 *
 * Iterated, it gives one event at a time; the typed readers below take its `batches()` instead:
 * every event one network chunk completed, at once, so the text of one chunk travels down the
 * answer's pipeline as one piece (a saturated event loop reads many events per chunk).
 */
export class SseMessages implements AsyncIterable<EventSourceMessage> {
  constructor(readonly body: AsyncIterable<Uint8Array>) {}

  /** The events each network chunk completed, in order (chunks that complete none give nothing). */
  async *batches(): AsyncGenerator<EventSourceMessage[]> {
    const decoder = new TextDecoder('utf-8');
    let pending: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => pending.push(event) });
    for await (const chunk of this.body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (pending.length > 0) {
        const batch = pending;
        pending = [];
        yield batch;
      }
    }
    parser.feed(`${decoder.decode()}\n\n`);
    if (pending.length > 0) yield pending;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<EventSourceMessage> {
    for await (const batch of this.batches()) yield* batch;
  }
}

/** Server-sent events from a byte stream (see SseMessages). */
export function sseMessages(body: AsyncIterable<Uint8Array>): SseMessages {
  return new SseMessages(body);
}

/** Events in batches: per network chunk from SseMessages (no extra layer), else one by one. */
function batchesOf(messages: AsyncIterable<EventSourceMessage>): AsyncIterable<EventSourceMessage[]> {
  return messages instanceof SseMessages ? messages.batches() : singles(messages);
}

async function* singles(messages: AsyncIterable<EventSourceMessage>): AsyncGenerator<EventSourceMessage[]> {
  for await (const message of messages) yield [message];
}

/**
 * Appends `event` to `out`, joined to the event before it when both carry text of the same kind:
 * the text and its order stay exactly as they came, in fewer pieces.
 */
function pushJoined(out: StreamEvent[], event: StreamEvent): void {
  const last = out[out.length - 1];
  if (
    last !== undefined &&
    (event.type === 'text' || event.type === 'reasoning') &&
    last.type === event.type
  ) {
    out[out.length - 1] = { type: event.type, text: last.text + event.text };
  } else out.push(event);
}

function parseJson(endpoint: string, data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw new BotError('protocol', `${endpoint} sent a malformed stream event`, { endpoint, cause });
  }
  throw new BotError('protocol', `${endpoint} sent a stream event that is not an object`, { endpoint });
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** OpenAI usage object → Usage. */
export function openAiUsage(u: Record<string, unknown>): Usage {
  const details = (u.completion_tokens_details ?? {}) as Record<string, unknown>;
  const promptTokens = num(u.prompt_tokens) || num(u.input_tokens);
  const completionTokens = num(u.completion_tokens) || num(u.output_tokens);
  const usage: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: num(u.total_tokens) || promptTokens + completionTokens,
  };
  if (num(details.reasoning_tokens) > 0) usage.reasoningTokens = num(details.reasoning_tokens);
  return usage;
}

interface PartialCall {
  id: string;
  name: string;
  args: string;
}

/**
 * The events of a stream, one network chunk's worth at a time: `handle` turns each message into
 * events (returning true at the stream's end). What came before a bad message is still delivered,
 * in order, then the error; a stream that ends before its end marker is a protocol error. One
 * generator per stream (the callers return it, not delegate to it: no extra layer per event).
 */
async function* eventsOf(
  messages: AsyncIterable<EventSourceMessage>,
  handle: (message: EventSourceMessage, out: StreamEvent[]) => boolean,
  endpoint: string,
  endMarker: string,
): AsyncGenerator<StreamEvent> {
  for await (const batch of batchesOf(messages)) {
    const out: StreamEvent[] = [];
    let done = false;
    try {
      for (const message of batch) {
        done = handle(message, out);
        if (done) break;
      }
    } catch (error) {
      for (const event of out) yield event;
      throw error;
    }
    for (const event of out) yield event;
    if (done) return;
  }
  throw new BotError('protocol', `${endpoint} stream ended before ${endMarker}`, { endpoint });
}

/**
 * Chat-completions SSE → typed events. Tool-call fragments are merged by `index` and emitted as
 * whole calls at the end; a stream that ends without `[DONE]` is an error, never a short answer.
 * The text (and reasoning) of one network chunk comes as one event.
 */
export function chatStreamEvents(
  endpoint: string,
  messages: AsyncIterable<EventSourceMessage>,
): AsyncGenerator<StreamEvent> {
  const calls = new Map<number, PartialCall>();
  return eventsOf(messages, (message, out) => chatEvent(endpoint, message, calls, out), endpoint, '[DONE]');
}

/** One chat-completions event into `out`; true at `[DONE]` (after the whole tool calls and `done`). */
function chatEvent(
  endpoint: string,
  message: EventSourceMessage,
  calls: Map<number, PartialCall>,
  out: StreamEvent[],
): boolean {
  const data = message.data.trim();
  if (data === '') return false;
  if (data === '[DONE]') {
    for (const call of [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c)) {
      const whole: ToolCall = {
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.args },
      };
      out.push({ type: 'tool_call', call: whole });
    }
    out.push({ type: 'done' });
    return true;
  }
  const chunk = parseJson(endpoint, data);
  if (chunk.error) throw bodyError(endpoint, chunk);
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as Record<string, unknown>[]) : [];
  for (const choice of choices) {
    const delta = (choice.delta ?? choice.message ?? {}) as Record<string, unknown>;
    // Some builds copy the same text into `reasoning`: read one, never both.
    const reasoning = delta.reasoning_content || delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '')
      pushJoined(out, { type: 'reasoning', text: reasoning });
    if (typeof delta.content === 'string' && delta.content !== '')
      pushJoined(out, { type: 'text', text: delta.content });
    if (Array.isArray(delta.tool_calls)) mergeToolCalls(calls, delta.tool_calls as Record<string, unknown>[]);
    if (typeof choice.finish_reason === 'string') out.push({ type: 'finish', reason: choice.finish_reason });
  }
  if (chunk.usage && typeof chunk.usage === 'object') {
    out.push({ type: 'usage', usage: openAiUsage(chunk.usage as Record<string, unknown>) });
  }
  return false;
}

function mergeToolCalls(calls: Map<number, PartialCall>, fragments: Record<string, unknown>[]): void {
  for (const [position, fragment] of fragments.entries()) {
    const index = typeof fragment.index === 'number' ? fragment.index : position;
    const fn = (fragment.function ?? {}) as Record<string, unknown>;
    const call = calls.get(index) ?? { id: '', name: '', args: '' };
    if (typeof fragment.id === 'string' && fragment.id) call.id = fragment.id;
    if (typeof fn.name === 'string' && fn.name) call.name = fn.name;
    if (typeof fn.arguments === 'string') call.args += fn.arguments;
    calls.set(index, call);
  }
}

interface ClaudeBlockState {
  type: string;
  id: string;
  name: string;
  json: string;
}

/**
 * Claude-native SSE → the same typed events: text and thinking deltas, tool_use blocks as whole
 * calls (their `partial_json` joined and checked at block stop), usage from message_start and
 * message_delta, and `error` events as errors. Ends at `message_stop`.
 */
export function claudeStreamEvents(
  endpoint: string,
  messages: AsyncIterable<EventSourceMessage>,
): AsyncGenerator<StreamEvent> {
  const state: ClaudeState = { blocks: new Map(), inputTokens: 0 };
  return eventsOf(
    messages,
    (message, out) => claudeEvent(endpoint, message, state, out),
    endpoint,
    'message_stop',
  );
}

interface ClaudeState {
  blocks: Map<number, ClaudeBlockState>;
  inputTokens: number;
}

/** One Claude event into `out`; true at `message_stop`. */
function claudeEvent(
  endpoint: string,
  message: EventSourceMessage,
  state: ClaudeState,
  out: StreamEvent[],
): boolean {
  const data = message.data.trim();
  if (data === '') return false;
  const event = parseJson(endpoint, data);
  const type = message.event ?? (typeof event.type === 'string' ? event.type : '');
  const { blocks } = state;
  switch (type) {
    case 'message_start': {
      const usage = ((event.message as Record<string, unknown> | undefined)?.usage ?? {}) as Record<
        string,
        unknown
      >;
      state.inputTokens = num(usage.input_tokens);
      return false;
    }
    case 'content_block_start': {
      const block = (event.content_block ?? {}) as Record<string, unknown>;
      blocks.set(num(event.index), {
        type: String(block.type ?? ''),
        id: String(block.id ?? ''),
        name: String(block.name ?? ''),
        json: '',
      });
      return false;
    }
    case 'content_block_delta': {
      const delta = (event.delta ?? {}) as Record<string, unknown>;
      if (delta.type === 'text_delta' && typeof delta.text === 'string')
        pushJoined(out, { type: 'text', text: delta.text });
      else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string')
        pushJoined(out, { type: 'reasoning', text: delta.thinking });
      else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
        const block = blocks.get(num(event.index));
        if (block) block.json += delta.partial_json;
      }
      return false;
    }
    case 'content_block_stop': {
      const block = blocks.get(num(event.index));
      if (block?.type === 'tool_use') {
        const args = block.json.trim() === '' ? '{}' : block.json;
        parseJson(endpoint, args);
        out.push({
          type: 'tool_call',
          call: { id: block.id, type: 'function', function: { name: block.name, arguments: args } },
        });
      }
      return false;
    }
    case 'message_delta': {
      const delta = (event.delta ?? {}) as Record<string, unknown>;
      const usage = (event.usage ?? {}) as Record<string, unknown>;
      const outputTokens = num(usage.output_tokens);
      const input = num(usage.input_tokens) || state.inputTokens;
      out.push({
        type: 'usage',
        usage: { promptTokens: input, completionTokens: outputTokens, totalTokens: input + outputTokens },
      });
      if (typeof delta.stop_reason === 'string') out.push({ type: 'finish', reason: delta.stop_reason });
      return false;
    }
    case 'message_stop':
      out.push({ type: 'done' });
      return true;
    case 'error':
      throw bodyError(endpoint, event, 500);
    default:
      return false; // ping and future event types
  }
}
