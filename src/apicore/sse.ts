import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamEvent, ToolCall, Usage } from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';

/**
 * Server-sent events from a byte stream. Bytes are decoded with a streaming TextDecoder, so a
 * multi-byte character split across TCP chunks is put back together before parsing, and events
 * split across chunks are reassembled by eventsource-parser.
 */
export async function* sseMessages(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const decoder = new TextDecoder('utf-8');
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) yield pending.shift()!;
  }
  parser.feed(`${decoder.decode()}\n\n`);
  while (pending.length > 0) yield pending.shift()!;
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
 * Chat-completions SSE → typed events. Tool-call fragments are merged by `index` and emitted as
 * whole calls at the end; a stream that ends without `[DONE]` is an error, never a short answer.
 */
export async function* chatStreamEvents(
  endpoint: string,
  messages: AsyncIterable<EventSourceMessage>,
): AsyncGenerator<StreamEvent> {
  const calls = new Map<number, PartialCall>();
  for await (const message of messages) {
    const data = message.data.trim();
    if (data === '') continue;
    if (data === '[DONE]') {
      for (const call of [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c)) {
        const whole: ToolCall = {
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.args },
        };
        yield { type: 'tool_call', call: whole };
      }
      yield { type: 'done' };
      return;
    }
    const chunk = parseJson(endpoint, data);
    if (chunk.error) throw bodyError(endpoint, chunk);
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Record<string, unknown>[]) : [];
    for (const choice of choices) {
      const delta = (choice.delta ?? choice.message ?? {}) as Record<string, unknown>;
      // Some builds copy the same text into `reasoning`: read one, never both.
      const reasoning = delta.reasoning_content || delta.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') yield { type: 'reasoning', text: reasoning };
      if (typeof delta.content === 'string' && delta.content !== '')
        yield { type: 'text', text: delta.content };
      if (Array.isArray(delta.tool_calls))
        mergeToolCalls(calls, delta.tool_calls as Record<string, unknown>[]);
      if (typeof choice.finish_reason === 'string') yield { type: 'finish', reason: choice.finish_reason };
    }
    if (chunk.usage && typeof chunk.usage === 'object') {
      yield { type: 'usage', usage: openAiUsage(chunk.usage as Record<string, unknown>) };
    }
  }
  throw new BotError('protocol', `${endpoint} stream ended before [DONE]`, { endpoint });
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
export async function* claudeStreamEvents(
  endpoint: string,
  messages: AsyncIterable<EventSourceMessage>,
): AsyncGenerator<StreamEvent> {
  const blocks = new Map<number, ClaudeBlockState>();
  let inputTokens = 0;
  for await (const message of messages) {
    const data = message.data.trim();
    if (data === '') continue;
    const event = parseJson(endpoint, data);
    const type = message.event ?? (typeof event.type === 'string' ? event.type : '');
    switch (type) {
      case 'message_start': {
        const usage = ((event.message as Record<string, unknown> | undefined)?.usage ?? {}) as Record<
          string,
          unknown
        >;
        inputTokens = num(usage.input_tokens);
        break;
      }
      case 'content_block_start': {
        const block = (event.content_block ?? {}) as Record<string, unknown>;
        blocks.set(num(event.index), {
          type: String(block.type ?? ''),
          id: String(block.id ?? ''),
          name: String(block.name ?? ''),
          json: '',
        });
        break;
      }
      case 'content_block_delta': {
        const delta = (event.delta ?? {}) as Record<string, unknown>;
        if (delta.type === 'text_delta' && typeof delta.text === 'string')
          yield { type: 'text', text: delta.text };
        else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string')
          yield { type: 'reasoning', text: delta.thinking };
        else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          const block = blocks.get(num(event.index));
          if (block) block.json += delta.partial_json;
        }
        break;
      }
      case 'content_block_stop': {
        const block = blocks.get(num(event.index));
        if (block?.type === 'tool_use') {
          const args = block.json.trim() === '' ? '{}' : block.json;
          parseJson(endpoint, args);
          yield {
            type: 'tool_call',
            call: { id: block.id, type: 'function', function: { name: block.name, arguments: args } },
          };
        }
        break;
      }
      case 'message_delta': {
        const delta = (event.delta ?? {}) as Record<string, unknown>;
        const usage = (event.usage ?? {}) as Record<string, unknown>;
        const outputTokens = num(usage.output_tokens);
        const input = num(usage.input_tokens) || inputTokens;
        yield {
          type: 'usage',
          usage: { promptTokens: input, completionTokens: outputTokens, totalTokens: input + outputTokens },
        };
        if (typeof delta.stop_reason === 'string') yield { type: 'finish', reason: delta.stop_reason };
        break;
      }
      case 'message_stop':
        yield { type: 'done' };
        return;
      case 'error':
        throw bodyError(endpoint, event, 500);
      default:
        break; // ping and future event types
    }
  }
  throw new BotError('protocol', `${endpoint} stream ended before message_stop`, { endpoint });
}
