import type {
  ChatMessage,
  ClaudeBlock,
  ClaudeMessage,
  ContentPart,
  StreamEvent,
  ToolCall,
} from '../core/apicore.js';
import type { AnswerPiece, ChatInput, ChatService, CommandContext, StreamOutcome } from '../core/command.js';
import { t } from '../core/i18n.js';
import { downloadAsFile, parseDataUrl, sniffImage, toDataUrl } from '../core/media.js';
import type { Store } from '../core/store.js';
import { BotError, inputError } from '../errors.js';
import { estimateTokens, historyBudget, IMAGE_TOKENS, trimToBudget } from './budget.js';
import { type Conversation, ConversationStore, type Turn } from './history.js';
import { extractMediaLinks } from './media-links.js';
import { ThinkSplitter } from './think-splitter.js';
import { MAX_TOOL_CALLS_PER_ROUND, runTool, TOOL_MODELS, ToolAllowance, toolSpecs } from './tools.js';

const CLAUDE_MAX_TOKENS = 8_192;
const CLAUDE_THINKING_BUDGET_TOKENS = 4_096;
/** Longest text file inlined into a conversation. */
const MAX_INLINE_FILE_CHARS = 60_000;

export const TRIMMED_NOTE = {
  en: '✂️ Older messages were left out to fit the model’s context ({n} dropped). Send /new to start over.',
  zh: '✂️ 为适应模型上下文，较早的 {n} 条消息未被发送。发送 /new 开始新对话。',
};
const EMPTY_PROMPT = {
  en: 'Please write something to ask, e.g. /chat What is a black hole?',
  zh: '请输入要问的内容，例如：/chat 什么是黑洞？',
};
const NOT_AN_IMAGE = {
  en: '“{name}” is not an image I can read (PNG, JPEG, GIF or WebP).',
  zh: '“{name}” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。',
};

/** Claude models go to the native /v1/messages endpoint; everything else to chat completions. */
export function isClaudeModel(model: string): boolean {
  return /^claude/i.test(model);
}

interface SizedTurn extends Turn {
  tokens: number;
}

function toOpenAi(system: string | undefined, turns: Turn[], group: boolean): ChatMessage[] {
  const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const turn of turns) {
    const text = group && turn.role === 'user' && turn.author ? `${turn.author}: ${turn.text}` : turn.text;
    if (turn.role === 'user' && turn.images?.length) {
      const parts: ContentPart[] = [{ type: 'text', text }];
      for (const url of turn.images) parts.push({ type: 'image_url', image_url: { url } });
      messages.push({ role: 'user', content: parts });
    } else {
      messages.push({ role: turn.role, content: text });
    }
  }
  return messages;
}

function toClaude(turns: Turn[], group: boolean): ClaudeMessage[] {
  return turns.map((turn) => {
    const text = group && turn.role === 'user' && turn.author ? `${turn.author}: ${turn.text}` : turn.text;
    if (turn.role === 'user' && turn.images?.length) {
      const blocks: ClaudeBlock[] = [];
      for (const url of turn.images) {
        const d = parseDataUrl(url);
        if (d) blocks.push({ type: 'image', source: { type: 'base64', media_type: d.mime, data: d.base64 } });
      }
      blocks.push({ type: 'text', text });
      return { role: 'user', content: blocks };
    }
    return { role: turn.role, content: text };
  });
}

/** Stream events → answer pieces, with inline `<think>` spans moved to reasoning. */
async function* pieces(events: AsyncIterable<StreamEvent>): AsyncGenerator<AnswerPiece> {
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

async function readImages(ctx: CommandContext<unknown>, input: ChatInput): Promise<string[]> {
  const urls: string[] = [];
  for (const file of input.images) {
    const bytes = await file.fetch(ctx.limits.maxDownloadBytes);
    const mime = sniffImage(bytes);
    if (!mime) {
      const e = inputError(
        t('en', NOT_AN_IMAGE, { name: file.name }),
        t('zh', NOT_AN_IMAGE, { name: file.name }),
      );
      throw e;
    }
    urls.push(toDataUrl(bytes, mime));
  }
  return urls;
}

async function readTextFiles(ctx: CommandContext<unknown>, input: ChatInput): Promise<string> {
  let out = '';
  for (const file of input.files) {
    const bytes = await file.fetch(ctx.limits.maxDownloadBytes);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).slice(0, MAX_INLINE_FILE_CHARS);
    out += `\n\n--- ${file.name} ---\n${text}`;
  }
  return out;
}

/** Most rounds of tool calls in one answer. */
const MAX_TOOL_ROUNDS = 3;
const TRANSCRIPTION_MODEL = 'whisper-1';

