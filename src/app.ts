import type { Server } from 'node:http';
import type { Dispatcher } from 'undici';
import { commands as allCommands } from '../commands/index.js';
import { ApiCoreClient } from './apicore/client.js';
import type { Config } from './config.js';
import { createChatService } from './conversations/chat-service.js';
import { loadEncodings, tokenizerFamily } from './conversations/tokens.js';
import type { AnyCommand } from './core/command.js';
import type { PlatformAdapter, PlatformHealth } from './core/platform.js';
import type { SharedBudget } from './core/shared-budget.js';
import type { Store } from './core/store.js';
import { type AppPhase, startHealthServer } from './health.js';
import { type Logger, scrub } from './log.js';
import { PromMetrics } from './metrics.js';
import { StorePublicFiles } from './public-files.js';
import { botBudgetsOf, type Clock, SchedulerRegistry, systemClock } from './render/scheduler.js';
import { AccessPolicy } from './router/access.js';
import { GroupSongs } from './router/group-songs.js';
import { Router } from './router/router.js';
import { ButtonRegistry } from './store/buttons.js';
import { openStore, sweepPeriodically } from './store/index.js';
import { TaskPoller } from './tasks/poller.js';
import { BullTaskQueue } from './tasks/queue/bullmq.js';
import { retryDelayMs } from './tasks/queue/retry.js';

/** How long commands in flight may run on after a shutdown signal. */
export const SHUTDOWN_GRACE_MS = 10_000;
const SCHEDULER_SWEEP_MS = 60_000;
/** Longest start-failure reason /healthz repeats (the log line has the whole error). */
const START_REASON_MAX_CHARS = 200;
/** A platform that could not start is tried again after this long, doubling up to START_RETRY_MAX_MS. */
const START_RETRY_FIRST_MS = 5_000;
const START_RETRY_MAX_MS = 5 * 60_000;

const isRedisUrl = (url: string) => url.startsWith('redis://') || url.startsWith('rediss://');

export interface AppOptions {
  config: Config;
  log: Logger;
  adapters: PlatformAdapter[];
  store?: Store;
  dispatcher?: Dispatcher;
  clock?: Clock;
  commands?: readonly AnyCommand[];
  /** Cluster mode: chat and bot-wide budgets shared with the other instances (closed by stop()). */
  sharedBudget?: (SharedBudget & { close(): Promise<void> }) | undefined;
  /** How soon a platform that could not start is tried again, doubling up to `maxMs` (5 s, 5 min). */
  startRetry?: { firstMs: number; maxMs: number } | undefined;
  /** Serve GET /healthz on this port (0 picks a free one). */
  healthPort?: number | undefined;
  /** The /metrics registry (main shares it with the adapters, for their 429s); one is made otherwise. */
  metrics?: PromMetrics | undefined;
}

export interface App {
  router: Router;
  poller: TaskPoller;
  apicore: ApiCoreClient;
  store: Store;
  /** What GET /metrics (beside /healthz) shows. */
  metrics: PromMetrics;
  /**
   * Serves /healthz first, then starts every platform at once: one that cannot start is logged
   * and reported unhealthy, and never stops the others. Rejects only when the app itself cannot
   * run (the health port is taken, the task queue cannot start).
   */
  start(): Promise<void>;
  /** Where /healthz is served, once started with a health port. */
  healthAddress: string | undefined;
  /** Each platform's state, as /healthz shows it. */
  platformHealth(): Record<string, PlatformHealth>;
  stop(graceMs?: number): Promise<void>;
}

