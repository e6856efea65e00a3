/** Time limits for APICore calls, and which models are allowed to think for longer. */

/** Default total time for a call that is not streamed (headers and body). */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Default longest silence of a stream: before its first byte, and between two chunks. */
export const DEFAULT_STREAM_IDLE_MS = 90_000;
/** The least silence a reasoning model's stream is allowed (it may think minutes before its first token). */
export const DEFAULT_REASONING_IDLE_MS = 300_000;
/** The least total time a reasoning model's non-streamed call (e.g. o3-pro on /v1/responses) is allowed. */
export const DEFAULT_REASONING_TIMEOUT_MS = 600_000;

/**
 * Models that may stay silent for minutes while they reason: the o-series (o1, o3, o4-mini, o3-pro…),
 * gpt-5, `*-thinking` variants, DeepSeek R1 / reasoner, QwQ; and any Claude request with thinking on.
 */
export function isReasoningModel(model: string, opts: { thinking?: boolean } = {}): boolean {
  if (opts.thinking) return true;
  const m = model.toLowerCase().replace(/^.*\//, '');
  return (
    /^o\d(?:$|[-.])/.test(m) ||
    /^gpt-5(?!-chat)/.test(m) ||
    /(?:^|[-_])thinking(?:$|[-_])/.test(m) ||
    /deepseek-(?:r1|reasoner)/.test(m) ||
    /^qwq/.test(m)
  );
}

/** The idle limit for a stream of this model. */
export function streamIdleFor(
  model: string,
  idleMs: number,
  reasoningIdleMs: number,
  thinking = false,
): number {
  return isReasoningModel(model, { thinking }) ? Math.max(idleMs, reasoningIdleMs) : idleMs;
}

/** The total limit for a non-streamed call to this model. */
export function callTimeoutFor(
  model: string | undefined,
  timeoutMs: number,
  reasoningTimeoutMs: number,
): number {
  return model !== undefined && isReasoningModel(model) ? Math.max(timeoutMs, reasoningTimeoutMs) : timeoutMs;
}
