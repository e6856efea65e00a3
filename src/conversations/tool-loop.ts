import type { ChatMessage, ToolCall } from '../core/apicore.js';
import type { AnswerPiece, CommandContext } from '../core/command.js';
import { BotError } from '../errors.js';
import { pieces } from './answer-pieces.js';
import { MAX_TOOL_CALLS_PER_ROUND, runTool, TOOL_MODELS, ToolAllowance, toolSpecs } from './tools.js';

/** Most rounds of tool calls in one answer. */
const MAX_TOOL_ROUNDS = 3;

/** The status lines above an answer: one per tool call, repeats of the same line folded into `×n`. */
class ToolLines {
  readonly #lines: { text: string; n: number }[] = [];

  add(text: string): void {
    const last = this.#lines.at(-1);
    if (last?.text === text) last.n++;
    else this.#lines.push({ text, n: 1 });
  }

  /** The lines, with `pending` (a call running now) shown last. */
  render(pending?: string): string {
    const lines = this.#lines.map(({ text, n }) => (n > 1 ? fold(text, n) : text));
    return [...lines, ...(pending ? [pending] : [])].join('\n');
  }
}

/** `🔧 make_image` ×3 → `🔧 make_image ×3`; the count goes before a `: reason`. */
function fold(text: string, n: number): string {
  const colon = text.indexOf(': ');
  return colon < 0 ? `${text} ×${n}` : `${text.slice(0, colon)} ×${n}${text.slice(colon)}`;
}

/**
 * A chat-completions answer with the bot's commands offered as tools: the calls the model makes
 * are run (media through the same task records, quota and rate gates as the commands), shown as
 * status lines, and fed back until the model answers in text. At most MAX_TOOL_CALLS_PER_ROUND
 * calls run per round and at most MAX_TOOL_TASKS_PER_ANSWER media tasks start per answer; a call a
 * limit stops starts nothing and the model is told why. A model that refuses tools is asked again
 * without them, before anything was shown.
 */
export async function* withTools(
  ctx: CommandContext<unknown>,
  model: string,
  messages: ChatMessage[],
  image: string | undefined,
): AsyncGenerator<AnswerPiece> {
  const allowance = new ToolAllowance(ctx.usage.toolTasksPerAnswer);
  let tools = TOOL_MODELS.test(model) ? toolSpecs(image !== undefined, allowance.cap > 0) : undefined;
  const lines = new ToolLines();
  let answered = false;
  for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
    const calls: ToolCall[] = [];
    let text = '';
    let yielded = false;
    try {
      const request = { model, messages, ...(tools && round < MAX_TOOL_ROUNDS ? { tools } : {}) };
      for await (const piece of pieces(ctx.apicore.chatStream(request, { signal: ctx.signal }))) {
        if (piece.type === 'tool_call') {
          calls.push(piece.call);
          continue;
        }
        if (piece.type === 'text') {
          if (!yielded && answered) yield { type: 'text', text: '\n\n' };
          text += piece.text;
        }
        yielded = true;
        yield piece;
      }
    } catch (error) {
      if (tools && round === 0 && !yielded && error instanceof BotError && error.kind === 'bad_request') {
        ctx.log.info({ err: error, model }, 'model refused tools; asking again without them');
        tools = undefined;
        round--;
        continue;
      }
      throw error;
    }
    answered ||= text.length > 0;
    if (calls.length === 0) return;
    // The calls beyond the round's cap are left out of the exchange, as if never asked for.
    const run = calls.slice(0, MAX_TOOL_CALLS_PER_ROUND);
    if (run.length < calls.length) {
      ctx.log.warn(
        { calls: calls.length, run: run.length },
        'too many tool calls in one round; ran the first',
      );
    }
    messages.push({ role: 'assistant', content: text || null, tool_calls: run });
    for (const call of run) {
      const name = call.function.name;
      yield { type: 'status', text: lines.render(`🔧 ${name}`) };
      const done = await runTool(ctx, call, image, allowance);
      lines.add(done.refused ? `🚫 ${name}: ${done.refused[ctx.lang]}` : `🔧 ${name}`);
      yield { type: 'status', text: lines.render() };
      messages.push({ role: 'tool', tool_call_id: call.id, content: done.result });
    }
  }
}
