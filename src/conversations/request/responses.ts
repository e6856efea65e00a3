import type { ResponsesInputItem, ResponsesRequest } from '../../core/apicore.js';
import type { AnswerPiece, ChatSettings, CommandContext } from '../../core/command.js';
import type { Localized } from '../../core/i18n.js';
import type { Turn } from '../history.js';
import { turnText } from './openai.js';
import { responsesParams } from './params.js';

/** How often the "thinking" line under a Responses-API answer shows how long it has waited. */
export const RESPONSES_PROGRESS_EVERY_MS = 15_000;

export const RESPONSES_THINKING: Localized = {
  en: '🤔 {model} is thinking (can take minutes)…',
  zh: '🤔 {model} 正在思考（可能需要几分钟）…',
};
const WAITED: Localized = { en: '{line} {s} s', zh: '{line} 已等待 {s} 秒' };

/**
 * A /v1/responses request (o3-pro and the other Responses-only models, catalogue §6.4): the
 * system prompt as `instructions`, the turns as `input` items (images as `input_image`), and the
 * chat's cap and effort as `max_output_tokens` and `reasoning.effort`.
 */
export function responsesRequest(
  model: string,
  system: string | undefined,
  turns: Turn[],
  group: boolean,
  settings: Pick<ChatSettings, 'maxTokens' | 'reasoningEffort' | 'verbosity'>,
): ResponsesRequest {
  const input: ResponsesInputItem[] = turns.map((turn) => {
    const text = turnText(turn, group);
    if (turn.role === 'user' && turn.images?.length) {
      return {
        role: 'user',
        content: [
          { type: 'input_text', text },
          ...turn.images.map((url) => ({ type: 'input_image' as const, image_url: url })),
        ],
      };
    }
    return { role: turn.role, content: text };
  });
  return {
    model,
    input,
    ...(system ? { instructions: system } : {}),
    ...responsesParams(model, settings),
  } satisfies ResponsesRequest;
}

/**
 * An answer from the Responses API, which is not streamed: a status line says the model is
 * thinking (with the time waited, every RESPONSES_PROGRESS_EVERY_MS) until the whole answer
 * arrives, then the line goes and the text shows.
 */
export async function* responsesAnswer(
  ctx: CommandContext<unknown>,
  request: ResponsesRequest,
  progressEveryMs = RESPONSES_PROGRESS_EVERY_MS,
): AsyncGenerator<AnswerPiece> {
  const line = ctx.t(RESPONSES_THINKING, { model: request.model });
  yield { type: 'status', text: line };
  const started = Date.now();
  const result = ctx.apicore.responses(request, { signal: ctx.signal });
  // Settled either way: a rejection is rethrown below, never left unhandled while waiting.
  const settled = result.then(
    () => true as const,
    () => true as const,
  );
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), progressEveryMs);
    });
    const done = await Promise.race([settled, tick]);
    clearTimeout(timer);
    if (done) break;
    const s = Math.round((Date.now() - started) / 1000);
    yield { type: 'status', text: ctx.t(WAITED, { line, s }) };
  }
  const answer = await result;
  yield { type: 'status', text: '' };
  if (answer.reasoning) yield { type: 'reasoning', text: answer.reasoning };
  if (answer.text) yield { type: 'text', text: answer.text };
  if (answer.usage) yield { type: 'usage', usage: answer.usage };
  yield { type: 'finish', reason: answer.finishReason };
  yield { type: 'done' };
}
