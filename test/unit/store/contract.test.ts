import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store.js';
import { connectStore } from '../../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';

/** One backend under the same contract: `url()` is valid after `setup()`, every open reaches the same data. */
interface Backend {
  name: string;
  persistent: boolean;
  setup(): Promise<void>;
  url(): string;
  teardown(): Promise<void>;
}

let sqliteDir: string | undefined;
let redis: RedisServer | undefined;

const backends: Backend[] = [
  {
    name: 'memory',
    persistent: false,
    setup: async () => {},
    url: () => 'memory',
    teardown: async () => {},
  },
  {
    name: 'sqlite',
    persistent: true,
    setup: async () => {
      sqliteDir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    },
    url: () => `sqlite://${join(sqliteDir!, 'nested', 'bot.sqlite')}`,
    teardown: async () => {
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    },
  },
  {
    name: 'redis',
    persistent: true,
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

describe.each(backends)('store contract: $name', (backend) => {
  const open: Store[] = [];
  const connect = async () => {
    const store = await connectStore(backend.url());
    open.push(store);
    return store;
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
    await space.set('short', 'soon gone', 80);
    await space.set('long', 'stays', 60_000);
    await space.set('forever', 'stays');
    expect(await space.get('short')).toBe('soon gone');
    await sleep(180);
    expect(await space.get('short')).toBeUndefined();
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
});
