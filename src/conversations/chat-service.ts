import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import {
  type ChatService,
  type CommandContext,
  REGENERATE_COMMAND,
  STOP_COMMAND,
  type StopResult,
  type StreamOutcome,
} from '../core/command.js';
import type { ChatRef } from '../core/platform.js';
import type { Store } from '../core/store.js';
import { BotError, inputError } from '../errors.js';
import { pieces } from './answer-pieces.js';
import { estimateTokens, historyBudget, IMAGE_TOKENS, trimToBudget } from './budget.js';
import { type Conversation, ConversationStore, type Turn } from './history.js';
import { transcribe, withTranscripts } from './inputs/audio.js';
import { readTextFiles } from './inputs/files.js';
import { readImages } from './inputs/images.js';
import { sendMediaLinks } from './media-after.js';
import {
  CLAUDE_MAX_TOKENS,
  CLAUDE_THINKING_BUDGET_TOKENS,
  isClaudeModel,
  toClaude,
} from './request/claude.js';
import { toOpenAi } from './request/openai.js';
import { RunningAnswers } from './running-answers.js';
import { withTools } from './tool-loop.js';

export const TRIMMED_NOTE = {
  en: '✂️ Older messages were left out to fit the model’s context ({n} dropped). Send /new to start over.',
  zh: '✂️ 为适应模型上下文，较早的 {n} 条消息未被发送。发送 /new 开始新对话。',
};
const EMPTY_PROMPT = {
  en: 'Please write something to ask, e.g. /chat What is a black hole?',
  zh: '请输入要问的内容，例如：/chat 什么是黑洞？',
};

interface SizedTurn extends Turn {
  tokens: number;
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
