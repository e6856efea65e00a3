import type { AnswerPiece, ChatInput, CommandContext } from '../../core/command.js';

const TRANSCRIPTION_MODEL = 'whisper-1';

/** Voice notes and audio files → text, shown above the answer. */
export async function transcribe(ctx: CommandContext<unknown>, input: ChatInput): Promise<string[]> {
  const out: string[] = [];
  for (const file of input.audio) {
    const bytes = await file.fetch(ctx.limits.maxDownloadBytes);
    const text = await ctx.apicore.transcribe(
      { file: bytes, filename: file.name, mime: file.mime ?? 'audio/ogg', model: TRANSCRIPTION_MODEL },
      { signal: ctx.signal },
    );
    out.push(text.trim());
  }
  return out;
}

/**
 * The transcripts as a status line above the answer, then the answer's pieces as they come: after
 * the first piece the source's own iterator answers, so this adds no async layer per piece.
 */
export function withTranscripts(
  transcripts: string[],
  stream: AsyncIterable<AnswerPiece>,
): AsyncIterable<AnswerPiece> {
  if (!transcripts.length) return stream;
  const status: AnswerPiece = { type: 'status', text: transcripts.map((x) => `🎙️ “${x}”`).join('\n') };
  return {
    [Symbol.asyncIterator](): AsyncIterator<AnswerPiece> {
      const source = stream[Symbol.asyncIterator]();
      let first = true;
      return {
        next: () => {
          if (!first) return source.next();
          first = false;
          return Promise.resolve({ done: false, value: status });
        },
        return: async (value?: unknown) => {
          first = false;
          await source.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
