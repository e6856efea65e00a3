import type { ChatInput, CommandContext } from '../../core/command.js';

/** Longest text file inlined into a conversation. */
const MAX_INLINE_FILE_CHARS = 60_000;

/** The question's files, inlined as text after it. */
export async function readTextFiles(ctx: CommandContext<unknown>, input: ChatInput): Promise<string> {
  let out = '';
  for (const file of input.files) {
    const bytes = await file.fetch(ctx.limits.maxDownloadBytes);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).slice(0, MAX_INLINE_FILE_CHARS);
    out += `\n\n--- ${file.name} ---\n${text}`;
  }
  return out;
}
