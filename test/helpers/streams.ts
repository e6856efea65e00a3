import type { AnswerPiece } from '../../src/core/command.js';

/** Splits text into pieces of `size` code points (never inside a surrogate pair). */
export function pieces(text: string, size: number): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

/** An answer streamed as text deltas, `gapMs` apart (fake timers apply), optionally failing at the end. */
export async function* textStream(
  parts: string[],
  gapMs: number,
  options: { firstDelayMs?: number; failWith?: Error; reasoning?: string[] } = {},
): AsyncGenerator<AnswerPiece> {
  if (options.firstDelayMs) await new Promise((r) => setTimeout(r, options.firstDelayMs));
  for (const r of options.reasoning ?? []) {
    await new Promise((res) => setTimeout(res, gapMs));
    yield { type: 'reasoning', text: r };
  }
  for (const p of parts) {
    await new Promise((r) => setTimeout(r, gapMs));
    yield { type: 'text', text: p };
  }
  if (options.failWith) throw options.failWith;
}

/** A long answer mixing ASCII, Chinese, emoji and a code block. */
export function mixedAnswer(paragraphs: number): string {
  const lines: string[] = [];
  for (let i = 0; i < paragraphs; i++) {
    lines.push(
      `Paragraph ${i}: 你好，世界！这是第 ${i} 段。Emoji 🌏👨‍👩‍👧🇨🇳 and [a link](https://example.com/${i}).`,
    );
    if (i % 3 === 1)
      lines.push('```ts', `const x${i} = '汉字 ${'🎵'.repeat(3)}';`, `console.log(x${i});`, '```');
  }
  return lines.join('\n\n');
}
