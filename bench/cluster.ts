/**
 * The cluster phase of `npm run bench`: three bot processes of the shipped bundle on one real
 * redis-server (STORE_URL=redis://…, so poll ticks and deliveries run on BullMQ), Telegram by
 * webhook, the fake Telegram and the bench upstream in the fakes process as for every phase.
 *
 * 1. 200 tasks (half /imagine, half /song, one per private chat) are posted to the instances'
 *    webhooks in turn, as a load balancer would, and stay queued upstream;
 * 2. the batch requests the cluster makes are counted over a window of 20 poll intervals: at most
 *    one per kind per interval cluster-wide, at most 100 ids each;
 * 3. once the status edits of the submits are done, 100 songs finish together (200 clips, one chat
 *    each, so no chat's own budget is in the way): parts delivered per second, and every sendAudio
 *    counted per clip title for duplicates.
 *
 * Throughout, the bot-wide Telegram budget's grant log is read from Redis, to tell the budget the
 * instances take from the rate their requests reach the fake Telegram. Bounded: about a minute, at
 * most about 5 when something hangs.
 *
 * It needs redis-server (REDIS_SERVER_BIN names another binary); without it the phase is skipped.
 * Every process it starts is stopped when it ends, and killed if the bench exits first.
 */
import { randomBytes } from 'node:crypto';
import { REDIS_SERVER_BIN, redisServerAvailable } from '../test/helpers/redis-available.js';
import { BotProcess } from './lib/bot-process.js';
import type { BotBuild } from './lib/build.js';
import type { FakesClient } from './lib/fakes-client.js';
import type { ClusterDeliverResult, ClusterPollsResult, ClusterSubmitResult } from './lib/protocol.js';
import { childPid, redisCommand } from './lib/redis-info.js';
import { peakInWindow, percentile, sleep } from './lib/stats.js';

export const CLUSTER = {
  instances: 3,
  tasks: 200,
  /** TASK_POLL_INTERVAL_MS of every instance. */
  intervalMs: 500,
  /** Intervals in the window where requests are counted. */
  pollIntervals: 20,
  /** Songs finishing together (two clips each). */
  songs: 100,
  /** Webhook posts in flight at once. */
  postConcurrency: 32,
};

/**
 * The instances' bot-wide Telegram budget in Redis (src/store/shared-budget.ts, default prefix): a
 * list of grant times (Redis's clock, ms), each kept a window (1 s) or longer.
 */
const BOT_BUDGET_KEY = 'apicore-bot:budget:bot:telegram';
const GRANT_SAMPLE_MS = 100;

/** Reads the budget's grant list every GRANT_SAMPLE_MS from this (otherwise idle) process: every grant of the phase. */
class GrantLog {
  /** Grant time → grants at that millisecond. */
  readonly #grants = new Map<number, number>();
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(port: number) {
    this.#loop = (async () => {
      while (!this.#stopped) {
        const list = await redisCommand(port, 'LRANGE', BOT_BUDGET_KEY, '0', '-1').catch(() => []);
        const seen = new Map<number, number>();
        for (const v of Array.isArray(list) ? list : []) seen.set(Number(v), (seen.get(Number(v)) ?? 0) + 1);
        for (const [at, n] of seen) this.#grants.set(at, Math.max(n, this.#grants.get(at) ?? 0));
        await sleep(GRANT_SAMPLE_MS);
      }
    })();
  }

  async stop(): Promise<number[]> {
    this.#stopped = true;
    await this.#loop;
    return [...this.#grants].flatMap(([at, n]) => Array.from({ length: n }, () => at)).sort((a, b) => a - b);
  }
}

export interface BudgetCheck {
  /** Grants read from Redis, and requests that reached the fake Telegram: equal when none was missed. */
  grants: number;
  requests: number;
  peakPerSecond: number;
  /** The k-th request's arrival after the k-th grant (only when every grant was seen): all, and during the delivery. */
  lagMs: { p50: number; p99: number; max: number } | undefined;
  deliveryLagMs: { p50: number; p99: number; max: number } | undefined;
}

function budgetCheck(grants: number[], deliver: ClusterDeliverResult): BudgetCheck {
  const arrivals = deliver.arrivals;
  const complete = grants.length === arrivals.length;
  const lag = (from: number, to: number) => {
    const xs = arrivals.flatMap((at, k) => (at >= from && at <= to ? [at - grants[k]!] : []));
    return { p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) };
  };
  return {
    grants: grants.length,
    requests: arrivals.length,
    peakPerSecond: peakInWindow(grants, 1000).peak,
    lagMs: complete ? lag(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY) : undefined,
    deliveryLagMs: complete ? lag(deliver.finishedAt, deliver.lastPartAt) : undefined,
  };
}

