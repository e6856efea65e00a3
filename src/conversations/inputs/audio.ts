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

export async function* withTranscripts(
  transcripts: string[],
  stream: AsyncIterable<AnswerPiece>,
): AsyncGenerator<AnswerPiece> {
  if (transcripts.length) yield { type: 'status', text: transcripts.map((x) => `🎙️ “${x}”`).join('\n') };
  yield* stream;
}
