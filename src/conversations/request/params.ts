import type { ChatSettings, ReasoningEffort, Verbosity } from '../../core/command.js';

/**
 * What each model family takes, in one place: which endpoint answers it, which of
 * `reasoning_effort`, `verbosity`, `temperature` it accepts, and how its answer length is capped.
 * Sources: ../shared/apicore-catalogue.md §6.4 (o3-pro: Responses API only), §6.5 (GPTs), §6.7
 * (gpt-5: `reasoning_effort`, `verbosity`, `max_completion_tokens`, no `temperature`), §6.1
 * (Claude: `max_tokens` required, thinking budget ≥ 1024 and below `max_tokens`).
 *
 * Embeddings (§6.6) are no chat route and are not used: recalling trimmed turns by similarity
 * would cost a paid call per message and a vector store per conversation, and make what the model
 * sees unpredictable (README, "Model families").
 */

/** Where a model is asked: chat completions, Claude's native /v1/messages, or /v1/responses. */
export type ChatRoute = 'chat' | 'claude' | 'responses';

/** Claude's answer cap when the chat sets none (`max_tokens` is required on /v1/messages). */
export const CLAUDE_MAX_TOKENS = 8_192;
/** Claude's extended-thinking budget (Anthropic: at least 1,024, and below `max_tokens`). */
export const CLAUDE_THINKING_BUDGET_TOKENS = 4_096;
/** The least thinking budget Claude accepts. */
export const CLAUDE_MIN_THINKING_BUDGET_TOKENS = 1_024;
/**
 * Reasoning models (o-series, gpt-5) count their hidden reasoning against
 * `max_completion_tokens` / `max_output_tokens`; OpenAI advises leaving about 25,000 tokens for
 * it. A chat's max_tokens caps the answer, so reasoning models get this much on top: without it
 * a 4,096 cap is often spent on reasoning alone and the answer comes back empty.
 */
export const REASONING_RESERVE_TOKENS = 25_000;

