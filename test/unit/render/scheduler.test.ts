import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Budget } from '../../../src/core/platform.js';
import type { SharedBudget } from '../../../src/core/shared-budget.js';
import { MemorySharedBudget } from '../../../src/render/memory-budget.js';
import {
  ChatScheduler,
  landingMargin,
  SchedulerRegistry,
  SHARED_RETRY_MS,
  SHARED_TIMEOUT_MS,
  systemClock,
  WITHDRAWN,
} from '../../../src/render/scheduler.js';

describe('ChatScheduler', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('grants at most `count` operations in any window', async () => {
    const s = new ChatScheduler({ count: 3, perMs: 1000 }, 0);
    const granted: number[] = [];
    for (let i = 0; i < 7; i++) void s.acquire(`m${i}`).then(() => granted.push(Date.now()));
    await vi.runAllTimersAsync();
    expect(granted).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('keeps one message’s operations apart by its interval while others go', async () => {
    const s = new ChatScheduler({ count: 100, perMs: 1000 }, 500);
    const log: string[] = [];
    void s.acquire('a').then(() => log.push(`a@${Date.now()}`));
    void s.acquire('a').then(() => log.push(`a@${Date.now()}`));
    void s.acquire('b').then(() => log.push(`b@${Date.now()}`));
    await vi.runAllTimersAsync();
    expect(log).toEqual(['a@0', 'b@0', 'a@500']);
  });

  it('lets a final edit go before intermediate ones that could go at the same time', async () => {
    const s = new ChatScheduler({ count: 1, perMs: 1000 }, 0);
    await s.acquire('warm-up');
    const log: string[] = [];
    void s.acquire('x').then(() => log.push('x'));
    void s.acquire('final', true).then(() => log.push('final'));
    await vi.runAllTimersAsync();
    expect(log).toEqual(['final', 'x']);
  });

  it('lets a final edit skip its message’s interval, but never the chat’s window', async () => {
    const s = new ChatScheduler({ count: 2, perMs: 1000 }, 800);
    const log: string[] = [];
    await s.acquire('m');
    void s.acquire('m', true).then(() => log.push(`final@${Date.now()}`));
    void s.acquire('other', true).then(() => log.push(`other@${Date.now()}`));
    await vi.runAllTimersAsync();
    expect(log).toEqual(['final@0', 'other@1000']);
  });

  it('a withdrawn request spends nothing: the next one has its slot at once', async () => {
    const s = new ChatScheduler({ count: 1, perMs: 1000 }, 0);
    (await s.begin('earlier'))();
    const log: string[] = [];
    const opening = s
      .begin('opening', true)
      .then((end) => log.push(end === WITHDRAWN ? 'withdrawn' : 'sent'));
    await vi.advanceTimersByTimeAsync(300);
    expect(s.withdraw('opening')).toBe(true);
    expect(s.withdraw('opening')).toBe(false);
    await opening;
    void s.begin('final', true).then(() => log.push(`final@${Date.now()}`));
    await vi.runAllTimersAsync();
    // The window's one slot (taken at 0) comes back at 1000 and goes to the final, not the withdrawn.
    expect(log).toEqual(['withdrawn', 'final@1000']);
    expect(s.pending).toBe(0);
  });

  it('forgets a chat only when forgetting cannot break its budget', async () => {
    const registry = new SchedulerRegistry();
    const a = registry.for('chat', { count: 1, perMs: 1000 }, 0);
    await a.acquire('m');
    registry.sweep();
    expect(registry.size).toBe(1);
    vi.advanceTimersByTime(1001);
    registry.sweep();
    expect(registry.size).toBe(0);
  });
});

/** Grant times (fake clock) of `n` operations asked at once through `pacer`, each on its own message. */
function grantTimes(pacer: ChatScheduler, n: number, tag: string, into: { at: number; who: string }[]) {
  for (let i = 0; i < n; i++) {
    void pacer.acquire(`${tag}${i}`).then(() => into.push({ at: Date.now(), who: `${tag}${i}` }));
  }
}

const fakeLog = () => ({ warn: vi.fn(), info: vi.fn(), debug: vi.fn() });
const asLogger = (log: ReturnType<typeof fakeLog>) => log as unknown as Logger;

describe('SchedulerRegistry handles', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a handle held across a sweep paces on the chat’s one live budget', async () => {
    const registry = new SchedulerRegistry();
    const budget = { count: 1, perMs: 1000 };
    // A task's status message keeps its handle for minutes…
    const held = registry.for('tg:1', budget, 0);
    await held.acquire('status');
    vi.advanceTimersByTime(1001);
    registry.sweep();
    expect(registry.size).toBe(0);
    // …while new work in the chat gets its own handle: both must share one window.
    const fresh = registry.for('tg:1', budget, 0);
    const log: string[] = [];
    void fresh.acquire('x').then(() => log.push(`x@${Date.now()}`));
    void held.acquire('status').then(() => log.push(`status@${Date.now()}`));
    void fresh.acquire('y').then(() => log.push(`y@${Date.now()}`));
    expect(registry.size).toBe(1);
    expect([held.pending, fresh.pending]).toEqual([2, 2]); // x went at once
    await vi.runAllTimersAsync();
    expect(log).toEqual(['x@1001', 'status@2001', 'y@3001']);
  });

  it('never sweeps a scheduler while a request through any handle waits', async () => {
    const registry = new SchedulerRegistry();
    const held = registry.for('tg:1', { count: 1, perMs: 1000 }, 0);
    await held.acquire('a');
    const second = held.acquire('b');
    vi.advanceTimersByTime(999);
    registry.sweep();
    expect(registry.size).toBe(1);
    expect(held.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(held.pending).toBe(0);
  });

  it('promote and release through a handle reach the live scheduler, and never make one', async () => {
    const registry = new SchedulerRegistry();
    const h = registry.for('tg:1', { count: 10, perMs: 1000 }, 800);
    h.release('nothing');
    h.promote('nothing');
    expect(registry.size).toBe(0);
    await h.acquire('m');
    const log: string[] = [];
    void h.acquire('m').then(() => log.push(`m@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(100);
    h.promote('m'); // the answer ended: its last edit skips the message interval
    await vi.runAllTimersAsync();
    expect(log).toEqual(['m@100']);
  });

  it('grants without a shared budget add no awaits: one microtask, as before', async () => {
    const handle = new SchedulerRegistry().for('tg:1', { count: 5, perMs: 1000 }, 0);
    let granted = false;
    void handle.acquire('a').then(() => {
      granted = true;
    });
    await Promise.resolve();
    expect(granted).toBe(true);
  });
});

describe('SchedulerRegistry with a shared budget', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('two processes posting into one chat share its budget', async () => {
    const shared = new MemorySharedBudget();
    const a = new SchedulerRegistry(systemClock, { shared });
    const b = new SchedulerRegistry(systemClock, { shared });
    const budget = { count: 3, perMs: 1000 };
    const grants: { at: number; who: string }[] = [];
    grantTimes(a.for('telegram:-100', budget, 0), 5, 'a', grants);
    grantTimes(b.for('telegram:-100', budget, 0), 5, 'b', grants);
    await vi.runAllTimersAsync();
    expect(grants).toHaveLength(10);
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000]);
    // Each process keeps its own order.
    for (const tag of ['a', 'b']) {
      const mine = grants.filter((g) => g.who.startsWith(tag)).map((g) => g.who);
      expect(mine).toEqual([...mine].sort());
    }
  });

  it('a bot-wide budget holds across chats and processes; a refused chat gets its slot back', async () => {
    const memory = new MemorySharedBudget();
    const refunds: string[] = [];
    let chatSlots = 0;
    const shared: SharedBudget = {
      take: async (key, budget) => {
        const wait = await memory.take(key, budget);
        if (wait === 0 && key.startsWith('chat:telegram:')) chatSlots++;
        return wait;
      },
      refund: (key) => {
        refunds.push(key);
        return memory.refund(key);
      },
    };
    // 5 a second, shared as 4 (room for a request that reaches Telegram up to 250 ms after its grant).
    const botBudgets = { telegram: { count: 5, perMs: 1000 } };
    expect(landingMargin(botBudgets.telegram)).toEqual({ count: 4, perMs: 1000 });
    expect(landingMargin({ count: 30, perMs: 1000 }).count).toBe(24);
    const a = new SchedulerRegistry(systemClock, { shared, botBudgets, jitter: () => 0 });
    const b = new SchedulerRegistry(systemClock, { shared, botBudgets, jitter: () => 0 });
    const roomy = { count: 10, perMs: 1000 };
    const grants: { at: number; who: string }[] = [];
    grantTimes(a.for('telegram:1', roomy, 0), 5, 'a', grants);
    grantTimes(b.for('telegram:2', roomy, 0), 5, 'b', grants);
    // Another platform has no bot-wide budget: not held back by Telegram's.
    grantTimes(a.for('discord:9', { count: 3, perMs: 1000 }, 0), 3, 'd', grants);
    await vi.runAllTimersAsync();
    const telegram = grants.filter((g) => !g.who.startsWith('d')).map((g) => g.at);
    expect(telegram).toEqual([0, 0, 0, 0, 1000, 1000, 1000, 1000, 2000, 2000]);
    expect(grants.filter((g) => g.who.startsWith('d')).map((g) => g.at)).toEqual([0, 0, 0]);
    expect(refunds.length).toBeGreaterThan(0);
    expect(new Set(refunds)).toEqual(new Set(['chat:telegram:1', 'chat:telegram:2']));
    // Every chat slot taken for a request the bot had no room for was given back.
    expect(chatSlots - refunds.length).toBe(telegram.length);
  });

  it('the shared slot goes to a final edit that arrived while asking, and waits when told to', async () => {
    const answers: ((ms: number) => void)[] = [];
    const shared: SharedBudget = {
      take: () => new Promise<number>((resolve) => answers.push(resolve)),
      refund: async () => {},
    };
    const h = new SchedulerRegistry(systemClock, { shared }).for('tg:1', { count: 10, perMs: 1000 }, 0);
    const log: string[] = [];
    void h.acquire('x').then(() => log.push(`x@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toHaveLength(1); // one question at a time
    void h.acquire('final', true).then(() => log.push(`final@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toHaveLength(1);
    answers[0]!(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['final@0']);
    expect(answers).toHaveLength(2);
    answers[1]!(300); // no room: ask again in 300 ms, not before
    await vi.advanceTimersByTimeAsync(299);
    expect(answers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(answers).toHaveLength(3);
    answers[2]!(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['final@0', 'x@300']);
  });

  it('a failing shared budget never stops a chat: local budget, one warning, asked again later', async () => {
    let failing = true;
    const memory = new MemorySharedBudget();
    const take = vi.fn((key: string, budget: Budget) =>
      failing ? Promise.reject(new Error('ECONNREFUSED')) : memory.take(key, budget),
    );
    const log = fakeLog();
    const registry = new SchedulerRegistry(systemClock, {
      shared: { take, refund: async () => {} },
      log: asLogger(log),
    });
    const grants: { at: number; who: string }[] = [];
    grantTimes(registry.for('tg:1', { count: 2, perMs: 1000 }, 0), 4, 'a', grants);
    grantTimes(registry.for('tg:2', { count: 2, perMs: 1000 }, 0), 2, 'b', grants);
    await vi.advanceTimersByTimeAsync(1000);
    // The local budget still paces the chat: two per second.
    expect(grants.filter((g) => g.who.startsWith('a')).map((g) => g.at)).toEqual([0, 0, 1000, 1000]);
    expect(grants.filter((g) => g.who.startsWith('b')).map((g) => g.at)).toEqual([0, 0]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(take).toHaveBeenCalledTimes(2); // the two first questions; then no more until the retry
    failing = false;
    await vi.advanceTimersByTimeAsync(SHARED_RETRY_MS);
    await registry.for('tg:1', { count: 2, perMs: 1000 }, 0).acquire('later');
    expect(take).toHaveBeenCalledTimes(3);
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('a shared budget that does not answer is given up on after a bound', async () => {
    const log = fakeLog();
    const registry = new SchedulerRegistry(systemClock, {
      shared: { take: () => new Promise<number>(() => {}), refund: async () => {} },
      log: asLogger(log),
    });
    const grants: { at: number; who: string }[] = [];
    grantTimes(registry.for('tg:1', { count: 3, perMs: 1000 }, 0), 3, 'a', grants);
    await vi.runAllTimersAsync();
    expect(grants.map((g) => g.at)).toEqual([SHARED_TIMEOUT_MS, SHARED_TIMEOUT_MS, SHARED_TIMEOUT_MS]);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });
});
