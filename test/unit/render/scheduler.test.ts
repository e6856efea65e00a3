import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatScheduler, SchedulerRegistry } from '../../../src/render/scheduler.js';

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

  it('forgets a chat only when forgetting cannot break its budget', async () => {
    const registry = new SchedulerRegistry();
    const a = registry.for('chat', { count: 1, perMs: 1000 }, 0);
    await a.acquire('m');
    registry.sweep();
    expect(registry.for('chat', { count: 1, perMs: 1000 }, 0)).toBe(a);
    vi.advanceTimersByTime(1001);
    registry.sweep();
    expect(registry.for('chat', { count: 1, perMs: 1000 }, 0)).not.toBe(a);
  });
});
