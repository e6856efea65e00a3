import type { ChatMessage, ClaudeBlock, ClaudeMessage, ContentPart, StreamEvent } from '../core/apicore.js';
import type { AnswerPiece, ChatInput, ChatService, CommandContext, StreamOutcome } from '../core/command.js';
import { t } from '../core/i18n.js';
import { parseDataUrl, sniffImage, toDataUrl } from '../core/media.js';
import type { Store } from '../core/store.js';
import { inputError } from '../errors.js';
import { estimateTokens, historyBudget, IMAGE_TOKENS, trimToBudget } from './budget.js';
import { type Conversation, ConversationStore, type Turn } from './history.js';
import { ThinkSplitter } from './think-splitter.js';

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
      if (!text && input.images.length === 0 && input.files.length === 0) {
        throw inputError(EMPTY_PROMPT.en, EMPTY_PROMPT.zh);
      }
      const images = await readImages(ctx, input);
      const fileText = await readTextFiles(ctx, input);
      const replyToBot = ctx.replyTo?.fromBot ? ctx.replyTo.messageId : undefined;
      const conversation: Conversation = await conversations.resolve(ctx.chat, ctx.user, replyToBot);
      const group = ctx.chat.kind === 'group';
      const turn: Turn = {
        role: 'user',
        text: `${text}${fileText}`,
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
      const events = isClaudeModel(model)
        ? ctx.apicore.claudeStream(
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
          )
        : ctx.apicore.chatStream({ model, messages: toOpenAi(system, turns, group) }, { signal: ctx.signal });
      const outcome = await ctx.stream(pieces(events), {
        footer: dropped > 0 ? ctx.t(TRIMMED_NOTE, { n: dropped }) : undefined,
      });
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
