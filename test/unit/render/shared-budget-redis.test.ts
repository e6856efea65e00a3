import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import type { Logger } from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Budget } from '../../../src/core/platform.js';
import { type ChatScheduler, SchedulerRegistry } from '../../../src/render/scheduler.js';
import { connectSharedBudget } from '../../../src/store/shared-budget.js';
import {
  describeWithRedis,
  freePort,
  type RedisServer,
  startRedisServer,
} from '../../helpers/redis-server.js';

/**
 * Grant times are taken in this process when a grant resolves, a little after Redis decided it;
 * two grants a window apart at the server may look up to this much closer here.
 */
const JITTER_MS = 200;

type Shared = Awaited<ReturnType<typeof connectSharedBudget>>;

/** Most grants within any window of `ms` starting at a grant. */
function mostInAnyWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (const [i, t] of sorted.entries())
    most = Math.max(most, sorted.slice(i).filter((u) => u < t + ms).length);
  return most;
}

/** Asks `n` operations at once through `pacer` and resolves with their grant times. */
function grants(pacer: ChatScheduler, n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => pacer.acquire(`m${i}`).then(() => Date.now())));
}

describeWithRedis('shared budget on Redis', () => {
  let server: RedisServer;
  let raw: ReturnType<typeof createClient>;
  const open: Shared[] = [];
  /** A connection of its own, as another bot process would have, under this test's prefix. */
  const connect = async (keyPrefix: string): Promise<Shared> => {
    const shared = await connectSharedBudget(server.url, undefined, { keyPrefix });
    open.push(shared);
    return shared;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });

  afterAll(async () => {
    for (const shared of open) await shared.close();
    if (raw?.isOpen) await raw.close();
    await server?.stop();
  });

  it('takes while the window has room, then answers the wait; a refund gives the newest back', async () => {
    const prefix = `t-${randomUUID()}`;
    const shared = await connect(prefix);
    const budget: Budget = { count: 3, perMs: 1000 };
    expect([
      await shared.take('k', budget),
      await shared.take('k', budget),
      await shared.take('k', budget),
    ]).toEqual([0, 0, 0]);
    const wait = await shared.take('k', budget);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1000);
    await shared.refund('k', budget);
    expect(await shared.take('k', budget)).toBe(0);
    expect(await shared.take('k', budget)).toBeGreaterThan(0);
    // One list of grant times per key, gone once its window has passed.
    expect(await raw.type(`${prefix}:k`)).toBe('list');
    expect(await raw.lLen(`${prefix}:k`)).toBe(3);
    expect(await raw.pTTL(`${prefix}:k`)).toBeLessThanOrEqual(1000);
    // A window under a second is kept as one second: stricter, never looser.
    expect(await shared.take('short', { count: 1, perMs: 100 })).toBe(0);
    expect(await shared.take('short', { count: 1, perMs: 100 })).toBeGreaterThan(100);
  });

  it('two processes streaming into one chat grant at most `count` in any window together', async () => {
    const prefix = `t-${randomUUID()}`;
    const budget: Budget = { count: 3, perMs: 1000 };
    const a = new SchedulerRegistry(undefined, { shared: await connect(prefix) });
    const b = new SchedulerRegistry(undefined, { shared: await connect(prefix) });
    // One early grant, then both busy: a window counted from the first grant would let the rest of
    // its room and the next window's whole room through together at its edge.
    const early = await grants(a.for('telegram:-100', budget, 0), 1);
    await sleep(500);
    const [fromA, fromB] = await Promise.all([
      grants(a.for('telegram:-100', budget, 0), 4),
      grants(b.for('telegram:-100', budget, 0), 5),
    ]);
    const all = [...early, ...fromA, ...fromB];
    expect(all).toHaveLength(10);
    expect(mostInAnyWindow(all, budget.perMs - JITTER_MS)).toBeLessThanOrEqual(budget.count);
    // Ten grants at three a window need three windows after the first grant.
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThanOrEqual(3 * (budget.perMs - JITTER_MS));
  });

  it('the bot-wide budget holds across chats and processes', async () => {
    const prefix = `t-${randomUUID()}`;
    const botBudgets = { telegram: { count: 3, perMs: 1000 } };
    const roomy: Budget = { count: 20, perMs: 1000 };
    const a = new SchedulerRegistry(undefined, { shared: await connect(prefix), botBudgets });
    const b = new SchedulerRegistry(undefined, { shared: await connect(prefix), botBudgets });
    const [fromA, fromB] = await Promise.all([
      grants(a.for('telegram:1', roomy, 0), 4),
      grants(b.for('telegram:2', roomy, 0), 4),
    ]);
    const all = [...fromA, ...fromB];
    expect(mostInAnyWindow(all, 1000 - JITTER_MS)).toBeLessThanOrEqual(3);
    // Chats' slots for requests the bot had no room for were given back: each chat log holds at
    // most what that chat was granted.
    const chatLogs =
      (await raw.lLen(`${prefix}:chat:telegram:1`)) + (await raw.lLen(`${prefix}:chat:telegram:2`));
    expect(chatLogs).toBeLessThanOrEqual(all.length);
    expect(await raw.exists(`${prefix}:bot:telegram`)).toBe(1);
  });

  it('a Redis that goes away never stops a chat: it paces with its own budget and warns once', async () => {
    const other = await startRedisServer();
    const shared = await connectSharedBudget(other.url, undefined, { keyPrefix: `t-${randomUUID()}` });
    open.push(shared);
    const log = { warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const registry = new SchedulerRegistry(undefined, { shared, log: log as unknown as Logger });
    const budget: Budget = { count: 2, perMs: 1000 };
    expect(await grants(registry.for('telegram:5', budget, 0), 1)).toHaveLength(1);
    await other.stop();
    const after = await grants(registry.for('telegram:5', budget, 0), 3);
    expect(after).toHaveLength(3);
    expect(mostInAnyWindow(after, 1000 - JITTER_MS)).toBeLessThanOrEqual(2);
    expect(log.warn).toHaveBeenCalledTimes(1);
    await shared.close();
  });

  it('a Redis that is not there fails to connect, naming it without its password', async () => {
    const url = `redis://user:s3cret@127.0.0.1:${await freePort()}`;
    const failure = connectSharedBudget(url, undefined, { connectTimeoutMs: 2000 });
    await expect(failure).rejects.toThrow(
      /cannot connect to Redis for shared budgets at redis:\/\/user:\*\*\*@/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});