/** Voice notes and audio files → text, shown above the answer. */
async function transcribe(ctx: CommandContext<unknown>, input: ChatInput): Promise<string[]> {
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

async function* withTranscripts(
  transcripts: string[],
  stream: AsyncIterable<AnswerPiece>,
): AsyncGenerator<AnswerPiece> {
  if (transcripts.length) yield { type: 'status', text: transcripts.map((x) => `🎙️ “${x}”`).join('\n') };
  yield* stream;
}

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
async function* withTools(
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

/** Images, audio and video linked in an answer, sent after it as real attachments. */
async function sendMediaLinks(ctx: CommandContext<unknown>, answer: string): Promise<void> {
  const links = extractMediaLinks(answer);
  if (links.length === 0) return;
  const files = (
    await Promise.all(
      links.map((link, i) =>
        downloadAsFile(
          ctx.apicore,
          link.url,
          {
            kind: link.kind,
            name: `${link.kind}-${i + 1}${extension(link.url, link.kind)}`,
            title: link.label || undefined,
          },
          ctx.limits.maxUploadBytes,
          ctx.signal,
        ),
      ),
    )
  ).filter((f) => f !== undefined);
  for (const file of files) await ctx.reply(file.title ?? '', { files: [file] });
}

function extension(url: string, kind: string): string {
  const m = /\.(\w{2,4})(?:[?#]|$)/.exec(url.split(/[?#]/)[0] ?? '');
  return m ? `.${m[1]}` : kind === 'image' ? '.png' : kind === 'audio' ? '.mp3' : '.mp4';
}

/**
 * The conversation engine: resolves which conversation an event continues, fits its history to
 * the model's budget, routes the model to its endpoint, streams the answer through the renderer
 * and saves the exchange only once an answer came back.
 */
export function createChatService(store: Store): ChatService {
  const conversations = new ConversationStore(store);
  return {
    async answer(ctx, input): Promise<StreamOutcome> {
      const text = input.text.trim();
      if (!text && input.images.length === 0 && input.files.length === 0 && input.audio.length === 0) {
        throw inputError(EMPTY_PROMPT.en, EMPTY_PROMPT.zh);
      }
      const images = await readImages(ctx, input);
      const transcripts = await transcribe(ctx, input);
      const fileText = await readTextFiles(ctx, input);
      const replyToBot = ctx.replyTo?.fromBot ? ctx.replyTo.messageId : undefined;
      const conversation: Conversation = await conversations.resolve(ctx.chat, ctx.user, replyToBot);
      const group = ctx.chat.kind === 'group';
      const turn: Turn = {
        role: 'user',
        text: [text, ...transcripts].filter(Boolean).join('\n\n') + fileText,
        ...(images.length ? { images } : {}),
        ...(group ? { author: ctx.user.name } : {}),
      };
      const model = ctx.settings.model;
      const system = ctx.settings.systemPrompt;
      const sized: SizedTurn[] = [...conversation.turns, turn].map((x) => ({
        ...x,
        tokens: estimateTokens(x.text) + (x.images?.length ?? 0) * IMAGE_TOKENS,
      }));
      const budget = historyBudget(model) - (system ? estimateTokens(system) : 0);
      let { kept, dropped } = trimToBudget(sized, budget);
      // Never open with an answer whose question was dropped.
      while (kept.length > 1 && kept[0]!.role === 'assistant') {
        kept = kept.slice(1);
        dropped++;
      }
      const turns: Turn[] = kept.map(({ tokens: _, ...x }) => x);
      const stream = isClaudeModel(model)
        ? pieces(
            ctx.apicore.claudeStream(
              {
                model,
                max_tokens: CLAUDE_MAX_TOKENS,
                messages: toClaude(turns, group),
                ...(system ? { system } : {}),
                ...(/thinking/i.test(model)
                  ? { thinking: { type: 'enabled' as const, budget_tokens: CLAUDE_THINKING_BUDGET_TOKENS } }
                  : {}),
              },
              { signal: ctx.signal },
            ),
          )
        : withTools(ctx, model, toOpenAi(system, turns, group), images[0]);
      // One generator layer less per token when there is nothing to put above the answer.
      const source = transcripts.length ? withTranscripts(transcripts, stream) : stream;
      const outcome = await ctx.stream(source, {
        footer: dropped > 0 ? ctx.t(TRIMMED_NOTE, { n: dropped }) : undefined,
      });
      // What the gateway reported, or an estimate when it reported nothing (a cut stream still costs).
      const tokens =
        outcome.tokens ||
        sized.reduce((n, x) => n + x.tokens, 0) + estimateTokens(outcome.text + outcome.reasoning);
      await ctx.usage.add({ tokens });
      if (outcome.text) await sendMediaLinks(ctx, outcome.text);
      if (outcome.text) {
        conversation.turns = [...turns, { role: 'assistant', text: outcome.text }];
        await conversations.save(conversation, ctx.chat, outcome.refs);
      }
      if (outcome.error) ctx.log.warn({ err: outcome.error, model }, 'answer ended with an error');
      return outcome;
    },
    async reset(ctx) {
      await conversations.reset(ctx.chat, ctx.user);
    },
  };
}
