import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../../src/core/store.js';
import { connectStore, MemoryStore } from '../../../src/store/index.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../../helpers/redis-server.js';

/** One backend under the same contract: `url()` is valid after `setup()`, every open reaches the same data. */
interface Backend {
  name: string;
  /** Data outlives close, and two opens reach the same data (memory: each open is a separate store). */
  persistent: boolean;
  /** Starts a redis-server: skipped where there is none unless REQUIRE_REDIS=1 or CI=true. */
  needsRedis: boolean;
  /** sweep() deletes expired entries itself (SQLite, memory); Redis expires keys on its own and answers 0. */
  sweeps: boolean;
  /** Expired rows left in the backing file, counted with a raw query (SQLite only). */
  expiredRows?(): number;
  setup(): Promise<void>;
  url(): string;
  teardown(): Promise<void>;
}

let sqliteDir: string | undefined;
let redis: RedisServer | undefined;
const sqliteFile = () => join(sqliteDir!, 'nested', 'bot.sqlite');

const backends: Backend[] = [
  {
    name: 'memory',
    persistent: false,
    needsRedis: false,
    sweeps: true,
    setup: async () => {},
    url: () => 'memory',
    teardown: async () => {},
  },
  {
    name: 'sqlite',
    persistent: true,
    needsRedis: false,
    sweeps: true,
    setup: async () => {
      sqliteDir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    },
    url: () => `sqlite://${sqliteFile()}`,
    expiredRows: () => {
      const db = new Database(sqliteFile(), { fileMustExist: true });
      try {
        const now = Date.now();
        let rows = 0;
        for (const table of ['keyv', 'counters', 'claims']) {
          const count = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE expires <= ?`);
          rows += (count.get(now) as { n: number }).n;
        }
        return rows;
      } finally {
        db.close();
      }
    },
    teardown: async () => {
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    },
  },
  {
    name: 'redis',
    persistent: true,
    needsRedis: true,
    sweeps: false,
    setup: async () => {
      redis = await startRedisServer();
    },
    url: () => `${redis!.url}/0`,
    teardown: async () => {
      await redis?.stop();
    },
  },
];

/** JSON shapes features store: settings, histories, task records. */
const samples: Array<[string, unknown]> = [
  ['chinese', '你好，世界！这是一段中文。'],
  ['emoji', '👋🏽 family 👨‍👩‍👧‍👦 flag 🇯🇵 keycap 1️⃣'],
  ['empty string', ''],
  ['zero', 0],
  ['false', false],
  ['float', -12.5e-3],
  ['array', [1, 'two', { three: 3 }, [4, [5]], null]],
  [
    'nested',
    {
      model: 'gpt-4o-mini',
      history: [
        { role: 'user', content: '画一只猫 🐱' },
        { role: 'assistant', content: 'Here: 🐈‍⬛', parts: [{ url: 'https://example.com/a.png', w: 1024 }] },
      ],
      settings: { temperature: 0.7, tools: [], empty: {}, nothing: null },
      '键 🔑': 'unicode keys too',
    },
  ],
];

/** Waits, bounded, for something that happens after a TTL; a busy machine only makes it take longer. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5000, interval: 20 });

for (const backend of backends) {
  const suite = backend.needsRedis ? describeWithRedis : describe;
  suite(`store contract: ${backend.name}`, () => {
    const open: Store[] = [];
    const connect = async () => {
      const store = await connectStore(backend.url());
      open.push(store);
      return store;
    };
    /** Two connections to the same data; a memory store is one process's, so both are the same store. */
    const pair = async (): Promise<[Store, Store]> => {
      const first = await connect();
      return [first, backend.persistent ? await connect() : first];
    };
    /** Every test writes to namespaces of its own, so no test sees another's keys. */
    const ns = (label: string) => `${label}-${randomUUID()}`;

    beforeAll(() => backend.setup());
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });
    afterAll(() => backend.teardown());

    it.each(samples)('round-trips %s', async (_label, value) => {
      const space = (await connect()).namespace<unknown>(ns('values'));
      await space.set('k', value);
      expect(await space.get('k')).toStrictEqual(value);
    });

    it('answers undefined for a missing key, also in an unused namespace', async () => {
      const store = await connect();
      const space = store.namespace<string>(ns('missing'));
      await space.set('present', 'yes');
      expect(await space.get('absent')).toBeUndefined();
      expect(await store.namespace<string>(ns('never-written')).get('present')).toBeUndefined();
    });

    it('overwrites a value and deletes it; deleting a missing key is fine', async () => {
      const space = (await connect()).namespace<{ n: number }>(ns('delete'));
      await space.set('k', { n: 1 });
      await space.set('k', { n: 2 });
      expect(await space.get('k')).toEqual({ n: 2 });
      await space.delete('k');
      expect(await space.get('k')).toBeUndefined();
      await expect(space.delete('k')).resolves.toBeUndefined();
      await expect(space.delete('never-set')).resolves.toBeUndefined();
    });

    it('keeps the same key apart in two namespaces', async () => {
      const store = await connect();
      const base = ns('collide');
      const a = store.namespace<string>(`${base}-a`);
      const b = store.namespace<string>(`${base}-b`);
      await a.set('same', 'from a');
      await b.set('same', 'from b');
      expect(await a.get('same')).toBe('from a');
      expect(await b.get('same')).toBe('from b');
      await a.delete('same');
      expect(await a.get('same')).toBeUndefined();
      expect(await b.get('same')).toBe('from b');
      // Asking for a namespace again reaches the same data.
      expect(await store.namespace<string>(`${base}-b`).get('same')).toBe('from b');
    });

    it('forgets a value after its TTL and keeps the ones without', async () => {
      const space = (await connect()).namespace<string>(ns('ttl'));
      const started = Date.now();
      await space.set('short', 'soon gone', 80);
      await space.set('long', 'stays', 60_000);
      await space.set('forever', 'stays');
      const early = await space.get('short');
      if (Date.now() - started < 80) expect(early).toBe('soon gone'); // a busy machine may be past the TTL
      await eventually(async () => expect(await space.get('short')).toBeUndefined());
      expect(await space.get('long')).toBe('stays');
      expect(await space.get('forever')).toBe('stays');
    });

    it('lands every one of many concurrent sets to different keys', async () => {
      const space = (await connect()).namespace<{ i: number; text: string }>(ns('concurrent'));
      const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
      await Promise.all(keys.map((key, i) => space.set(key, { i, text: `值 ${i} ✅` })));
      const values = await Promise.all(keys.map((key) => space.get(key)));
      expect(values).toEqual(keys.map((_, i) => ({ i, text: `值 ${i} ✅` })));
    });

    const reopen = backend.persistent
      ? 'keeps values across close and reopen'
      : 'starts empty when opened again (not persistent)';
    it(reopen, async () => {
      const name = ns('persist');
      const [, nested] = samples.at(-1)!;
      const first = await connect();
      await first.namespace<unknown>(name).set('nested', nested);
      await first.namespace<string>(name).set('emoji', '🦄 持久');
      await first.namespace<string>(name).set('gone', 'deleted before close');
      await first.namespace<string>(name).delete('gone');
      await first.close();

      const again = (await connect()).namespace<unknown>(name);
      expect(await again.get('nested')).toStrictEqual(backend.persistent ? nested : undefined);
      expect(await again.get('emoji')).toBe(backend.persistent ? '🦄 持久' : undefined);
      expect(await again.get('gone')).toBeUndefined();
    });

    describe('counters', () => {
      it('reads 0 until added to, answers each new value, and keeps keys and names apart', async () => {
        const store = await connect();
        const name = ns('counter');
        const counters = store.counters(name);
        expect(await counters.get('chat-1')).toBe(0);
        expect(await counters.add('chat-1', 1, 60_000)).toBe(1);
        expect(await counters.add('chat-1', 4, 60_000)).toBe(5);
        expect(await counters.add('chat-1', -7, 60_000)).toBe(-2);
        expect(await counters.add('chat-1', 0, 60_000)).toBe(-2);
        expect(await counters.get('chat-1')).toBe(-2);
        expect(await counters.get('chat-2')).toBe(0);
        expect(await store.counters(`${name}-other`).get('chat-1')).toBe(0);
        expect(await store.counters(name).get('chat-1')).toBe(-2);
      });

      it('refuses a fractional step and a TTL that is not positive', async () => {
        const counters = (await connect()).counters(ns('bad'));
        await expect(counters.add('k', 1.5, 1000)).rejects.toThrow(RangeError);
        await expect(counters.add('k', 1, 0)).rejects.toThrow(RangeError);
        await expect(counters.add('k', 1, Number.NaN)).rejects.toThrow(RangeError);
        expect(await counters.get('k')).toBe(0);
      });

      it('lands 2×100 concurrent adds from two connections exactly, each answer a different value', async () => {
        const [a, b] = await pair();
        const name = ns('concurrent-count');
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).counters(name).add('chat-1', 1, 60_000)),
        );
        expect(answers.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(await a.counters(name).get('chat-1')).toBe(200);
        expect(await b.counters(name).get('chat-1')).toBe(200);
      });

      it('expires at the TTL of the first add, which later adds do not extend, then starts over', async () => {
        const counters = (await connect()).counters(ns('counter-ttl'));
        const started = Date.now();
        expect(await counters.add('k', 5, 200)).toBe(5);
        // A later add with a long TTL must not keep the counter alive past the first add's 200 ms.
        await eventually(async () => {
          await counters.add('k', 0, 60_000);
          expect(await counters.get('k')).toBe(0);
        });
        expect(Date.now() - started).toBeGreaterThanOrEqual(190);

        expect(await counters.add('restart', 7, 50)).toBe(7);
        await eventually(async () => expect(await counters.get('restart')).toBe(0));
        expect(await counters.add('restart', 1, 60_000)).toBe(1);
        expect(await counters.get('restart')).toBe(1);
      });
    });

    describe('sets', () => {
      it('adds, ignores a duplicate, removes, and answers [] for an unknown key', async () => {
        const store = await connect();
        const name = ns('set');
        const sets = store.sets(name);
        expect(await sets.members('open')).toEqual([]);
        await sets.add('open', 'task-1');
        await sets.add('open', 'task-2 ✅ 任务');
        await sets.add('open', 'task-1');
        expect((await sets.members('open')).sort()).toEqual(['task-1', 'task-2 ✅ 任务']);
        await sets.remove('open', 'task-1');
        await sets.remove('open', 'never-added');
        expect(await sets.members('open')).toEqual(['task-2 ✅ 任务']);
        await sets.remove('open', 'task-2 ✅ 任务');
        expect(await sets.members('open')).toEqual([]);
        await sets.add('open', 'x');
        expect(await sets.members('closed')).toEqual([]);
        expect(await store.sets(`${name}-other`).members('open')).toEqual([]);
      });

      it('keeps all of 20 concurrent adds from two connections (the lost index entries)', async () => {
        const [a, b] = await pair();
        const name = ns('concurrent-set');
        const members = Array.from({ length: 20 }, (_, i) => `task-${i}`);
        await Promise.all(members.map((member, i) => (i % 2 ? a : b).sets(name).add('open', member)));
        expect((await a.sets(name).members('open')).sort()).toEqual([...members].sort());
        expect((await b.sets(name).members('open')).sort()).toEqual([...members].sort());

        await Promise.all(
          members.slice(0, 10).map((member, i) => (i % 2 ? a : b).sets(name).remove('open', member)),
        );
        expect((await b.sets(name).members('open')).sort()).toEqual(members.slice(10).sort());
      });
    });

    describe('claims', () => {
      it('refuses a claim to a second connection (and to the holder) until it is released', async () => {
        const [a, b] = await pair();
        const name = ns('claim');
        expect(await a.claims(name).claim('job', 60_000)).toBe(true);
        expect(await b.claims(name).claim('job', 60_000)).toBe(false);
        expect(await a.claims(name).claim('job', 60_000)).toBe(false);
        expect(await b.claims(name).claim('other-job', 60_000)).toBe(true);
        expect(await b.claims(`${name}-other`).claim('job', 60_000)).toBe(true);
        await a.claims(name).release('job');
        expect(await b.claims(name).claim('job', 60_000)).toBe(true);
        expect(await a.claims(name).claim('job', 60_000)).toBe(false);
        await a.claims(name).release('never-claimed');
      });

      it('gives a claim to exactly one of 20 concurrent claimants on two connections', async () => {
        const [a, b] = await pair();
        const name = ns('claim-race');
        const taken = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claims(name).claim('job', 60_000)),
        );
        expect(taken.filter(Boolean)).toHaveLength(1);
      });

      it('lapses after its TTL, so a holder that died blocks nobody for long', async () => {
        const [a, b] = await pair();
        const name = ns('claim-ttl');
        const started = Date.now();
        expect(await a.claims(name).claim('job', 200)).toBe(true);
        let takenByB = await b.claims(name).claim('job', 60_000);
        if (Date.now() - started < 200) expect(takenByB).toBe(false); // a busy machine may be past the TTL
        await eventually(async () => {
          takenByB ||= await b.claims(name).claim('job', 60_000);
          expect(takenByB).toBe(true);
        });
        expect(Date.now() - started).toBeGreaterThanOrEqual(190);
        expect(await a.claims(name).claim('job', 60_000)).toBe(false);
        await expect(a.claims(name).claim('job', -1)).rejects.toThrow(RangeError);
      });
    });

    describe('sweep', () => {
      it(`${backend.sweeps ? 'deletes expired entries and keeps live ones' : 'answers 0 (the backend expires keys)'}`, async () => {
        const store = await connect();
        const name = ns('sweep');
        const ttlMs = 30;
        await store.namespace<string>(name).set('gone', 'short', ttlMs);
        await store.namespace<string>(name).set('kept', 'long', 60_000);
        await store.namespace<string>(name).set('forever', 'no ttl');
        await store.counters(name).add('gone', 1, ttlMs);
        await store.counters(name).add('kept', 1, 60_000);
        await store.claims(name).claim('gone', ttlMs);
        await store.claims(name).claim('kept', 60_000);
        await store.sets(name).add('open', 'task-1');
        // Waiting past the TTL of the last short-lived write (a busy machine may take a while between
        // writes), without reading: a read may delete what it finds expired.
        const written = Date.now();
        while (Date.now() <= written + ttlMs + 10) await sleep(10);

        const swept = await store.sweep();
        if (backend.sweeps) expect(swept).toBeGreaterThanOrEqual(3);
        else expect(swept).toBe(0);
        expect(backend.expiredRows?.() ?? 0).toBe(0);

        expect(await store.namespace<string>(name).get('gone')).toBeUndefined();
        expect(await store.namespace<string>(name).get('kept')).toBe('long');
        expect(await store.namespace<string>(name).get('forever')).toBe('no ttl');
        expect(await store.counters(name).get('gone')).toBe(0);
        expect(await store.counters(name).get('kept')).toBe(1);
        expect(await store.claims(name).claim('gone', 60_000)).toBe(true);
        expect(await store.claims(name).claim('kept', 60_000)).toBe(false);
        expect(await store.sets(name).members('open')).toEqual(['task-1']);
      });

      it('soak: 10,000 chats of short-lived rate counters leave nothing expired behind', async () => {
        const store = await connect();
        const name = ns('rate');
        const ttlMs = 300;
        await store.counters(name).add('live', 1, 60_000);
        await Promise.all(
          Array.from({ length: 10_000 }, (_, chat) => store.counters(name).add(`chat-${chat}`, 1, ttlMs)),
        );
        // Added last with the same TTL: once it reads 0, every chat's counter has expired.
        await store.counters(name).add('sentinel', 1, ttlMs);
        await eventually(async () => expect(await store.counters(name).get('sentinel')).toBe(0));
        if (store instanceof MemoryStore) expect(store.size).toBeGreaterThanOrEqual(10_000);

        const swept = await store.sweep();
        if (backend.sweeps) expect(swept).toBeGreaterThanOrEqual(10_000);
        expect(backend.expiredRows?.() ?? 0).toBe(0);
        if (store instanceof MemoryStore) expect(store.size).toBe(1); // only the live counter
        expect(await store.counters(name).get('chat-9999')).toBe(0);
        expect(await store.counters(name).get('live')).toBe(1);
        expect(await store.sweep()).toBe(0);
      });
    });

    it.runIf(backend.persistent)('keeps counters, sets and claims across close and reopen', async () => {
      const name = ns('persist-prims');
      const first = await connect();
      await first.counters(name).add('chat-1', 3, 60_000);
      await first.sets(name).add('open', 'task-1');
      await first.claims(name).claim('job', 60_000);
      await first.close();

      const again = await connect();
      expect(await again.counters(name).add('chat-1', 1, 60_000)).toBe(4);
      expect(await again.sets(name).members('open')).toEqual(['task-1']);
      expect(await again.claims(name).claim('job', 60_000)).toBe(false);
    });
  });
}
