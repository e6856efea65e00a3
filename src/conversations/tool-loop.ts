import type {
  ChatMessage,
  ChatRequest,
  ClaudeBlock,
  ClaudeRequest,
  StreamEvent,
  ToolCall,
  ToolSpec,
} from '../core/apicore.js';
import type { AnswerPiece, CommandContext } from '../core/command.js';
import { BotError } from '../errors.js';
import { type CutTracker, isCutReason, pieces, trackCut } from './answer-pieces.js';
import { type ChatParams, emitsThinkTags } from './request/params.js';
import {
  CLAUDE_TOOL_MODELS,
  MAX_TOOL_CALLS_PER_ROUND,
  runTool,
  TOOL_MODELS,
  ToolAllowance,
  toClaudeTools,
  toolSpecs,
} from './tools.js';

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

/** How one endpoint carries a tool exchange: the loop is the same, the wire format is not. */
interface ToolDialect {
  /**
   * One round's stream; `tools` is undefined when none are offered. The `last` round must be
   * answered in text: no tool may be called in it.
   */
  round(tools: ToolSpec[] | undefined, last: boolean): AsyncIterable<StreamEvent>;
  /** Adds what the model said and asked for, and what the calls returned, for the next round. */
  record(text: string, calls: ToolCall[], results: string[]): void;
}

/**
 * A chat-completions answer with the bot's commands offered as tools (see toolLoop). The chat's
 * parameters (`max_tokens`, `reasoning_effort`, …) go with every round.
 */
export function withTools(
  ctx: CommandContext<unknown>,
  model: string,
  messages: ChatMessage[],
  image: string | undefined,
  params: ChatParams = {},
): AsyncGenerator<AnswerPiece> {
  const dialect: ToolDialect = {
    round: (offer, last) => {
      const tools = last ? undefined : offer;
      const request: ChatRequest = { model, messages, ...params, ...(tools ? { tools } : {}) };
      return ctx.apicore.chatStream(request, { signal: ctx.signal });
    },
    record: (text, calls, results) => {
      messages.push({ role: 'assistant', content: text || null, tool_calls: calls });
      calls.forEach((call, i) => {
        messages.push({ role: 'tool', tool_call_id: call.id, content: results[i] ?? '' });
      });
    },
  };
  const offered = TOOL_MODELS.test(model) && !/gizmo/i.test(model);
  const tracker: CutTracker = { cut: false };
  return trackCut(toolLoop(ctx, model, image, offered, dialect, tracker), tracker);
}

/**
 * A Claude (/v1/messages) answer with the same tools, caps and status lines as withTools: the
 * model's `tool_use` blocks are run and answered with `tool_result` blocks. Extended thinking
 * gets no tools: Claude wants each thinking block (with its signature) sent back with the tool
 * results, and the stream does not carry signatures.
 */
export function claudeWithTools(
  ctx: CommandContext<unknown>,
  request: ClaudeRequest,
  image: string | undefined,
): AsyncGenerator<AnswerPiece> {
  const messages = [...request.messages];
  const dialect: ToolDialect = {
    round: (tools, last) => {
      // A conversation holding tool_use blocks must still declare the tools: the last round
      // keeps them and forbids calling them instead.
      const none = last ? { tool_choice: { type: 'none' as const } } : {};
      const offer = tools ? { tools: toClaudeTools(tools), ...none } : {};
      return ctx.apicore.claudeStream({ ...request, messages, ...offer }, { signal: ctx.signal });
    },
    record: (text, calls, results) => {
      const asked: ClaudeBlock[] = text ? [{ type: 'text', text }] : [];
      for (const call of calls) {
        asked.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call) });
      }
      messages.push({ role: 'assistant', content: asked });
      messages.push({
        role: 'user',
        content: calls.map((call, i) => ({
          type: 'tool_result' as const,
          tool_use_id: call.id,
          content: results[i] ?? '',
        })),
      });
    },
  };
  const offered = CLAUDE_TOOL_MODELS.test(request.model) && !request.thinking;
  const tracker: CutTracker = { cut: false };
  return trackCut(toolLoop(ctx, request.model, image, offered, dialect, tracker), tracker);
}

/** A call's arguments as the object Claude sent (the stream joined them into JSON). */
function toolInput(call: ToolCall): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(call.function.arguments || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The tool loop both endpoints share: the calls the model makes are run (media through the same
 * task records, quota and rate gates as the commands), shown as status lines, and fed back until
 * the model answers in text. `tracker.cut` says whether the last round ended at its token cap
 * (what watchCut would tell). At most MAX_TOOL_CALLS_PER_ROUND calls run per round and at most
 * MAX_TOOL_TASKS_PER_ANSWER media tasks start per answer; a call a limit stops starts nothing and
 * the model is told why. A model that refuses tools is asked again without them, before anything
 * was shown.
 */
async function* toolLoop(
  ctx: CommandContext<unknown>,
  model: string,
  image: string | undefined,
  offered: boolean,
  dialect: ToolDialect,
  tracker: CutTracker,
): AsyncGenerator<AnswerPiece> {
  // Most models' events are read as they come: no think-tag layer per piece.
  const thinkTags = emitsThinkTags(model);
  const allowance = new ToolAllowance(ctx.usage.toolTasksPerAnswer);
  let tools = offered ? toolSpecs(image !== undefined, allowance.cap > 0) : undefined;
  const lines = new ToolLines();
  let answered = false;
  for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
    const calls: ToolCall[] = [];
    let text = '';
    let yielded = false;
    try {
      const stream = dialect.round(tools, round === MAX_TOOL_ROUNDS);
      for await (const piece of thinkTags ? pieces(stream, model) : stream) {
        if (piece.type === 'tool_call') {
          calls.push(piece.call);
          continue;
        }
        if (piece.type === 'finish') tracker.cut = isCutReason(piece.reason);
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
    const results: string[] = [];
    for (const call of run) {
      const name = call.function.name;
      yield { type: 'status', text: lines.render(`🔧 ${name}`) };
      const done = await runTool(ctx, call, image, allowance);
      lines.add(done.refused ? `🚫 ${name}: ${done.refused[ctx.lang]}` : `🔧 ${name}`);
      yield { type: 'status', text: lines.render() };
      results.push(done.result);
    }
    dialect.record(text, run, results);
  }
}
