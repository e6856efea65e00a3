import { spawnSync } from 'node:child_process';

/**
 * Whether the Redis suites can run here, decided once per process. Kept free of vitest imports so
 * test/global-setup.ts can use it too. `REDIS_SERVER_BIN` names another binary (a path, or a name
 * that does not exist to try the skip without uninstalling anything); the default is `redis-server`.
 */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN || 'redis-server';

/** CI must run the Redis suites: there a missing redis-server fails them instead of skipping. */
export const redisRequired = process.env.REQUIRE_REDIS === '1' || process.env.CI === 'true';

/** True when `redis-server --version` runs. */
export const redisServerAvailable =
  spawnSync(REDIS_SERVER_BIN, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** Run the Redis suites: the server is here, or CI requires them (and they fail without it). */
export const runRedisSuites = redisServerAvailable || redisRequired;

/** The one line a test run prints about Redis, or undefined when the Redis suites run normally. */
export function redisNotice(): string | undefined {
  if (redisServerAvailable) return undefined;
  if (redisRequired) {
    return `Redis suites REQUIRED (REQUIRE_REDIS=1 or CI=true) but ${REDIS_SERVER_BIN} is not on PATH, so they fail. Install it: apt-get install -y redis-server`;
  }
  return `Redis suites skipped: ${REDIS_SERVER_BIN} is not on PATH. To run them: apt-get install -y redis-server (or brew install redis) and npm test again, or run .ci/run, which installs it and requires them.`;
}
