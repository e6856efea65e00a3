import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobAttempt, TaskJob, TaskQueue } from '../../../src/core/tasks.js';
import { silentLogger } from '../../../src/log.js';
import { BullTaskQueue } from '../../../src/tasks/queue/bullmq.js';
import { LocalTaskQueue } from '../../../src/tasks/queue/local.js';
import { JOB_ATTEMPTS } from '../../../src/tasks/queue/retry.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../../helpers/redis-server.js';

/** Waits (bounded) until `condition` holds; the bound is generous, the test never asserts on time. */
async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const job = (taskId: string): TaskJob => ({ type: 'part', taskId, part: '第一首 🎵' });

/** One queue implementation under the contract; `make` gives instances that share one cluster. */
interface Impl {
  name: string;
  cluster: boolean;
  setup(): Promise<void>;
  make(prefix: string): TaskQueue;
  teardown(): Promise<void>;
}

let redis: RedisServer | undefined;

const local: Impl = {
  name: 'in-process',
  cluster: false,
  setup: async () => {},
  make: () => new LocalTaskQueue(silentLogger(), undefined, 5),
  teardown: async () => {},
};

const bull: Impl = {
  name: 'BullMQ',
  cluster: true,
  setup: async () => {
    redis = await startRedisServer();
  },
  make: (prefix) =>
    new BullTaskQueue({ url: redis!.url, log: silentLogger(), prefix, lockMs: 1000, retryBaseMs: 5 }),
  teardown: async () => {
    await redis?.stop();
  },
};

function contract(impl: Impl) {
  const open: TaskQueue[] = [];
  let prefix = '';
  const make = () => {
    const q = impl.make(prefix);
    open.push(q);
    return q;
  };
  beforeAll(() => impl.setup());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.stop()));
    prefix = `t-${randomUUID()}`;
  });
  afterAll(() => impl.teardown());
  prefix = `t-${randomUUID()}`;

  it('runs a job once however often its id is added while it waits or runs', async () => {
    const q = make();
    const runs: TaskJob[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    q.work('telegram', 4, async (j) => {
      runs.push(j);
      await gate;
    });
    await q.start();
    await Promise.all(Array.from({ length: 10 }, () => q.add('telegram', 'part:suno:1:a', job('suno:1'))));
    await until(() => runs.length === 1, 'the job to start');
    await q.add('telegram', 'part:suno:1:a', job('suno:1')); // while it runs
    release();
    await sleep(100);
    expect(runs).toEqual([job('suno:1')]);
  });

  it('retries a failing job with backoff and tells its last attempt so', async () => {
    const q = make();
    const attempts: JobAttempt[] = [];
    q.work('discord', 1, async (_j, attempt) => {
      attempts.push(attempt);
      if (!attempt.final) throw new Error('429 Too Many Requests 太多请求');
    });
    await q.start();
    await q.add('discord', 'part:mj:2:image', job('mj:2'));
    await until(() => attempts.length === JOB_ATTEMPTS, 'every attempt');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts.map((a) => a.final)).toEqual([false, false, false, true]);
  });

  it('runs jobs of a lane only where that lane is worked, at most `concurrency` at once', async () => {
    const q = make();
    let running = 0;
    let most = 0;
    let done = 0;
    q.work('telegram', 3, async () => {
      running++;
      most = Math.max(most, running);
      await sleep(20);
      running--;
      done++;
    });
    await q.start();
    await Promise.all(Array.from({ length: 12 }, (_, i) => q.add('telegram', `part:x:${i}`, job(`x:${i}`))));
    await q.add('console', 'part:y:1', job('y:1')); // nobody works this lane here
    await until(() => done === 12, 'all twelve jobs');
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it(
    impl.cluster ? 'ticks once per interval across three instances' : 'ticks once per interval',
    async () => {
      const instances = impl.cluster ? [make(), make(), make()] : [make()];
      const runs: number[] = [];
      let running = 0;
      let overlapped = false;
      for (const q of instances) {
        q.every('poll-suno', 100, async () => {
          running++;
          if (running > 1) overlapped = true;
          runs.push(Date.now());
          await sleep(5);
          running--;
        });
      }
      await Promise.all(instances.map((q) => q.start()));
      await until(() => runs.length >= 10, 'ten ticks');
      const spanMs = runs.at(-1)! - runs[0]!;
      // Three instances each ticking on their own would tick three times per interval.
      expect(runs.length).toBeLessThanOrEqual(Math.floor(spanMs / 100) + 2);
      expect(overlapped).toBe(false);
    },
  );
}

describe('task queue contract: in-process', () => contract(local));
describeWithRedis('task queue contract: BullMQ', () => {
  contract(bull);

  it('a job whose process died mid-run is taken by another instance and finishes once', async () => {
    const prefix = `t-${randomUUID()}`;
    const dying = bull.make(prefix) as BullTaskQueue;
    const survivor = bull.make(prefix);
    const started: string[] = [];
    const finished: string[] = [];
    dying.work('telegram', 1, async () => {
      started.push('dying');
      await new Promise(() => {}); // the process hangs here and is killed
    });
    await dying.start();
    await dying.add('telegram', 'part:suno:9:clip', job('suno:9'));
    await until(() => started.length === 1, 'the first instance to take the job');
    // Killed: its lock is no longer renewed and the job stays active in Redis until it stalls.
    await dying.abandon();
    survivor.work('telegram', 1, async () => {
      started.push('survivor');
      finished.push('survivor');
    });
    await survivor.start();
    await until(() => finished.length === 1, 'the survivor to recover the stalled job', 20_000);
    await sleep(300);
    expect(finished).toEqual(['survivor']);
    await survivor.stop();
  }, 30_000);
});