export interface ClusterPhase {
  instances: number;
  tasks: number;
  intervalMs: number;
  submit: ClusterSubmitResult;
  polls: ClusterPollsResult;
  /** Without the arrival times (kept only for the budget check). */
  deliver: Omit<ClusterDeliverResult, 'arrivals'>;
  budget: BudgetCheck;
  /** Warnings and errors the instances logged. */
  problems: string[];
  seconds: number;
}

/** Why the cluster phase cannot run here, or undefined when it can. */
export function clusterSkipReason(): string | undefined {
  if (redisServerAvailable) return undefined;
  return `${REDIS_SERVER_BIN} is not on PATH (apt-get install -y redis-server, or set REDIS_SERVER_BIN)`;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function clusterPhase(
  fakes: FakesClient,
  build: BotBuild,
  log: (text: string) => void,
): Promise<ClusterPhase> {
  const t0 = performance.now();
  const { startRedisServer, freePort } = await import('../test/helpers/redis-server.js');
  const redis = await startRedisServer(); // stopped below, and killed by the helper if the bench exits first
  const bots: BotProcess[] = [];
  // Should the bench die on the way, none of its processes outlive it.
  const killAll = () => {
    for (const bot of bots) bot.kill();
  };
  process.once('exit', killAll);
  let grantLog: GrantLog | undefined;
  try {
    const session = await fakes.startSession('telegram');
    const secret = randomBytes(16).toString('base64url');
    const ports: number[] = [];
    for (let i = 0; i < CLUSTER.instances; i++) {
      const port = await freePort();
      ports.push(port);
      bots.push(
        new BotProcess({
          build,
          session,
          monitor: false,
          storeUrl: redis.url,
          logLevel: 'info', // "ready" is logged at info; webhook instances never call getUpdates
          env: {
            TELEGRAM_WEBHOOK_URL: 'https://bot.example/telegram',
            TELEGRAM_WEBHOOK_PORT: String(port),
            TELEGRAM_WEBHOOK_SECRET: secret,
            TASK_POLL_INTERVAL_MS: String(CLUSTER.intervalMs),
          },
        }),
      );
    }
    await within(Promise.all(bots.map((b) => b.ready)), 30_000, 'the instances to be ready');
    log(`cluster: ${CLUSTER.instances} instances ready; posting ${CLUSTER.tasks} tasks to their webhooks…`);
    grantLog = new GrantLog(redis.port);

    const submit = await fakes.clusterSubmit({
      ports,
      secret,
      n: CLUSTER.tasks,
      firstChatId: 700_001,
      concurrency: CLUSTER.postConcurrency,
      timeoutMs: 120_000, // ≈ 20 s: every task's first message waits for the bot-wide budget (30/s)
      probe: {
        botPids: bots.map((b) => b.pid),
        redisPid: childPid(process.pid, 'redis-server'),
        redisPort: redis.port,
      },
    });
    if (submit.submitted < CLUSTER.tasks)
      throw new Error(
        `only ${submit.submitted}/${CLUSTER.tasks} tasks reached the upstream (${submit.posted} posted; ${submit.postFailures.join('; ')})`,
      );
    log(
      `cluster: ${submit.submitted} tasks submitted in ${(submit.submitMs / 1000).toFixed(1)} s; counting poll requests over ${CLUSTER.pollIntervals} intervals…`,
    );

    const polls = await fakes.clusterPolls({
      intervalMs: CLUSTER.intervalMs,
      settleMs: 2 * CLUSTER.intervalMs,
      windowMs: CLUSTER.pollIntervals * CLUSTER.intervalMs,
    });
    log(
      `cluster: ${polls.mj.requests} mj and ${polls.suno.requests} suno requests in ${CLUSTER.pollIntervals} intervals; waiting for the status edits, then ${CLUSTER.songs} songs finish…`,
    );

    const deliver = await fakes.clusterDeliver({
      songs: CLUSTER.songs,
      quietMs: 2_000,
      quietTimeoutMs: 60_000,
      strayMs: Math.max(3_000, 4 * CLUSTER.intervalMs),
      timeoutMs: 60_000,
      idleMs: 3_000,
    });
    const budget = budgetCheck(await grantLog.stop(), deliver);
    const { arrivals: _, ...kept } = deliver;
    log(
      `cluster: ${deliver.delivered}/${deliver.clips} clips in ${(deliver.lastPartMs / 1000).toFixed(1)} s, ${deliver.duplicates} duplicate(s)`,
    );
    return {
      instances: CLUSTER.instances,
      tasks: CLUSTER.tasks,
      intervalMs: CLUSTER.intervalMs,
      submit,
      polls,
      deliver: kept,
      budget,
      problems: bots.flatMap((b, i) => b.problems.map((line) => `instance ${i + 1}: ${line}`)),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await grantLog?.stop();
    await Promise.all(bots.map((b) => b.stop(5_000)));
    process.off('exit', killAll);
    await redis.stop();
    await fakes.endSession().catch(() => {});
  }
}
