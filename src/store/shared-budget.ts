import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Budget } from '../core/platform.js';
import type { SharedBudget } from '../core/shared-budget.js';
import { openRedis, redactUrl } from './redis-client.js';

export interface SharedBudgetOptions {
  /**
   * Prefix of every key. Processes of one bot must agree on it; two different bots on one Redis
   * must not (chat ids repeat across bots, and each bot has its own limits).
   */
  keyPrefix?: string;
  /** Bound on the initial connect + PING. */
  connectTimeoutMs?: number;
}

const DEFAULT_KEY_PREFIX = 'apicore-bot:budget';

/**
 * rate-limiter-flexible counts in fixed windows, which lets up to twice the budget through across
 * a window's edge. Chat budgets must hold in every window, as the in-process scheduler keeps them,
 * so the increment script keeps a log of grant times (server clock, ms) in a list instead:
 * `take` pushes one when the window has room, else answers when the oldest that blocks leaves it;
 * a negative change (`reward`, our refund) drops the newest. One atomic round trip either way.
 * ARGV as rate-limiter-flexible passes it: points to add, whole seconds, the limiter's points and
 * its duration in seconds (the window).
 */
const SLIDING_LOG_LUA = `
local key = KEYS[1]
local change = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local windowMs = math.floor(tonumber(ARGV[4]) * 1000 + 0.5)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
while true do
  local oldest = redis.call('LINDEX', key, 0)
  if not oldest or tonumber(oldest) > now - windowMs then break end
  redis.call('LPOP', key)
end
if change < 0 then
  for _ = 1, -change do redis.call('RPOP', key) end
  return {redis.call('LLEN', key), windowMs}
end
local n = redis.call('LLEN', key)
if n + change > limit then
  local blocking = redis.call('LINDEX', key, n + change - limit - 1)
  if not blocking then return {n + change, windowMs} end
  return {n + change, tonumber(blocking) + windowMs - now}
end
for _ = 1, change do redis.call('RPUSH', key, string.format('%d', now)) end
redis.call('PEXPIRE', key, windowMs)
return {n + change, windowMs}
`;

/**
 * Connects to Redis for budgets shared by several bot processes (a chat's budget, the bot-wide
 * budget), on its own connection. Windows shorter than a second are kept as one second (stricter,
 * never looser; rate-limiter-flexible's windows are whole seconds or more). While the connection
 * is down, calls reject at once; the schedulers then pace with their own budgets.
 */
export async function connectSharedBudget(
  redisUrl: string,
  log?: Logger,
  options: SharedBudgetOptions = {},
): Promise<SharedBudget & { close(): Promise<void> }> {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const where = redactUrl(redisUrl);
  // A chat must never wait for a connection that may not come back: calls reject at once instead.
  const redis = await openRedis(redisUrl, {
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    onError: (error) => log?.debug({ err: error, redis: where }, 'shared budget connection error'),
    what: 'Redis for shared budgets',
  });
  const { client } = redis;

  const limiters = new Map<string, RateLimiterRedis>();
  const limiter = (budget: Budget): RateLimiterRedis => {
    const perMs = Math.max(budget.perMs, 1000);
    const id = `${budget.count}/${perMs}`;
    let l = limiters.get(id);
    if (!l) {
      l = new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        customIncrTtlLuaScript: SLIDING_LOG_LUA,
        keyPrefix,
        points: budget.count,
        duration: perMs / 1000,
      });
      limiters.set(id, l);
    }
    return l;
  };

  return {
    async take(key: string, budget: Budget): Promise<number> {
      if (redis.closed) throw new Error('the shared budget is closed');
      try {
        await limiter(budget).consume(key, 1);
        return 0;
      } catch (refusal) {
        // A refusal is a RateLimiterRes; anything else is a store error for the caller.
        if (refusal instanceof RateLimiterRes) return Math.max(1, Math.ceil(refusal.msBeforeNext));
        throw refusal;
      }
    },
    async refund(key: string, budget: Budget): Promise<void> {
      if (redis.closed) throw new Error('the shared budget is closed');
      await limiter(budget).reward(key, 1);
    },
    close: () => redis.close(),
  };
}
