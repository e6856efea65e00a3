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

/** Whether a finish reason means the answer hit its token cap. */
export function isCutReason(reason: string | null): boolean {
  return reason !== null && CUT_REASONS.has(reason);
}

/** Where an answer that already watches its own finish reasons says whether it was cut. */
export interface CutTracker {
  cut: boolean;
}

/** Answers (tool-loop generators) that track their cut themselves, so watchCut adds no layer. */
const tracked = new WeakMap<object, CutTracker>();

/** Marks `answer` as tracking its cut in `tracker` (set from the last round's finish reason). */
export function trackCut<T extends object>(answer: T, tracker: CutTracker): T {
  tracked.set(answer, tracker);
  return answer;
}

/**
 * Passes an answer through and remembers whether it ended at its token cap (the last round's
 * finish reason), so the user can be told instead of reading a silently cut answer. An answer that
 * tracks this itself (trackCut) is passed on as it is: one async layer less per piece.
 */
export function watchCut(source: AsyncIterable<AnswerPiece>): {
  pieces: AsyncGenerator<AnswerPiece>;
  readonly cut: boolean;
} {
  const tracker = tracked.get(source);
  if (tracker) {
    return {
      pieces: source as AsyncGenerator<AnswerPiece>,
      get cut() {
        return tracker.cut;
      },
    };
  }
  let cut = false;
  async function* pass(): AsyncGenerator<AnswerPiece> {
    for await (const piece of source) {
      if (piece.type === 'finish') cut = isCutReason(piece.reason);
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
