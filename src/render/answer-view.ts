import type { Lang } from '../core/i18n.js';

/** How much of the model's reasoning is shown above the answer once the answer begins. */
export const REASONING_SUMMARY_CHARS = 280;
/** How much of the reasoning's tail is shown while the model is still thinking. */
export const REASONING_TAIL_CHARS = 500;
/** Shown at the end of a message that is still growing. */
export const CURSOR = ' ▍';

const THINKING: Record<Lang, string> = { en: 'Thinking…', zh: '思考中…' };

/** The line under an answer the user stopped. */
export const STOPPED: Record<Lang, string> = { en: '⏹ Stopped', zh: '⏹ 已停止' };

function quote(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `> ${l}`)
    .join('\n');
}

/** The first `max` characters of `text`, cut on a code-point boundary, with an ellipsis when cut. */
export function head(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  let end = max;
  const code = t.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${t.slice(0, end).trimEnd()}…`;
}

function tail(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  let start = t.length - max;
  const code = t.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return `…${t.slice(start).trimStart()}`;
}

export interface AnswerState {
  answer: string;
  reasoning: string;
  status: string;
}

/**
 * The text of an answer as the user sees it: reasoning apart (a short quoted summary once the
 * answer starts, its latest lines while the model is still thinking), then the answer.
 */
export function answerView(state: AnswerState, lang: Lang): string {
  const parts: string[] = [];
  if (state.status) parts.push(state.status);
  if (state.reasoning.trim()) {
    parts.push(
      state.answer
        ? quote(`💭 ${head(state.reasoning, REASONING_SUMMARY_CHARS)}`)
        : `💭 ${THINKING[lang]}\n${quote(tail(state.reasoning, REASONING_TAIL_CHARS))}`,
    );
  }
  if (state.answer) parts.push(state.answer);
  return parts.join('\n\n');
}
