import {
  type ChatSettings,
  type CommandContext,
  defineCommand,
  type ReasoningEffort,
  type Verbosity,
} from '../src/core/command.js';
import { type Localized, t } from '../src/core/i18n.js';
import { inputError } from '../src/errors.js';
import { requireChatAdmin } from './lib/chat-settings.js';

/** Model ids look like `gpt-4o-mini`, `claude-sonnet-4-5`, `deepseek/deepseek-r1:free`. */
const MODEL_ID = /^[\w.:/@+-]{1,100}$/;
/** Highest `max_tokens` a chat may set (as DEFAULT_MAX_TOKENS). */
export const MAX_TOKENS_LIMIT = 200_000;

const EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high'];
const VERBOSITIES: readonly Verbosity[] = ['low', 'medium', 'high'];
/** Words that put a setting back to its default. */
const DEFAULT_WORDS = new Set(['default', 'auto', 'off', 'reset', '默认']);

const DEFAULT_CHOICE = { value: 'default', label: { en: 'Default', zh: '默认' } } as const;

/** What one /model call changes; `null` puts a setting back to its default. */
interface Change {
  model?: string;
  reasoningEffort?: ReasoningEffort | null;
  verbosity?: Verbosity | null;
  maxTokens?: number | null;
}

const BAD_VALUE: Localized = {
  en: '“{value}” is not a valid {key}: use {allowed}.',
  zh: '“{value}” 不是有效的 {key}：可用 {allowed}。',
};

function badValue(key: string, value: string, allowed: string): Error {
  const values = { key, value, allowed };
  return inputError(t('en', BAD_VALUE, values), t('zh', BAD_VALUE, values));
}

function effortOf(value: string): ReasoningEffort | null {
  const v = value.toLowerCase();
  if (DEFAULT_WORDS.has(v)) return null;
  const found = EFFORTS.find((e) => e === v);
  if (!found) throw badValue('reasoning_effort', value, `${EFFORTS.join(', ')}, default`);
  return found;
}

function verbosityOf(value: string): Verbosity | null {
  const v = value.toLowerCase();
  if (DEFAULT_WORDS.has(v)) return null;
  const found = VERBOSITIES.find((e) => e === v);
  if (!found) throw badValue('verbosity', value, `${VERBOSITIES.join(', ')}, default`);
  return found;
}

function maxTokensOf(value: string): number | null {
  if (DEFAULT_WORDS.has(value.toLowerCase())) return null;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_TOKENS_LIMIT)
    throw badValue('max_tokens', value, `0–${MAX_TOKENS_LIMIT} (0: the model’s own), default`);
  return n;
}

/** `key:value` (or `key=value`) words in the text form: `/model gpt-5 effort:high max_tokens:2000`. */
const SETTING_WORD = /^(effort|reasoning_effort|reasoning|verbosity|max_tokens|maxtokens)[:=](.*)$/i;

/** Splits the text form into a model id and settings; Discord's own options win over the words. */
function parseChange(
  line: string | undefined,
  options: { effort?: string | undefined; verbosity?: string | undefined; max_tokens?: number | undefined },
): Change {
  const change: Change = {};
  const words: string[] = [];
  for (const word of (line ?? '').split(/\s+/).filter(Boolean)) {
    const m = SETTING_WORD.exec(word);
    if (!m) {
      words.push(word);
      continue;
    }
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key.startsWith('max')) change.maxTokens = maxTokensOf(value);
    else if (key === 'verbosity') change.verbosity = verbosityOf(value);
    else change.reasoningEffort = effortOf(value);
  }
  if (words.length > 1) {
    const all = words.join(' ');
    throw inputError(
      `“${all}” is not a model id. Send /models to list them.`,
      `“${all}” 不是有效的模型 ID。发送 /models 查看列表。`,
    );
  }
  if (words[0]) change.model = words[0];
  if (options.effort) change.reasoningEffort = effortOf(options.effort);
  if (options.verbosity) change.verbosity = verbosityOf(options.verbosity);
  if (options.max_tokens !== undefined) change.maxTokens = options.max_tokens;
  return change;
}

/** The model id as the gateway spells it; GPTs (`gpt-4-gizmo-g-…`) are valid by their pattern. */
async function resolveModel(ctx: CommandContext<unknown>, name: string): Promise<string> {
  if (!MODEL_ID.test(name)) {
    throw inputError(
      `“${name}” is not a model id. Send /models to list them.`,
      `“${name}” 不是有效的模型 ID。发送 /models 查看列表。`,
    );
  }
  // Any public GPT can be asked; /v1/models lists at most a few of them.
  if (ctx.chatService.modelTraits(name).gizmo) return name;
  const models = await ctx.apicore.listModels({ signal: ctx.signal });
  const match = models.find((m) => m.id.toLowerCase() === name.toLowerCase());
  if (match) return match.id;
  const close = models
    .filter((m) => m.id.toLowerCase().includes(name.toLowerCase()))
    .slice(0, 5)
    .map((m) => m.id);
  const hint = close.length ? ` ${close.join(', ')}` : '';
  throw inputError(
    `Unknown model “${name}”.${hint ? ` Did you mean:${hint}?` : ' Send /models to list them.'}`,
    `未知模型“${name}”。${hint ? `你是否想用：${hint}？` : '发送 /models 查看列表。'}`,
  );
}

/**
 * The chat's reasoning settings, each with a note where the model does not take it; `max_tokens`
 * when asked for (it always has a value, so a plain `/model` shows it only beside the others).
 */
