import type { StreamEvent } from '../core/apicore.js';
import type { AnswerPiece } from '../core/command.js';
import { ThinkSplitter } from './think-splitter.js';

/** Stream events → answer pieces, with inline `<think>` spans moved to reasoning. */
export async function* pieces(events: AsyncIterable<StreamEvent>): AsyncGenerator<AnswerPiece> {
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
