import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from './core/metrics.js';

/** Seconds from an answer's start to its first text: a round trip, a slow model, a busy chat. */
const FIRST_TEXT_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];
/** Resolution of the event-loop delay histogram behind `nodejs_eventloop_lag_*` (prom-client's unit). */
const EVENT_LOOP_PRECISION_MS = 10;

/** Open tasks per kind, counted when Prometheus scrapes (the poller's store index). */
export type PendingByKind = () => Promise<Record<string, number>>;

/**
 * The bot's figures in the Prometheus convention, on a registry of its own (several apps in one
 * test process never share counters): first-text latency and edits per platform, tokens
 * streamed, open tasks per kind (counted at scrape), tasks closed per kind, upstream errors per
 * kind, platform 429s; with `withProcess()`, Node's process metrics (RSS, heap, GC, event-loop
 * delay). Labels are platform names and kinds only, never a chat or a user.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #firstText = new Histogram({
    name: 'apicore_bot_first_text_seconds',
    help: 'Time from the start of a streamed answer (its placeholder) to the first request carrying its text.',
    labelNames: ['platform'] as const,
    buckets: FIRST_TEXT_BUCKETS_S,
    registers: [this.registry],
  });
  readonly #edits = new Counter({
    name: 'apicore_bot_answer_edits_total',
    help: 'Edits and draft updates of streamed answers.',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: 'apicore_bot_answer_tokens_total',
    help: 'Tokens of finished streamed answers, as the gateway reported their usage.',
    registers: [this.registry],
  });
  readonly #delivered = new Counter({
    name: 'apicore_bot_tasks_delivered_total',
    help: 'Tasks (Midjourney, Suno, video…) closed with their results delivered.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #failed = new Counter({
    name: 'apicore_bot_tasks_failed_total',
    help: 'Tasks closed with a failure shown (upstream failure, deadline, interrupted).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #upstreamErrors = new Counter({
    name: 'apicore_bot_upstream_errors_total',
    help: 'Failed APICore calls (every attempt, cut streams too) by error kind; cancellations not counted.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #platform429 = new Counter({
    name: 'apicore_bot_platform_429_total',
    help: 'Too Many Requests answers from a platform (Telegram Bot API, Discord REST).',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });
  #pending: PendingByKind | undefined;
  #process = false;

  constructor() {
    const pending = () => this.#pending;
    new Gauge({
      name: 'apicore_bot_tasks_pending',
      help: 'Open tasks per kind, counted from the task store when scraped.',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        const count = pending();
        if (!count) return;
        this.reset();
        for (const [kind, n] of Object.entries(await count())) this.set({ kind }, n);
      },
    });
  }

  /** Where open tasks are counted at scrape time (the poller). */
  pendingFrom(count: PendingByKind): void {
    this.#pending = count;
  }

  /** Series at 0 for these platforms, so a rate() has a start before the first event. */
  declarePlatforms(platforms: readonly string[]): void {
    for (const platform of platforms) {
      this.#firstText.zero({ platform });
      this.#edits.inc({ platform }, 0);
      this.#platform429.inc({ platform }, 0);
    }
  }

  /** Adds Node's process metrics (RSS, heap, GC, handles, event-loop delay); once per registry. */
  withProcess(): this {
    if (this.#process) return this;
    this.#process = true;
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS });
    return this;
  }

  /** The scrape: Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  firstText(platform: string, ms: number): void {
    this.#firstText.observe({ platform }, ms / 1000);
  }

  edit(platform: string): void {
    this.#edits.inc({ platform });
  }

  tokens(n: number): void {
    if (n > 0) this.#tokens.inc(n);
  }

  taskClosed(kind: string, state: 'done' | 'failed'): void {
    (state === 'done' ? this.#delivered : this.#failed).inc({ kind });
  }

  upstreamError(kind: string): void {
    if (kind !== 'cancelled') this.#upstreamErrors.inc({ kind });
  }

  platform429(platform: string): void {
    this.#platform429.inc({ platform });
  }
}
