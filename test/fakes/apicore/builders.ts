import type { Scripted, SseEvent } from './types.js';

let requestCounter = 0;

/** new-api style request id: a 2026 timestamp-ish prefix plus a counter. */
export function fakeRequestId(): string {
  requestCounter += 1;
  return `20260101120000${String(requestCounter).padStart(12, '0')}`;
}

export function openAiError(
  status: number,
  message: string,
  code?: string | number,
  type?: string,
): Scripted {
  return {
    kind: 'json',
    status,
    body: {
      error: {
        message: `${message} (request id: ${fakeRequestId()})`,
        type: type ?? 'new_api_error',
        param: null,
        code: code ?? null,
      },
    },
  };
}

/** Claude-native error envelope used by `/v1/messages`. */
export function claudeError(status: number, type: string, message: string): Scripted {
  return {
    kind: 'json',
    status,
    body: { type: 'error', error: { type, message: `${message} (request id: ${fakeRequestId()})` } },
  };
}

export function mjError(status: number, code: number, description: string): Scripted {
  return { kind: 'json', status, body: { description, type: 'upstream_error', code } };
}

export function sunoError(status: number, code: string, message: string): Scripted {
  return { kind: 'json', status, body: { code, message, data: null } };
}

/** Split by code points (never inside a surrogate pair) into `pieces` near-equal strings. */
export function splitCodePoints(text: string, pieces?: number): string[] {
  const cps = Array.from(text);
  if (cps.length === 0) return [];
  const n = Math.max(1, Math.min(cps.length, pieces ?? Math.ceil(cps.length / 3)));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(cps.slice(Math.floor((i * cps.length) / n), Math.floor(((i + 1) * cps.length) / n)).join(''));
  }
  return out;
}

export interface ChatChunksOptions {
  model?: string;
  pieces?: number;
  reasoning?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  toolCalls?: { id: string; name: string; arguments: string; pieces?: number }[];
}

export function chatChunks(text: string, opts: ChatChunksOptions = {}): SseEvent[] {
  const id = `chatcmpl-fake-${fakeRequestId()}`;
  const created = 1767268800;
  const model = opts.model ?? 'gpt-4o-mini';
  const chunk = (delta: object, finishReason: string | null = null): SseEvent => ({
    data: {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage: null,
    },
  });
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitCodePoints(opts.reasoning ?? '')) events.push(chunk({ reasoning_content: piece }));
  for (const piece of splitCodePoints(text, opts.pieces)) events.push(chunk({ content: piece }));
  const tools = opts.toolCalls ?? [];
  tools.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    for (const slice of splitCodePoints(call.arguments, call.pieces)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: slice } }] }));
    }
  });
  events.push(chunk({}, tools.length > 0 ? 'tool_calls' : 'stop'));
  if (opts.usage) {
    const { prompt_tokens, completion_tokens } = opts.usage;
    events.push({
      data: {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: null,
        choices: [],
        usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
      },
    });
  }
  return events;
}

export interface ClaudeEventsOptions {
  text: string;
  thinking?: string;
  toolUse?: { id: string; name: string; input: object };
  model?: string;
  usage?: { input_tokens: number; output_tokens: number };
}

export function claudeEvents(opts: ClaudeEventsOptions): SseEvent[] {
  const usage = opts.usage ?? { input_tokens: 12, output_tokens: Array.from(opts.text).length };
  const ev = (event: string, data: object): SseEvent => ({ event, data: { type: event, ...data } });
  const events: SseEvent[] = [
    ev('message_start', {
      message: {
        id: `msg_fake_${fakeRequestId()}`,
        type: 'message',
        role: 'assistant',
        content: [],
        model: opts.model ?? 'claude-sonnet-4-5',
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
      },
    }),
    ev('ping', {}),
  ];
  let index = 0;
  const block = (contentBlock: object, deltas: object[]): void => {
    events.push(ev('content_block_start', { index, content_block: contentBlock }));
    for (const delta of deltas) events.push(ev('content_block_delta', { index, delta }));
    events.push(ev('content_block_stop', { index }));
    index += 1;
  };
  if (opts.thinking !== undefined) {
    block({ type: 'thinking', thinking: '' }, [
      ...splitCodePoints(opts.thinking).map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: 'fake-signature-EqQBCkgIARAB' },
    ]);
  }
  if (opts.text !== '' || !opts.toolUse) {
    block(
      { type: 'text', text: '' },
      splitCodePoints(opts.text).map((text) => ({ type: 'text_delta', text })),
    );
  }
  if (opts.toolUse) {
    const { id, name, input } = opts.toolUse;
    block(
      { type: 'tool_use', id, name, input: {} },
      splitCodePoints(JSON.stringify(input)).map((partial_json) => ({
        type: 'input_json_delta',
        partial_json,
      })),
    );
  }
  events.push(
    ev('message_delta', {
      delta: { stop_reason: opts.toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    ev('message_stop', {}),
  );
  return events;
}