/** Wires config → store → client → router → adapters. Used by main and by end-to-end tests. */
export function createApp(options: AppOptions): App {
  const { config, log, adapters } = options;
  const store = options.store ?? openStore(config.storeUrl);
  const metrics = options.metrics ?? new PromMetrics();
  const apicore = new ApiCoreClient({
    baseUrl: config.apicore.baseUrl,
    apiKey: config.apicore.apiKey,
    timeoutMs: config.apicore.timeoutMs,
    streamIdleTimeoutMs: config.apicore.streamIdleMs,
    metrics,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  // Bot-wide budgets pace every process (fair between chats, finals first), and across processes
  // through the shared budget when there is one. TELEGRAM_MAX_PER_SECOND replaces Telegram's 30/s.
  const maxPerSecond = config.telegram?.maxPerSecond;
  const botBudgets = botBudgetsOf(adapters, {
    // Discord's global limit is enforced by discord.js itself for channel messages, and interaction
    // webhook calls (most of an answer's edits) are exempt: a bot-wide budget here would only slow
    // those down (issue 13's fix).
    discord: null,
    ...(maxPerSecond !== undefined
      ? { telegram: maxPerSecond > 0 ? { count: maxPerSecond, perMs: 1000 } : null }
      : {}),
  });
  const schedulers = new SchedulerRegistry(options.clock ?? systemClock, {
    botBudgets,
    ...(options.sharedBudget ? { shared: options.sharedBudget } : {}),
    log: log.child({ component: 'pacing' }),
  });
  // With Redis, ticks and chat jobs run across every instance on BullMQ; otherwise in this process.
  const queue = isRedisUrl(config.storeUrl)
    ? new BullTaskQueue({
        url: config.storeUrl,
        log: log.child({ component: 'task-queue' }),
        lockMs: config.taskJobLockMs,
      })
    : undefined;
  const poller = new TaskPoller({
    ...(queue ? { queue, tickHoldMs: config.taskJobLockMs } : {}),
    store,
    apicore,
    buttons: new ButtonRegistry(store),
    schedulers,
    log: log.child({ component: 'tasks' }),
    intervalMs: config.taskPollIntervalMs,
    metrics,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const router = new Router({
    commands: options.commands ?? allCommands,
    apicore,
    store,
    chatService: createChatService(store),
    tasks: poller,
    schedulers,
    log,
    defaultModel: config.defaultModel,
    defaultMaxTokens: config.defaultMaxTokens,
    access: new AccessPolicy(config.access, store),
    ratePerMinute: config.access.ratePerMinute,
    songs: {
      defaultModel: config.songs.defaultModel,
      groups: new GroupSongs(config.songs.groupDailySongs, store),
    },
    publicFiles: config.songs.publicBaseUrl
      ? new StorePublicFiles(store, config.songs.publicBaseUrl)
      : undefined,
    metrics,
  });
  metrics.pendingFrom(() => poller.pendingByKind());
  metrics.declarePlatforms(adapters.map((a) => a.name));
  // PUBLIC_BASE_URL is served by the health server: it runs whenever files are to be published.
  const healthPort = options.healthPort ?? (config.songs.publicBaseUrl ? config.healthPort : undefined);
  let sweep: NodeJS.Timeout | undefined;
  let stopStoreSweep: (() => void) | undefined;
  let health: Server | undefined;
  let phase: AppPhase = 'starting';
  /** What the app saw of each start(): pending, or rejected with a reason. Resolved: the adapter says. */
  const startStates = new Map<PlatformAdapter, PlatformHealth>();
  const secrets = [config.apicore.apiKey, config.telegram?.token, config.discord?.token].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  const healthOf = (adapter: PlatformAdapter): PlatformHealth => {
    const started = startStates.get(adapter);
    if (started?.state === 'unhealthy') return started;
    if (adapter.health) return adapter.health();
    if (started) return started;
    if (phase === 'stopping') return { state: 'stopped' };
    return adapter.healthy?.() === false ? { state: 'unhealthy', reason: 'not connected' } : { state: 'up' };
  };
  const platformHealth = () => Object.fromEntries(adapters.map((a) => [a.name, healthOf(a)]));
  const retry = options.startRetry ?? { firstMs: START_RETRY_FIRST_MS, maxMs: START_RETRY_MAX_MS };
  const retryTimers = new Set<NodeJS.Timeout>();
  /**
   * Starts one platform; a failure is logged and kept for /healthz, never thrown. One that may pass
   * later (the API unreachable, a 5xx) is tried again in the background, backing off; a permanent
   * one (a refused token) waits for the operator.
   */
  const startPlatform = async (adapter: PlatformAdapter, attempt = 1): Promise<void> => {
    if (attempt === 1) startStates.set(adapter, { state: 'starting' });
    try {
      await adapter.start(router.hooksFor(adapter));
      startStates.delete(adapter);
      if (attempt > 1) log.info({ platform: adapter.name, attempt }, `${adapter.name} started`);
    } catch (error) {
      const message = scrub(error instanceof Error ? error.message : String(error), secrets);
      const permanent = (error as { permanent?: unknown } | null)?.permanent === true;
      const again =
        permanent || phase === 'stopping'
          ? undefined
          : Math.min(retryDelayMs(attempt, retry.firstMs), retry.maxMs);
      const reason = `could not start: ${message.slice(0, START_REASON_MAX_CHARS)}`;
      startStates.set(adapter, {
        state: 'unhealthy',
        reason: again === undefined ? reason : `${reason} (trying again in ${Math.ceil(again / 1000)} s)`,
      });
      // The first failure is an error; the retries that follow say the same at a lower level.
      log[attempt === 1 ? 'error' : 'warn'](
        { platform: adapter.name, err: error, attempt, retryInMs: again },
        `${adapter.name} could not start; the other platforms run without it`,
      );
      if (again === undefined) return;
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        if (phase !== 'stopping') void startPlatform(adapter, attempt + 1);
      }, again);
      timer.unref();
      retryTimers.add(timer);
    }
  };
  return {
    get healthAddress() {
      const a = health?.address();
      return a && typeof a === 'object' ? `http://127.0.0.1:${a.port}` : undefined;
    },
    platformHealth,
    router,
    poller,
    apicore,
    store,
    metrics,
    async start() {
      // First, so /healthz answers ("starting") while platforms connect, however long that takes.
      if (healthPort !== undefined) {
        health = await startHealthServer(healthPort, {
          phase: () => phase,
          platforms: platformHealth,
          store,
          pendingTasks: () => poller.pending,
          // Node's process series (RSS, GC, event-loop delay) only where someone can scrape them.
          metrics: metrics.withProcess(),
        });
        const address = health.address();
        log.info({ port: typeof address === 'object' ? address?.port : address }, 'serving /healthz');
      }
      sweep = setInterval(() => schedulers.sweep(), SCHEDULER_SWEEP_MS);
      sweep.unref();
      // SQLite and memory keep expired keys until swept; Redis expires them itself.
      stopStoreSweep = sweepPeriodically(store, { log });
      // Side by side: a platform that is slow to connect, or cannot, holds up none of the others.
      await Promise.all(adapters.map((adapter) => startPlatform(adapter)));
      // Stopped while platforms were still connecting (a signal during start-up): nothing more to start.
      if (phase === 'stopping') return;
      await poller.start(adapters);
      phase = 'ready';
      const platforms = Object.fromEntries(
        Object.entries(platformHealth()).map(([name, h]) => [name, h.state]),
      );
      log.info({ platforms, model: config.defaultModel }, 'ready');
      // The default model's tokenizer takes ~0.5 s of CPU to load: once, just after start-up rather
      // than in the first answer (and not before "ready").
      setImmediate(() => {
        loadEncodings(tokenizerFamily(config.defaultModel)).catch((error: unknown) =>
          log.warn({ err: error }, 'could not load the tokenizer; it loads with the first answer'),
        );
      });
    },
    async stop(graceMs = SHUTDOWN_GRACE_MS) {
      // No new commands; answers in flight finish (within the grace period); tasks stay in the store.
      phase = 'stopping';
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      await Promise.allSettled(adapters.map((a) => a.stop()));
      await router.drain(graceMs);
      // Pending tasks stay in the store; the next start resumes them.
      await poller.stop();
      clearInterval(sweep);
      stopStoreSweep?.();
      await apicore.close().catch(() => {});
      await options.sharedBudget?.close().catch(() => {});
      await store.close();
      if (health) await new Promise<void>((resolve) => health!.close(() => resolve()));
    },
  };
}
