import type { Server } from 'node:http';
import type { Dispatcher } from 'undici';
import { commands as allCommands } from '../commands/index.js';
import { ApiCoreClient } from './apicore/client.js';
import type { Config } from './config.js';
import { createChatService } from './conversations/chat-service.js';
import type { AnyCommand } from './core/command.js';
import type { PlatformAdapter } from './core/platform.js';
import type { Store } from './core/store.js';
import { startHealthServer } from './health.js';
import type { Logger } from './log.js';
import { type Clock, SchedulerRegistry, systemClock } from './render/scheduler.js';
import { AccessPolicy } from './router/access.js';
import { Router } from './router/router.js';
import { ButtonRegistry } from './store/buttons.js';
import { openStore } from './store/index.js';
import { TaskPoller } from './tasks/poller.js';

/** How long commands in flight may run on after a shutdown signal. */
export const SHUTDOWN_GRACE_MS = 10_000;
const SCHEDULER_SWEEP_MS = 60_000;

export interface AppOptions {
  config: Config;
  log: Logger;
  adapters: PlatformAdapter[];
  store?: Store;
  dispatcher?: Dispatcher;
  clock?: Clock;
  commands?: readonly AnyCommand[];
  /** Serve GET /healthz on this port (0 picks a free one). */
  healthPort?: number | undefined;
}

export interface App {
  router: Router;
  poller: TaskPoller;
  apicore: ApiCoreClient;
  store: Store;
  start(): Promise<void>;
  /** Where /healthz is served, once started with a health port. */
  healthAddress: string | undefined;
  stop(graceMs?: number): Promise<void>;
}

/** Wires config → store → client → router → adapters. Used by main and by end-to-end tests. */
export function createApp(options: AppOptions): App {
  const { config, log, adapters } = options;
  const store = options.store ?? openStore(config.storeUrl);
  const apicore = new ApiCoreClient({
    baseUrl: config.apicore.baseUrl,
    apiKey: config.apicore.apiKey,
    timeoutMs: config.apicore.timeoutMs,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const schedulers = new SchedulerRegistry(options.clock ?? systemClock);
  const poller = new TaskPoller({
    store,
    apicore,
    buttons: new ButtonRegistry(store),
    schedulers,
    log: log.child({ component: 'tasks' }),
    intervalMs: config.taskPollIntervalMs,
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
    access: new AccessPolicy(config.access, store),
    ratePerMinute: config.access.ratePerMinute,
  });
  let sweep: NodeJS.Timeout | undefined;
  let health: Server | undefined;
  let ready = false;
  return {
    get healthAddress() {
      const a = health?.address();
      return a && typeof a === 'object' ? `http://127.0.0.1:${a.port}` : undefined;
    },
    router,
    poller,
    apicore,
    store,
    async start() {
      sweep = setInterval(() => schedulers.sweep(), SCHEDULER_SWEEP_MS);
      sweep.unref();
      for (const adapter of adapters) await adapter.start(router.hooksFor(adapter));
      await poller.start(adapters);
      ready = true;
      if (options.healthPort !== undefined) {
        health = await startHealthServer(options.healthPort, {
          adapters,
          store,
          ready: () => ready,
          pendingTasks: () => poller.pending,
        });
      }
      log.info({ platforms: adapters.map((a) => a.name), model: config.defaultModel }, 'ready');
    },
    async stop(graceMs = SHUTDOWN_GRACE_MS) {
      // No new commands; answers in flight finish (within the grace period); tasks stay in the store.
      ready = false;
      await Promise.allSettled(adapters.map((a) => a.stop()));
      await router.drain(graceMs);
      // Pending tasks stay in the store; the next start resumes them.
      await poller.stop();
      clearInterval(sweep);
      await apicore.close().catch(() => {});
      await store.close();
      if (health) await new Promise<void>((resolve) => health!.close(() => resolve()));
    },
  };
}
