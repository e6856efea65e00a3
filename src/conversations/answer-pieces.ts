import type { StreamEvent } from '../core/apicore.js';
import type { AnswerPiece } from '../core/command.js';
import { emitsThinkTags } from './request/params.js';
import { ThinkSplitter } from './think-splitter.js';

/**
 * Stream events → answer pieces. For a model known to emit one (THINK_TAG_MODELS), a `<think>`
 * span opening the content is moved to reasoning; any other text is passed on as it came.
 */
export async function* pieces(
  events: AsyncIterable<StreamEvent>,
  model: string,
): AsyncGenerator<AnswerPiece> {
  if (!emitsThinkTags(model)) {
    yield* events;
    return;
  }
  const splitter = new ThinkSplitter();
  for await (const event of events) {
    if (event.type !== 'text') {
      yield event;
      continue;
    }
    const { text, reasoning } = splitter.push(event.text);
    if (reasoning) yield { type: 'reasoning', text: reasoning };
    if (text) yield { type: 'text', text };
  }
  const rest = splitter.flush();
  if (rest.reasoning) yield { type: 'reasoning', text: rest.reasoning };
  if (rest.text) yield { type: 'text', text: rest.text };
}

/** Finish reasons that mean the answer hit its token cap (chat, Claude, Responses API). */
const CUT_REASONS: ReadonlySet<string> = new Set(['length', 'max_tokens', 'max_output_tokens']);

/**
 * Passes an answer through and remembers whether it ended at its token cap (the last round's
 * finish reason), so the user can be told instead of reading a silently cut answer.
 */
export function watchCut(source: AsyncIterable<AnswerPiece>): {
  pieces: AsyncGenerator<AnswerPiece>;
  readonly cut: boolean;
} {
  let cut = false;
  async function* pass(): AsyncGenerator<AnswerPiece> {
    for await (const piece of source) {
      if (piece.type === 'finish') cut = piece.reason !== null && CUT_REASONS.has(piece.reason);
      yield piece;
    }
  }
  return {
    pieces: pass(),
    get cut() {
      return cut;
    },
  };
}
