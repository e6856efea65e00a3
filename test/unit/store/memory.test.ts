import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore, STORE_SWEEP_INTERVAL_MS } from '../../../src/store/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('memory store', () => {
  it('sweeps by itself on writes once an interval has passed, so nobody has to call sweep()', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = memoryStore();
    await Promise.all(
      Array.from({ length: 1000 }, async (_, chat) => {
        await store.counters('rate').add(`chat-${chat}`, 1, 1000);
        await store.namespace<string>('buttons').set(`b-${chat}`, 'x', 1000);
        await store.claims('jobs').claim(`job-${chat}`, 1000);
      }),
    );
    expect(store.size).toBe(3000);

    vi.setSystemTime(Date.now() + STORE_SWEEP_INTERVAL_MS);
    await store.counters('rate').add('chat-new', 1, 60_000);
    expect(store.size).toBe(1);
    expect(await store.sweep()).toBe(0);
  });

  it('forgets an expired value when it is read', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = memoryStore();
    await store.namespace<string>('n').set('k', 'v', 1000);
    await store.counters('c').add('k', 1, 1000);
    vi.setSystemTime(Date.now() + 1001);
    expect(await store.namespace<string>('n').get('k')).toBeUndefined();
    expect(await store.counters('c').get('k')).toBe(0);
    expect(store.size).toBe(0);
  });

  it('is a separate store per call', async () => {
    const a = memoryStore();
    const b = memoryStore();
    await a.sets('s').add('k', 'm');
    expect(await b.sets('s').members('k')).toEqual([]);
    expect(a.size).toBe(1);
  });
});
