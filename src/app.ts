import type { Dispatcher } from 'undici';
import { commands as allCommands } from '../commands/index.js';
import { ApiCoreClient } from './apicore/client.js';
import type { Config } from './config.js';
import { createChatService } from './conversations/chat-service.js';
import type { AnyCommand } from './core/command.js';
import type { PlatformAdapter } from './core/platform.js';
import type { Store } from './core/store.js';
import type { Logger } from './log.js';
import { type Clock, SchedulerRegistry, systemClock } from './render/scheduler.js';
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
}

export interface App {
  router: Router;
  poller: TaskPoller;
  apicore: ApiCoreClient;
  store: Store;
  start(): Promise<void>;
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
  });
  let sweep: NodeJS.Timeout | undefined;
  return {
    router,
    poller,
    apicore,
    store,
    async start() {
      sweep = setInterval(() => schedulers.sweep(), SCHEDULER_SWEEP_MS);
      sweep.unref();
      for (const adapter of adapters) await adapter.start(router.hooksFor(adapter));
      await poller.start(adapters);
      log.info({ platforms: adapters.map((a) => a.name), model: config.defaultModel }, 'ready');
    },
    async stop(graceMs = SHUTDOWN_GRACE_MS) {
      await Promise.allSettled(adapters.map((a) => a.stop()));
      await router.drain(graceMs);
      // Pending tasks stay in the store; the next start resumes them.
      await poller.stop();
      clearInterval(sweep);
      await apicore.close().catch(() => {});
      await store.close();
    },
  };
}