function settingsLines(ctx: CommandContext<unknown>, s: ChatSettings, withMaxTokens: boolean): string[] {
  const traits = ctx.chatService.modelTraits(s.model);
  const cap =
    s.maxTokens === undefined
      ? ctx.t({ en: 'the bot’s default', zh: '机器人默认值' })
      : s.maxTokens === 0
        ? ctx.t({ en: 'the model’s own default', zh: '模型自身默认值' })
        : s.maxTokens;
  const lines = withMaxTokens
    ? [ctx.t({ en: '📏 max_tokens: {cap}', zh: '📏 max_tokens：{cap}' }, { cap })]
    : [];
  const notTaken: Localized = {
    en: '(not sent: {model} does not take it)',
    zh: '（未发送：{model} 不支持此参数）',
  };
  if (s.reasoningEffort) {
    let effort: string = s.reasoningEffort;
    if (!traits.reasoningEffort) effort += ` ${ctx.t(notTaken, { model: s.model })}`;
    else if (effort === 'minimal' && !traits.minimalEffort)
      effort += ctx.t({ en: ' (sent as low)', zh: '（按 low 发送）' });
    lines.push(ctx.t({ en: '🧠 reasoning_effort: {v}', zh: '🧠 reasoning_effort：{v}' }, { v: effort }));
  }
  if (s.verbosity) {
    const v = traits.verbosity ? s.verbosity : `${s.verbosity} ${ctx.t(notTaken, { model: s.model })}`;
    lines.push(ctx.t({ en: '🗣️ verbosity: {v}', zh: '🗣️ verbosity：{v}' }, { v }));
  }
  if (traits.route === 'responses') {
    lines.push(
      ctx.t({
        en: '⏳ Answers come whole, not streamed, and can take minutes.',
        zh: '⏳ 回答一次性返回（非流式），可能需要几分钟。',
      }),
    );
  }
  return lines;
}

export default defineCommand({
  name: 'model',
  adminOnly: true,
  description: {
    en: 'Show or set this chat’s model, max_tokens, reasoning effort, verbosity (groups: admins set them)',
    zh: '查看或设置本聊天的模型、max_tokens、推理强度、详细度（群内由管理员设置）',
  },
  options: [
    {
      name: 'name',
      type: 'text',
      description: {
        en: 'Model id, e.g. gpt-4o-mini or gpt-4-gizmo-g-XXXX; text form also takes effort:high max_tokens:2000',
        zh: '模型 ID，例如 gpt-4o-mini 或 gpt-4-gizmo-g-XXXX；文字形式也可写 effort:high max_tokens:2000',
      },
      maxLength: 200,
      autocomplete: true,
    },
    {
      name: 'effort',
      type: 'choice',
      description: {
        en: 'reasoning_effort for o-series and gpt-5 (minimal: gpt-5 only)',
        zh: 'o 系列和 gpt-5 的推理强度 reasoning_effort（minimal 仅 gpt-5）',
      },
      choices: [DEFAULT_CHOICE, ...EFFORTS.map((value) => ({ value, label: { en: value, zh: value } }))],
    },
    {
      name: 'verbosity',
      type: 'choice',
      description: { en: 'gpt-5 answer verbosity', zh: 'gpt-5 回答详细度 verbosity' },
      choices: [DEFAULT_CHOICE, ...VERBOSITIES.map((value) => ({ value, label: { en: value, zh: value } }))],
    },
    {
      name: 'max_tokens',
      type: 'integer',
      min: 0,
      max: MAX_TOKENS_LIMIT,
      description: {
        en: 'Most tokens an answer may have (0: the model’s own default)',
        zh: '每个回答最多的 token 数（0：使用模型默认值）',
      },
    },
  ],
  async run(ctx) {
    const change = parseChange(ctx.args.name, {
      effort: ctx.args.effort,
      verbosity: ctx.args.verbosity,
      max_tokens: ctx.args.max_tokens,
    });
    if (Object.keys(change).length === 0) {
      await ctx.reply(
        [
          ctx.t(
            { en: '🤖 Model in this chat: {model}', zh: '🤖 本聊天当前模型：{model}' },
            { model: ctx.settings.model },
          ),
          ...settingsLines(
            ctx,
            ctx.settings,
            ctx.settings.reasoningEffort !== undefined || ctx.settings.verbosity !== undefined,
          ),
        ].join('\n'),
      );
      return;
    }
    await requireChatAdmin(ctx);
    const patch: Partial<ChatSettings> = {};
    if (change.model !== undefined) patch.model = await resolveModel(ctx, change.model);
    if (change.reasoningEffort !== undefined) patch.reasoningEffort = change.reasoningEffort ?? undefined;
    if (change.verbosity !== undefined) patch.verbosity = change.verbosity ?? undefined;
    if (change.maxTokens !== undefined) patch.maxTokens = change.maxTokens ?? undefined;
    await ctx.updateSettings(patch);
    const lines: string[] = [];
    if (patch.model) {
      lines.push(
        ctx.t({ en: '✅ Model set to {model}', zh: '✅ 模型已设置为 {model}' }, { model: patch.model }),
      );
    } else lines.push(ctx.t({ en: '✅ Settings saved.', zh: '✅ 设置已保存。' }));
    // A setting put back to its default shows as the default the router gives on the next message.
    await ctx.reply(
      [...lines, ...settingsLines(ctx, ctx.settings, change.maxTokens !== undefined)].join('\n'),
    );
  },
  async complete(ctx, _option, typed) {
    const models = await ctx.apicore.listModels({ signal: ctx.signal });
    const q = typed.toLowerCase();
    return models
      .filter((m) => m.id.toLowerCase().includes(q))
      .slice(0, 25)
      .map((m) => ({ value: m.id, label: m.id }));
  },
});
