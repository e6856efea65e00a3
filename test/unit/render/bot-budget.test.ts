import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { BotBudget } from '../../../src/render/bot-budget.js';
import { IN_FLIGHT_MAX_MS, PacingWindow } from '../../../src/render/pacing-window.js';
import { ChatScheduler, SchedulerRegistry, systemClock } from '../../../src/render/scheduler.js';

const PRIVATE = { count: 3, perMs: 3000 };
const GROUP = { count: 20, perMs: 60_000 };

/** A registry with a bot-wide budget of `perSecond` for 'telegram'. */
const registry = (perSecond: number) =>
  new SchedulerRegistry(systemClock, { botBudgets: { telegram: { count: perSecond, perMs: 1000 } } });

/** Most operations any window of `perMs` saw. */
function peak(times: number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= perMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('PacingWindow', () => {
  it('stamps an operation when it lands, and holds its place until then', () => {
    const w = new PacingWindow({ count: 1, perMs: 1000 });
    const f = w.take(0);
    expect(w.readyAt(100)).toBe(IN_FLIGHT_MAX_MS); // in flight: look again when it would go stale
    w.land(f, 400);
    expect(w.readyAt(400)).toBe(1400);
  });

  it('counts a flight nobody lands as landed IN_FLIGHT_MAX_MS after its grant', () => {
    const w = new PacingWindow({ count: 1, perMs: 1000 });
    const f = w.take(0);
    expect(w.readyAt(IN_FLIGHT_MAX_MS)).toBe(IN_FLIGHT_MAX_MS + 1000);
    expect(f.landedAt).toBe(IN_FLIGHT_MAX_MS);
    w.land(f, 5000); // a late landing changes nothing
    expect(w.readyAt(IN_FLIGHT_MAX_MS + 1000)).toBe(IN_FLIGHT_MAX_MS + 1000);
  });
});

describe('Bot-wide budget above the chat schedulers', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('grants at most `count` a second across chats, stamped when each request came back', async () => {
    const r = registry(30);
    const landed: number[] = [];
    const done: Promise<void>[] = [];
    for (let c = 0; c < 200; c++) {
      const s = r.for(`telegram:${c}`, PRIVATE, 1000);
      for (const key of ['placeholder', 'final'])
        done.push(
          s.begin(`${c}:${key}`, true).then(async (end) => {
            // The request leaves late and takes a while (a saturated loop): 0–300 ms.
            await new Promise((resolve) => setTimeout(resolve, (c * 37) % 300));
            landed.push(Date.now());
            end();
          }),
        );
    }
    await vi.runAllTimersAsync();
    await Promise.all(done);
    expect(landed).toHaveLength(400);
    // Every request arrived before it landed, and each grant came after a landing left the window.
    expect(peak(landed, 1000)).toBeLessThanOrEqual(30);
    expect(r.botBudget('telegram')!.inFlight).toBe(0);
  });

  it('a saturated loop cannot release a burst: a grant waits for the landing, not the grant', async () => {
    const r = registry(1);
    const a = r.for('telegram:1', PRIVATE, 0);
    const b = r.for('telegram:2', PRIVATE, 0);
    const end = await a.begin('m', true);
    let bAt: number | undefined;
    void b.begin('n', true).then(() => (bAt = Date.now()));
    await vi.advanceTimersByTimeAsync(700); // the first request only now got out and back
    end();
    await vi.advanceTimersByTimeAsync(2000);
    expect(bAt).toBe(1700);
  });

  it('a busy group cannot starve a private chat: one turn each, round robin', async () => {
    const r = registry(2);
    const group = r.for('telegram:-100', { count: 1000, perMs: 1000 }, 0);
    const order: string[] = [];
    for (let i = 0; i < 20; i++)
      void group.acquire(`g${i}`, true).then(() => order.push(`g${i}@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(1500); // the group has the bot to itself: 2 a second
    const priv = r.for('telegram:7', PRIVATE, 1000);
    void priv.acquire('p', true).then(() => order.push(`p@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(5000);
    // The private chat waits one turn of the group (already in line), not for its 15 other answers.
    const p = order.findIndex((o) => o.startsWith('p@'));
    expect(order.slice(0, p + 2)).toEqual([
      'g0@0',
      'g1@0',
      'g2@1000',
      'g3@1000',
      'g4@2000',
      'p@2000',
      'g5@3000',
    ]);
  });

  it('shares the bot between many busy chats in turn', async () => {
    const r = registry(3);
    const warm = r.for('telegram:w', { count: 100, perMs: 1000 }, 0);
    for (let i = 0; i < 3; i++) await warm.acquire(`w${i}`, true); // this second is spent: all queue
    const got = new Map<string, number[]>();
    for (const chat of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const s = r.for(`telegram:${chat}`, { count: 100, perMs: 1000 }, 0);
      for (let i = 0; i < 10; i++)
        void s.acquire(`${chat}${i}`, true).then(() => got.set(chat, [...(got.get(chat) ?? []), Date.now()]));
    }
    await vi.advanceTimersByTimeAsync(4999); // 12 slots from 1 s to 4 s: 2 each, in turn
    expect([...got.values()].map((t) => t.length)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('a final text or a send goes before any intermediate edit, in any chat', async () => {
    const r = registry(1);
    const order: string[] = [];
    const warm = r.for('telegram:0', PRIVATE, 0);
    await warm.acquire('warm', true); // the bot's one slot this second is spent
    for (let c = 1; c <= 3; c++)
      void r
        .for(`telegram:${c}`, PRIVATE, 0)
        .acquire(`edit${c}`)
        .then(() => order.push(`edit${c}`));
    void r
      .for('telegram:9', PRIVATE, 0)
      .acquire('final9', true)
      .then(() => order.push('final9'));
    await vi.advanceTimersByTimeAsync(4500);
    expect(order).toEqual(['final9', 'edit1', 'edit2', 'edit3']);
  });

  it('an answer that ends while its chat waits for the bot moves to the urgent line', async () => {
    const r = registry(1);
    const order: string[] = [];
    await r.for('telegram:0', PRIVATE, 0).acquire('warm', true);
    void r
      .for('telegram:1', PRIVATE, 0)
      .acquire('edit1')
      .then(() => order.push('edit1'));
    const two = r.for('telegram:2', PRIVATE, 0);
    void two.acquire('answer2').then(() => order.push('answer2'));
    two.promote('answer2'); // its stream ended: the waiting request now carries the final text
    await vi.advanceTimersByTimeAsync(2500);
    expect(order).toEqual(['answer2', 'edit1']);
  });

  it('keeps each chat’s own budget under the bot-wide one', async () => {
    const r = registry(30);
    const s = r.for('telegram:-5', GROUP, 3000);
    const times: number[] = [];
    for (let i = 0; i < 25; i++) void s.acquire(`m${i}`, true).then(() => times.push(Date.now()));
    await vi.advanceTimersByTimeAsync(61_000);
    expect(times.slice(0, 20).every((t) => t === 0)).toBe(true);
    expect(times.slice(20)).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('paces only the platform it was given; other platforms are not capped', async () => {
    const r = registry(1);
    const times: number[] = [];
    for (let c = 0; c < 5; c++)
      void r
        .for(`discord:${c}`, PRIVATE, 0)
        .acquire('m', true)
        .then(() => times.push(Date.now()));
    await vi.advanceTimersByTimeAsync(10);
    expect(times).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives an unused turn back: a chat whose waiter went away does not spend the bot', async () => {
    const clock = systemClock;
    const bot = new BotBudget({ count: 1, perMs: 1000 }, clock);
    const a = new ChatScheduler(PRIVATE, 0, clock, undefined, { budget: bot, chatKey: 'a' });
    const b = new ChatScheduler(PRIVATE, 0, clock, undefined, { budget: bot, chatKey: 'b' });
    const end = await a.begin('x', true);
    const got: string[] = [];
    void a.acquire('y', true).then(() => got.push(`a@${Date.now()}`));
    void b.acquire('z', true).then(() => got.push(`b@${Date.now()}`));
    end();
    await vi.advanceTimersByTimeAsync(3000);
    expect(got).toEqual(['a@1000', 'b@2000']);
    expect(bot.waiting).toBe(0);
    expect(bot.inFlight).toBe(0);
  });
});

describe('TELEGRAM_MAX_PER_SECOND', () => {
  const base = { APICORE_API_KEY: 'sk-test', TELEGRAM_BOT_TOKEN: '1:abc', STORE_URL: 'memory' };

  it('defaults to Telegram’s 30 a second and takes 0 for no bot-wide limit', () => {
    expect(loadConfig(base).telegram?.maxPerSecond).toBe(30);
    expect(loadConfig({ ...base, TELEGRAM_MAX_PER_SECOND: '0' }).telegram?.maxPerSecond).toBe(0);
    expect(loadConfig({ ...base, TELEGRAM_MAX_PER_SECOND: '25' }).telegram?.maxPerSecond).toBe(25);
  });

  it('refuses what is not a whole number of requests a second', () => {
    for (const bad of ['-1', '2.5', 'fast', '5000'])
      expect(() => loadConfig({ ...base, TELEGRAM_MAX_PER_SECOND: bad })).toThrow(/TELEGRAM_MAX_PER_SECOND/);
  });
});
