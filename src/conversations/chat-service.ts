import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { linkedController } from '../core/abort.js';
import {
  type ChatService,
  type CommandContext,
  REGENERATE_COMMAND,
  STOP_COMMAND,
  type StopResult,
  type StreamOutcome,
} from '../core/command.js';
import { type ChatRef, MAX_DRAFT_ID } from '../core/platform.js';
import type { Store } from '../core/store.js';
import { BotError, inputError } from '../errors.js';
import { watchCut } from './answer-pieces.js';
import { ANSWER_RESERVE_TOKENS, estimateTokens, fitHistory } from './budget.js';
import { type Conversation, ConversationStore, type Turn } from './history.js';
import { transcribe, withTranscripts } from './inputs/audio.js';
import { documentTokens, readFiles } from './inputs/files.js';
import { fitAttachments } from './inputs/fit-history.js';
import { readImages } from './inputs/images.js';
import { sendMediaLinks } from './media-after.js';
import { meterAnswer } from './metered-answer.js';
import { claudeRequest, toClaude } from './request/claude.js';
import { toOpenAi } from './request/openai.js';
import {
  chatParams,
  isGizmoModel,
  routeOf,
  takesMinimalEffort,
  takesReasoningEffort,
  takesVerbosity,
} from './request/params.js';
import { responsesAnswer, responsesRequest } from './request/responses.js';
import { RunningAnswers } from './running-answers.js';
import { claudeWithTools, withTools } from './tool-loop.js';

export const TRIMMED_NOTE = {
  en: '✂️ Older messages were left out to fit the model’s context ({n} dropped). Send /new to start over.',
  zh: '✂️ 为适应模型上下文，较早的 {n} 条消息未被发送。发送 /new 开始新对话。',
};
const CUT_AT_MAX_TOKENS = {
  en: '✂️ The answer reached its length limit (max_tokens {n}). Say “continue” for the rest, or raise the limit with /model max_tokens:<number>.',
  zh: '✂️ 回答已达到长度上限（max_tokens {n}）。发送“继续”获取后续内容，或用 /model max_tokens:<数字> 调高上限。',
};
const EMPTY_PROMPT = {
  en: 'Please write something to ask, e.g. /chat What is a black hole?',
  zh: '请输入要问的内容，例如：/chat 什么是黑洞？',
};

