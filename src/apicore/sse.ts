import { Readable } from 'node:stream';
import type { EventSourceMessage } from 'eventsource-parser';
import type { StreamEvent, ToolCall, Usage } from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';
import { SseEventReader, type SseHandler } from './sse-reader.js';

/** A response body, or any bytes to read as one. */
export type ByteSource = Readable | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

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
 * A streamed answer's typed events, read off `body` (any bytes: wrapped in a Readable when not one),
 * in either dialect. Chat completions: tool-call fragments are merged by `index` and emitted as whole
 * calls at the end, and the stream ends at `[DONE]`. Claude: text and thinking deltas, tool_use blocks
 * as whole calls (their `partial_json` joined and checked at block stop), usage from message_start and
 * message_delta, `error` events as errors; it ends at `message_stop`. A stream that ends before its
 * marker is an error, never a short answer. Failures are handed to `fail` (identity by default: the
 * transport maps them to BotErrors).
 */
export function streamEvents(
  dialect: 'chat' | 'claude',
  endpoint: string,
  body: ByteSource,
  fail: (error: unknown) => unknown = (e) => e,
): SseEventReader {
  const readable = body instanceof Readable ? body : Readable.from(body);
  return dialect === 'chat'
    ? new SseEventReader(readable, chatHandler(endpoint), endpoint, '[DONE]', fail)
    : new SseEventReader(readable, claudeHandler(endpoint), endpoint, 'message_stop', fail);
}

/** One chat-completions stream's message handler (its tool-call fragments kept between messages). */
function chatHandler(endpoint: string): SseHandler {
  const calls = new Map<number, PartialCall>();
  return (message, out) => chatEvent(endpoint, message, calls, out);
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

/** One Claude stream's message handler (its content blocks and input tokens kept between messages). */
function claudeHandler(endpoint: string): SseHandler {
  const state: ClaudeState = { blocks: new Map(), inputTokens: 0 };
  return (message, out) => claudeEvent(endpoint, message, state, out);
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