/** Vendor prefixes and `:free`-style suffixes do not change the family: `openai/o3:free` is o3. */
const bare = (model: string): string => model.toLowerCase().replace(/^.*\//, '').replace(/:.*$/, '');

/**
 * Models that put their reasoning inline as a `<think>…</think>` span at the very start of
 * `content` (some channels of these models do, others send `reasoning_content`). For any other
 * model, and anywhere but the start, `<think>` is text.
 */
export const THINK_TAG_MODELS: readonly RegExp[] = [
  /deepseek-r1/, // deepseek-r1, deepseek-r1-distill-*, deepseek/deepseek-r1:free
  /deepseek-reasoner/,
  /(^|[-_])r1([-_]|$)/, // r1-1776, *-r1-*
  /qwq/, // qwq-32b, qwq-plus
  /^qwen3-\d+(\.\d+)?b(-a\d+b)?$/, // hybrid qwen3 (thinks by default)
  /^qwen3.*-thinking/, // qwen3-235b-a22b-thinking-2507
  /-think(ing)?([-_]|$)/, // *-thinking, *-think (glm-4.5-thinking, kimi-k2-thinking, …)
  /^grok-(?!.*non-reasoning).*reasoning/, // grok-4-fast-reasoning, not grok-4-fast-non-reasoning
  /^grok-3-mini/, // grok-3-mini(-fast) reason before answering
  /minimax-m1/,
];

/** True when this model is known to emit a leading `<think>` span in its text. */
export function emitsThinkTags(model: string): boolean {
  const m = bare(model);
  return THINK_TAG_MODELS.some((re) => re.test(m));
}

/** Claude models go to /v1/messages (images, thinking, tools in Anthropic's own format). */
export function isClaudeFamily(model: string): boolean {
  return /^claude/.test(bare(model));
}

/** Models the gateway serves through the Responses API only (catalogue §6.4). */
const RESPONSES_ONLY = /^(o1-pro|o3-pro|gpt-5-pro|o3-deep-research|o4-mini-deep-research|codex-mini)/;

/** Which endpoint answers this model. */
export function routeOf(model: string): ChatRoute {
  const m = bare(model);
  if (RESPONSES_ONLY.test(m)) return 'responses';
  return isClaudeFamily(model) ? 'claude' : 'chat';
}

/** OpenAI's o-series reasoning models: o1, o3, o3-mini, o4-mini, o3-pro, … */
const isOSeries = (m: string) => /^o\d/.test(m);
/** gpt-5 and its reasoning siblings; `gpt-5-chat*` is the non-reasoning chat model. */
const isGpt5Reasoning = (m: string) => /^gpt-5/.test(m) && !/^gpt-5(\.\d+)?-chat/.test(m);

/** Takes `reasoning_effort` (o1, o3, o3-mini, o4-mini, gpt-5; not o1-mini / o1-preview). */
export function takesReasoningEffort(model: string): boolean {
  const m = bare(model);
  return (isOSeries(m) && !/^o1-(mini|preview)/.test(m)) || isGpt5Reasoning(m);
}

/** Takes `minimal` effort (gpt-5 only; the o-series start at `low`). */
export function takesMinimalEffort(model: string): boolean {
  return isGpt5Reasoning(bare(model));
}

/** Takes `verbosity` (gpt-5). */
export function takesVerbosity(model: string): boolean {
  return isGpt5Reasoning(bare(model));
}

/**
 * Caps its answer with `max_completion_tokens` instead of `max_tokens` (the o-series and gpt-5
 * refuse `max_tokens`).
 */
export function usesMaxCompletionTokens(model: string): boolean {
  const m = bare(model);
  return isOSeries(m) || /^gpt-5/.test(m);
}

/** Reasoning hidden in the completion budget: the reserve is added to the chat's cap. */
function reasonsInBudget(model: string): boolean {
  const m = bare(model);
  return isOSeries(m) || isGpt5Reasoning(m);
}

/** Accepts `temperature` (never the o-series nor gpt-5, except `gpt-5-chat*`). */
export function takesTemperature(model: string): boolean {
  const m = bare(model);
  return !isOSeries(m) && !isGpt5Reasoning(m);
}

/** The effort to send: `minimal` becomes `low` where only gpt-5 knows it. */
function effortFor(model: string, effort: ReasoningEffort): ReasoningEffort {
  return effort === 'minimal' && !takesMinimalEffort(model) ? 'low' : effort;
}

type Params = Pick<ChatSettings, 'maxTokens' | 'reasoningEffort' | 'verbosity'>;

/** Chat-completions parameters beyond model and messages, as the model takes them. */
export interface ChatParams {
  max_tokens?: number;
  max_completion_tokens?: number;
  reasoning_effort?: ReasoningEffort;
  verbosity?: Verbosity;
  temperature?: number;
}

/**
 * The parameters a chat's settings turn into for `model` on chat completions: the answer cap as
 * `max_tokens` or `max_completion_tokens` (0 or unset: not sent, the model's own default),
 * `reasoning_effort` and `verbosity` only where the model takes them, `temperature` never to a
 * reasoning model.
 */
export function chatParams(model: string, s: Params, temperature?: number): ChatParams {
  const out: ChatParams = {};
  const cap = s.maxTokens ?? 0;
  if (cap > 0) {
    if (usesMaxCompletionTokens(model)) {
      out.max_completion_tokens = cap + (reasonsInBudget(model) ? REASONING_RESERVE_TOKENS : 0);
    } else out.max_tokens = cap;
  }
  if (s.reasoningEffort && takesReasoningEffort(model))
    out.reasoning_effort = effortFor(model, s.reasoningEffort);
  if (s.verbosity && takesVerbosity(model)) out.verbosity = s.verbosity;
  if (temperature !== undefined && takesTemperature(model)) out.temperature = temperature;
  return out;
}

/** Responses-API parameters (o3-pro): `max_output_tokens`, `reasoning.effort`, `text.verbosity`. */
export interface ResponsesParams {
  max_output_tokens?: number;
  reasoning?: { effort: 'low' | 'medium' | 'high' };
  text?: { verbosity: Verbosity };
}

export function responsesParams(model: string, s: Params): ResponsesParams {
  const out: ResponsesParams = {};
  const cap = s.maxTokens ?? 0;
  // Every Responses-only model reasons: its reasoning counts against max_output_tokens.
  if (cap > 0) out.max_output_tokens = cap + REASONING_RESERVE_TOKENS;
  if (s.reasoningEffort && takesReasoningEffort(model)) {
    const effort = effortFor(model, s.reasoningEffort);
    out.reasoning = { effort: effort === 'minimal' ? 'low' : effort };
  }
  if (s.verbosity && takesVerbosity(model)) out.text = { verbosity: s.verbosity };
  return out;
}

/**
 * Claude's `max_tokens` (always sent: the chat's cap, or CLAUDE_MAX_TOKENS when it sets none) and
 * `thinking` for `*-thinking` models. The thinking budget comes on top of the answer cap, so it is
 * always at least 1,024 and below `max_tokens`, as Anthropic requires.
 */
export function claudeLimits(
  model: string,
  s: Params,
): { max_tokens: number; thinking?: { type: 'enabled'; budget_tokens: number } } {
  const cap = s.maxTokens && s.maxTokens > 0 ? s.maxTokens : CLAUDE_MAX_TOKENS;
  if (!/thinking/i.test(model)) return { max_tokens: cap };
  const budget = Math.max(CLAUDE_MIN_THINKING_BUDGET_TOKENS, CLAUDE_THINKING_BUDGET_TOKENS);
  return { max_tokens: cap + budget, thinking: { type: 'enabled', budget_tokens: budget } };
}

/** GPTs (catalogue §6.5): `gpt-4-gizmo-g-<id>`, any public GPT, listed or not. */
export const GIZMO_MODEL = /^gpt-4-gizmo-g-[A-Za-z0-9_-]{4,64}$/;

/** True for a GPTs model id (`gpt-4-gizmo-g-XXXX`). */
export function isGizmoModel(model: string): boolean {
  return GIZMO_MODEL.test(model);
}