/** Random bytes in an answer's id (on its Stop and Regenerate buttons). */
const ANSWER_ID_BYTES = 9;

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
    const all = [...x.prior, turn];
    // Counted with the model's own tokenizer (cached on each turn and saved with it), with room
    // for the answer (the chat's max_tokens) and the PDFs still attached.
    const fit = await fitHistory(all, model, {
      system,
      group,
      answerTokens: ctx.settings.maxTokens || ANSWER_RESERVE_TOKENS,
      extraTokens: all.reduce((n, t) => n + documentTokens(t), 0),
    });
    const turns: Turn[] = fit.kept;
    const dropped = fit.dropped;

    // A stop aborts everything this answer asks upstream (the stream, tool calls, downloads). Not
    // AbortSignal.any: on Node 20 it leaves a dependant on the long-lived shutdown signal per answer.
    const answerId = randomBytes(ANSWER_ID_BYTES).toString('base64url');
    const draftId = randomInt(1, MAX_DRAFT_ID);
    const stop = new AbortController();
    const link = linkedController([ctx.signal, stop.signal]);
    const actx: CommandContext<unknown> = { ...ctx, signal: link.signal };
    const where = chatKey(ctx.chat);
    const forget = running.add([`${where}:answer:${answerId}`, `${where}:draft:${draftId}`], {
      controller: stop,
      userId: ctx.user.id,
    });
    try {
      // Each route takes the chat's settings its own way (request/params.ts): the system prompt as
      // a system message, Claude's `system` or the Responses API's `instructions`.
      const settings = ctx.settings;
      const route = routeOf(model);
      const stream =
        route === 'claude'
          ? claudeWithTools(actx, claudeRequest(model, toClaude(turns, group), system, settings), x.image)
          : route === 'responses'
            ? responsesAnswer(actx, responsesRequest(model, system, turns, group, settings))
            : withTools(actx, model, toOpenAi(system, turns, group), x.image, chatParams(model, settings));
      const capped = watchCut(stream);
      // One generator layer less per token when there is nothing to put above the answer.
      const source = x.transcripts.length ? withTranscripts(x.transcripts, capped.pieces) : capped.pieces;
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
      // Charged to the daily token quota as it streams, and cut once the quota is reached.
      const metered = meterAnswer(source, {
        meter: ctx.usage,
        promptTokens: fit.tokens,
        estimate: estimateTokens,
      });
      const outcome = await ctx.stream(metered.pieces, {
        footer: dropped > 0 ? ctx.t(TRIMMED_NOTE, { n: dropped }) : undefined,
        stop: stop.signal,
        draftId,
        ...controls,
      });
      // The answer's message was deleted: the renderer stopped at once; close the upstream request.
      if (outcome.deleted) stop.abort(new BotError('cancelled', 'the answer message was deleted'));
      // What the gateway reported, or an estimate when it reported nothing (a cut stream still
      // costs), less what was charged while it streamed.
      await metered.settle(outcome);
      // An answer cut at its token cap says so, and how to get the rest.
      if (capped.cut && outcome.text && !outcome.stopped && !outcome.error)
        await ctx.reply(
          ctx.t(CUT_AT_MAX_TOKENS, {
            n: settings.maxTokens || ctx.t({ en: 'the model’s own', zh: '模型默认' }),
          }),
        );
      if (outcome.text && !outcome.stopped) await sendMediaLinks(actx, outcome.text);
      // A stopped answer is kept as far as it went: the user saw it, and may ask about it.
      if (outcome.text) {
        x.conversation.turns = [...turns, { role: 'assistant', text: outcome.text, id: answerId }];
        await conversations.save(x.conversation, ctx.chat, outcome.refs);
      }
      if (outcome.error) ctx.log.warn({ err: outcome.error, model }, 'answer ended with an error');
      if (outcome.deleted) ctx.log.info({ model }, 'answer message deleted; answer stopped');
      else if (outcome.stopped) ctx.log.info({ model }, 'answer stopped by the user');
      return outcome;
    } finally {
      forget();
      link.dispose();
    }
  }

  return {
    modelTraits: (model) => ({
      route: routeOf(model),
      reasoningEffort: takesReasoningEffort(model),
      minimalEffort: takesMinimalEffort(model),
      verbosity: takesVerbosity(model),
      gizmo: isGizmoModel(model),
    }),

    async answer(ctx, input): Promise<StreamOutcome> {
      const text = input.text.trim();
      if (!text && input.images.length === 0 && input.files.length === 0 && input.audio.length === 0) {
        throw inputError(EMPTY_PROMPT.en, EMPTY_PROMPT.zh);
      }
      const model = ctx.settings.model;
      // The conversation is looked up while the inputs are read (it decides nothing about them).
      const replyToBot = ctx.replyTo?.fromBot ? ctx.replyTo.messageId : undefined;
      const resolving = conversations.resolve(ctx.chat, ctx.user, replyToBot);
      resolving.catch(() => {}); // awaited below; a refused file must not leave it unhandled
      // Files first: a refused file (a .zip, too large) costs no download of the images and no
      // transcription. Images are fetched and shrunk one at a time (inputs/images.ts). Without
      // any, none of these waits.
      const files = await readFiles(ctx, input, model);
      const images = input.images.length
        ? [...(await readImages(ctx, input, model)), ...files.images]
        : files.images;
      const transcripts = input.audio.length ? await transcribe(ctx, input) : [];
      const conversation: Conversation = await resolving;
      const group = ctx.chat.kind === 'group';
      const turn: Turn = {
        role: 'user',
        text: [text, ...transcripts].filter(Boolean).join('\n\n') + files.text,
        ...(images.length ? { images } : {}),
        ...(files.documents.length ? { documents: files.documents } : {}),
        ...(group ? { author: ctx.user.name } : {}),
      };
      return respond(ctx, {
        conversation,
        // Older PDFs become markers; PDFs and images kept for another model are fitted to this one.
        prior: await fitAttachments(conversation.turns, model),
        turn,
        model,
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
      const model = target.model ?? ctx.settings.model;
      // Images and PDFs kept for another model are fitted to this one, the question's too.
      const fitted = await fitAttachments(conversation.turns.slice(0, at), model);
      const asked = fitted.at(-1) ?? question;
      return respond(ctx, {
        conversation: latest ? conversation : { id: randomUUID(), turns: [] },
        prior: fitted.slice(0, -1),
        turn: asked,
        model,
        image: asked.images?.[0],
        transcripts: [],
      });
    },
    async reset(ctx) {
      await conversations.reset(ctx.chat, ctx.user);
    },
  };
}
