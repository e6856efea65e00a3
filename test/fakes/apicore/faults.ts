/**
 * Scripted gateway failures, reachable two ways: by model name on the ordinary routes (so an
 * end-to-end test can pick them through the bot), and as builders to `enqueue`.
 *
 * Models (chat completions `/v1/chat/completions` and Claude `/v1/messages`):
 * - `fault-rate-limit-in-stream`: HTTP 200 SSE, one text chunk, then an in-stream
 *   `{"error":{"code":"rate_limit_exceeded"}}` line (new-api style) and no terminator; not streamed: 429.
 * - `fault-overloaded`: HTTP 529 with the route's envelope (`overloaded_error`).
 * - `fault-overloaded-in-stream`: Claude SSE `event: error` `{"type":"error","error":{"type":"overloaded_error"}}`
 *   after the first text (chat route: an in-stream `{"error":{"type":"overloaded_error"}}`).
 * - `fault-content-filter-in-stream`: an in-stream `content_filter` error.
 */
import { chatChunks, claudeError, claudeEvents, fakeRequestId, openAiError } from './builders.js';
import type { Scripted, SseEvent } from './types.js';

export const FAULT_MODELS = [
  'fault-rate-limit-in-stream',
  'fault-overloaded',
  'fault-overloaded-in-stream',
  'fault-content-filter-in-stream',
] as const;

export const FAULT_PARTIAL_TEXT = 'Partial 部分 🌧️ ';

/** The new-api style error line a gateway sends inside an HTTP 200 stream. */
export function inStreamError(code: string, message: string, type = 'rate_limit_error'): SseEvent {
  return {
    data: { error: { message: `${message} (request id: ${fakeRequestId()})`, type, param: null, code } },
  };
}

/** A 200 chat-completions stream: some text, then an error object, then nothing (no [DONE]). */
export function chatStreamThenError(text: string, error: SseEvent): Scripted {
  const events = chatChunks(text).slice(0, -1); // no finish chunk: the answer never ended
  return { kind: 'sse', events: [...events, error], done: false };
}

/** A Claude stream: message_start, some text, then `event: error` with this type. */
export function claudeStreamThenError(text: string, type: string, message: string): Scripted {
  const all = claudeEvents({ text });
  const cut = all.findIndex((e) => e.event === 'content_block_stop');
  const error: SseEvent = { event: 'error', data: { type: 'error', error: { type, message } } };
  return { kind: 'sse', events: [...all.slice(0, cut), error], done: false };
}

export const rateLimitInStream = (text = FAULT_PARTIAL_TEXT): Scripted =>
  chatStreamThenError(text, inStreamError('rate_limit_exceeded', 'Rate limit reached for requests'));

/** HTTP 529 overloaded, in the OpenAI or the Claude envelope. */
export function overloaded529(family: 'openai' | 'claude'): Scripted {
  return family === 'claude'
    ? claudeError(529, 'overloaded_error', 'Overloaded')
    : openAiError(
        529,
        'The engine is currently overloaded, please try again later',
        'overloaded',
        'overloaded_error',
      );
}

/** The scripted answer for a `fault-*` model, or undefined for an ordinary model. */
export function faultFor(family: 'openai' | 'claude', model: string, stream: boolean): Scripted | undefined {
  switch (model) {
    case 'fault-rate-limit-in-stream':
      if (!stream)
        return openAiError(429, 'Rate limit reached for requests', 'rate_limit_exceeded', 'rate_limit_error');
      return family === 'claude'
        ? claudeStreamThenError(
            FAULT_PARTIAL_TEXT,
            'rate_limit_error',
            'Number of requests has exceeded your rate limit',
          )
        : rateLimitInStream();
    case 'fault-overloaded':
      return overloaded529(family);
    case 'fault-overloaded-in-stream':
      if (!stream) return overloaded529(family);
      return family === 'claude'
        ? claudeStreamThenError(FAULT_PARTIAL_TEXT, 'overloaded_error', 'Overloaded')
        : chatStreamThenError(
            FAULT_PARTIAL_TEXT,
            inStreamError('overloaded', 'Overloaded', 'overloaded_error'),
          );
    case 'fault-content-filter-in-stream':
      if (!stream)
        return openAiError(400, 'blocked by the content filter', 'content_filter', 'invalid_request_error');
      return chatStreamThenError(
        FAULT_PARTIAL_TEXT,
        inStreamError(
          'content_filter',
          'The response was filtered by the content policy',
          'invalid_request_error',
        ),
      );
    default:
      return undefined;
  }
}
