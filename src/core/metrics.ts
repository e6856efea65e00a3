/**
 * What the bot counts for `/metrics` (src/metrics.ts turns it into Prometheus series). Every label
 * is bounded: a platform's name, a task kind, an error kind; never a chat, a user or a message.
 * The recorders are called on hot paths, so an implementation only adds to counters in memory.
 */
export interface Metrics {
  /** Time from the start of an answer (its placeholder) to the first request carrying its text. */
  firstText(platform: string, ms: number): void;
  /** One edit (or draft update) of a streamed answer. */
  edit(platform: string): void;
  /** Tokens of one finished streamed answer, as the gateway reported its usage. */
  tokens(n: number): void;
  /** A task closed: its results delivered (`done`) or its failure shown (`failed`). */
  taskClosed(kind: string, state: 'done' | 'failed'): void;
  /** A call to APICore failed (each failed attempt, a cut stream too); `cancelled` is not counted. */
  upstreamError(kind: string): void;
  /** The platform answered 429 (Too Many Requests). */
  platform429(platform: string): void;
}

/** The recorders of one platform, as the renderer of one answer uses them. */
export interface AnswerMetrics {
  firstText(ms: number): void;
  edit(): void;
  tokens(n: number): void;
}

/** Records nothing: tests, and code run without a registry. */
export const noMetrics: Metrics = {
  firstText() {},
  edit() {},
  tokens() {},
  taskClosed() {},
  upstreamError() {},
  platform429() {},
};

/** `metrics` bound to one platform, for the renderer (which never knows the platform's name). */
export function answerMetrics(metrics: Metrics | undefined, platform: string): AnswerMetrics | undefined {
  if (!metrics) return undefined;
  return {
    firstText: (ms) => metrics.firstText(platform, ms),
    edit: () => metrics.edit(platform),
    tokens: (n) => metrics.tokens(n),
  };
}

/**
 * A stopwatch started now: the first call with text says how long the answer took to show it
 * (recorded once); later calls do nothing.
 */
export function firstTextClock(metrics: AnswerMetrics | undefined, now = Date.now): () => void {
  if (!metrics) return () => {};
  const startedAt = now();
  let seen = false;
  return () => {
    if (seen) return;
    seen = true;
    metrics.firstText(now() - startedAt);
  };
}
