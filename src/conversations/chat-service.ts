import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type {
  ChatMessage,
  ClaudeBlock,
  ClaudeMessage,
  ContentPart,
  StreamEvent,
  ToolCall,
} from '../core/apicore.js';
import {
  type AnswerPiece,
  type ChatInput,
  type ChatService,
  type CommandContext,
  REGENERATE_COMMAND,
  STOP_COMMAND,
  type StopResult,
  type StreamOutcome,
} from '../core/command.js';
import { t } from '../core/i18n.js';
import { downloadAsFile, parseDataUrl, sniffImage, toDataUrl } from '../core/media.js';
import type { ChatRef } from '../core/platform.js';
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

/** Random bytes in an answer's id (on its Stop and Regenerate buttons). */
const ANSWER_ID_BYTES = 9;
/** Draft ids are positive 32-bit integers (Telegram's draft_id must be non-zero). */
const MAX_DRAFT_ID = 2 ** 31 - 1;

const STOP_LABEL = { en: '⏹ Stop', zh: '⏹ 停止' };
const REGENERATE_LABEL = { en: '🔄 Regenerate', zh: '🔄 重新生成' };
const CANNOT_REGENERATE = {
  en: 'This answer can no longer be asked again (its conversation was reset, or it expired). Please send the question again.',
  zh: '这个回答已无法重新生成（对话已重置或已过期），请重新发送问题。',
};

/** One question to answer: where it is saved, what came before it, and how to ask. */
interface Exchange {
  conversation: Conversation;
  /** The turns before the question. */
  prior: Turn[];
  turn: Turn;
  model: string;
  /** The question's first image, for tools that look at it. */
  image: string | undefined;
  /** Voice notes transcribed for this question, shown above the answer. */
  transcripts: string[];
}

interface RunningAnswer {
  controller: AbortController;
  /** Who asked: only they (or an admin) may stop it. */
  userId: string;
}

/**
 * The answers streaming in this process, by their Stop button's id and by their draft id. A stop
 * that reaches another process (or comes after the end) finds nothing and is told so.
 */
class RunningAnswers {
  readonly #byKey = new Map<string, RunningAnswer>();

  /** Registers `answer` under `keys`; the returned function forgets it. */
  add(keys: string[], answer: RunningAnswer): () => void {
    for (const key of keys) this.#byKey.set(key, answer);
    return () => {
      for (const key of keys) if (this.#byKey.get(key) === answer) this.#byKey.delete(key);
    };
  }

  get(key: string): RunningAnswer | undefined {
    return this.#byKey.get(key);
  }
}

const chatKey = (chat: ChatRef) => `${chat.platform}:${chat.id}`;

/**
 * The conversation engine: resolves which conversation an event continues, fits its history to
 * the model's budget, routes the model to its endpoint, streams the answer through the renderer
 * and saves the exchange only once an answer came back.
 *
 * Every answer can be stopped while it runs in this process (its Stop button, or the platform's
 * own stop on a draft): the upstream request is aborted and the text so far is kept. A finished
 * answer can be asked again (its Regenerate button): the new answer replaces it.
 */
export function createChatService(store: Store): ChatService {
  const conversations = new ConversationStore(store);
  const running = new RunningAnswers();

  /** Streams the answer to `x.turn` after `x.prior` and saves the exchange in `x.conversation`. */
  async function respond(ctx: CommandContext<unknown>, x: Exchange): Promise<StreamOutcome> {
    const { model, turn } = x;
    const group = ctx.chat.kind === 'group';
    const system = ctx.settings.systemPrompt;
    const sized: SizedTurn[] = [...x.prior, turn].map((t) => ({
      ...t,
      tokens: estimateTokens(t.text) + (t.images?.length ?? 0) * IMAGE_TOKENS,
    }));
    const budget = historyBudget(model) - (system ? estimateTokens(system) : 0);
    let { kept, dropped } = trimToBudget(sized, budget);
    // Never open with an answer whose question was dropped.
    while (kept.length > 1 && kept[0]!.role === 'assistant') {
      kept = kept.slice(1);
      dropped++;
    }
    const turns: Turn[] = kept.map(({ tokens: _, ...t }) => t);

    // A stop aborts everything this answer asks upstream (the stream, tool calls, downloads).
    const answerId = randomBytes(ANSWER_ID_BYTES).toString('base64url');
    const draftId = randomInt(1, MAX_DRAFT_ID);
    const stop = new AbortController();
    const actx: CommandContext<unknown> = { ...ctx, signal: AbortSignal.any([ctx.signal, stop.signal]) };
    const where = chatKey(ctx.chat);
    const forget = running.add([`${where}:answer:${answerId}`, `${where}:draft:${draftId}`], {
      controller: stop,
      userId: ctx.user.id,
    });
    try {
      const stream = isClaudeModel(model)
        ? pieces(
            actx.apicore.claudeStream(
              {
                model,
                max_tokens: CLAUDE_MAX_TOKENS,
                messages: toClaude(turns, group),
                ...(system ? { system } : {}),
                ...(/thinking/i.test(model)
                  ? { thinking: { type: 'enabled' as const, budget_tokens: CLAUDE_THINKING_BUDGET_TOKENS } }
                  : {}),
              },
              { signal: actx.signal },
            ),
          )
        : withTools(actx, model, toOpenAi(system, turns, group), x.image);
      // One generator layer less per token when there is nothing to put above the answer.
      const source = x.transcripts.length ? withTranscripts(x.transcripts, stream) : stream;
      const controls = ctx.limits.answerButtons
        ? {
            liveButtons: [[{ label: ctx.t(STOP_LABEL), command: STOP_COMMAND, args: { answer: answerId } }]],
            finalButtons: [
              [
                {
                  label: ctx.t(REGENERATE_LABEL),
                  command: REGENERATE_COMMAND,
                  args: { conversation: x.conversation.id, answer: answerId, model },
                },
              ],
            ],
          }
        : {};
      const outcome = await ctx.stream(source, {
        footer: dropped > 0 ? ctx.t(TRIMMED_NOTE, { n: dropped }) : undefined,
        stop: stop.signal,
        draftId,
        ...controls,
      });
      // What the gateway reported, or an estimate when it reported nothing (a cut stream still costs).
      const tokens =
        outcome.tokens ||
        sized.reduce((n, t) => n + t.tokens, 0) + estimateTokens(outcome.text + outcome.reasoning);
      await ctx.usage.add({ tokens });
      if (outcome.text && !outcome.stopped) await sendMediaLinks(actx, outcome.text);
      // A stopped answer is kept as far as it went: the user saw it, and may ask about it.
      if (outcome.text) {
        x.conversation.turns = [...turns, { role: 'assistant', text: outcome.text, id: answerId }];
        await conversations.save(x.conversation, ctx.chat, outcome.refs);
      }
      if (outcome.error) ctx.log.warn({ err: outcome.error, model }, 'answer ended with an error');
      if (outcome.stopped) ctx.log.info({ model }, 'answer stopped by the user');
      return outcome;
    } finally {
      forget();
    }
  }

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
      return respond(ctx, {
        conversation,
        prior: conversation.turns,
        turn,
        model: ctx.settings.model,
        image: images[0],
        transcripts,
      });
    },

    async stop(ctx, target): Promise<StopResult> {
      const where = chatKey(ctx.chat);
      const key =
        target.answer !== undefined
          ? `${where}:answer:${target.answer}`
          : target.draft !== undefined
            ? `${where}:draft:${target.draft}`
            : undefined;
      const found = key === undefined ? undefined : running.get(key);
      if (!found) return 'finished';
      // The asker, or whoever administers the chat (ctx.isAdmin is true for everyone without ADMIN_USERS).
      if (found.userId !== ctx.user.id && !(await ctx.mayChangeChatSettings())) return 'forbidden';
      found.controller.abort(new BotError('cancelled', 'stopped by the user'));
      return 'stopped';
    },

    async regenerate(ctx, target): Promise<StreamOutcome> {
      const conversation = await conversations.get(target.conversation);
      const at = conversation?.turns.findIndex((t) => t.role === 'assistant' && t.id === target.answer) ?? -1;
      const question = conversation && at > 0 ? conversation.turns[at - 1] : undefined;
      if (!conversation || question?.role !== 'user') {
        throw inputError(CANNOT_REGENERATE.en, CANNOT_REGENERATE.zh);
      }
      // The latest answer is replaced in place. An earlier one is asked again on a branch that
      // ends at its question (replying to the new answer continues the branch), so the turns
      // that followed it keep the answer they were built on.
      const latest = at === conversation.turns.length - 1;
      return respond(ctx, {
        conversation: latest ? conversation : { id: randomUUID(), turns: [] },
        prior: conversation.turns.slice(0, at - 1),
        turn: question,
        model: target.model ?? ctx.settings.model,
        image: question.images?.[0],
        transcripts: [],
      });
    },
    async reset(ctx) {
      await conversations.reset(ctx.chat, ctx.user);
    },
  };
}
