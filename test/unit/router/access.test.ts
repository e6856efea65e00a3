import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../../src/config.js';
import type { ChatRef, UserRef } from '../../../src/core/platform.js';
import type { Store } from '../../../src/core/store.js';
import { AccessPolicy, DAILY_COUNTERS, OPEN_ACCESS, RATE_COUNTERS } from '../../../src/router/access.js';
import { memoryStore, sqliteStore } from '../../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'access-'));
const open: Store[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function sqlite(file: string): Store {
  const store = sqliteStore(join(dir, file));
  open.push(store);
  return store;
}

const user: UserRef = { id: '42', name: '小明 Ming 🐼' };
const chat: ChatRef = { platform: 'telegram', id: '-100', kind: 'group' };
/** 2026-03-14 15:09:26 UTC: a fixed clock, far from a minute's edge. */
const NOW = Date.UTC(2026, 2, 14, 15, 9, 26);
const config = (patch: Partial<AccessConfig>): AccessConfig => ({ ...OPEN_ACCESS, ...patch });

describe('AccessPolicy counters are atomic across store connections', () => {
  it('2 × 50 concurrent rate-limit takes through two connections to one SQLite file count exactly 100', async () => {
    const file = 'rate.sqlite';
    const [a, b] = [sqlite(file), sqlite(file)];
    const cfg = config({ ratePerMinute: 70 });
    const policies = [new AccessPolicy(cfg, a, () => NOW), new AccessPolicy(cfg, b, () => NOW)];
    const takes = await Promise.all(
      policies.flatMap((p) => Array.from({ length: 50 }, () => p.takeRequest(user, chat))),
    );
    expect(takes.filter(Boolean)).toHaveLength(70);
    const key = policies[0]!.rateKey(user, chat);
    expect(key).toBe(`telegram:42:${Math.floor(NOW / 60_000)}`);
    expect(await sqlite(file).counters(RATE_COUNTERS).get(key)).toBe(100);
  });

  it('2 × 10 concurrent task reservations against a quota of 5 grant exactly 5, and the count stays 5', async () => {
    const file = 'quota.sqlite';
    const cfg = config({ dailyTaskQuota: 5 });
    const policies = [
      new AccessPolicy(cfg, sqlite(file), () => NOW),
      new AccessPolicy(cfg, sqlite(file), () => NOW),
    ];
    const slots = await Promise.all(
      policies.flatMap((p) =>
        Array.from({ length: 10 }, () => p.meter(user, chat).reserveTask({ rate: false })),
      ),
    );
    expect(slots.filter((s) => s.granted)).toHaveLength(5);
    const refused = slots.find((s) => !s.granted);
    expect(refused).toMatchObject({
      reason: 'tasks',
      used: 5,
      quota: 5,
      message: {
        en: 'You have used today’s allowance of media tasks (5 of 5). It resets at midnight UTC.',
        zh: '你今天的媒体任务额度已用完（5/5 个），将于 UTC 零点重置。',
      },
    });
    const day = policies[1]!.dayKey(user, chat);
    expect(day).toBe('telegram:42:2026-03-14');
    expect(await sqlite(file).counters(DAILY_COUNTERS).get(`${day}:tasks`)).toBe(5);
    expect((await policies[0]!.meter(user, chat).today()).tasks).toBe(5);
  });
});

describe('AccessPolicy meters', () => {
  it('a released slot is given back once, however often release is called', async () => {
    const policy = new AccessPolicy(config({ dailyTaskQuota: 1 }), memoryStore(), () => NOW);
    const meter = policy.meter(user, chat);
    const slot = await meter.reserveTask({ rate: false });
    expect(slot.granted).toBe(true);
    expect(meter.kept).toBe(1);
    expect((await policy.meter(user, chat).reserveTask({ rate: false })).granted).toBe(false);
    if (slot.granted) {
      await slot.release();
      await slot.release();
    }
    expect(meter.kept).toBe(0);
    expect((await meter.today()).tasks).toBe(0);
    expect((await policy.meter(user, chat).reserveTask({ rate: false })).granted).toBe(true);
  });

  it('a tool call’s task takes a rate-limit request first; over the limit it takes no task', async () => {
    const policy = new AccessPolicy(config({ ratePerMinute: 2 }), memoryStore(), () => NOW);
    expect(await policy.takeRequest(user, chat)).toBe(true); // the chat message itself
    const meter = policy.meter(user, chat);
    expect((await meter.reserveTask({ rate: true })).granted).toBe(true);
    const refused = await meter.reserveTask({ rate: true });
    expect(refused).toMatchObject({
      granted: false,
      reason: 'rate',
      perMinute: 2,
      message: { zh: '请求太频繁（每分钟最多 2 次），请稍等片刻。' },
    });
    expect((await meter.today()).tasks).toBe(1);
    // A command's own task does not pay again: the router took its request.
    expect((await meter.reserveTask({ rate: false })).granted).toBe(true);
  });

  it('a new minute starts a new rate count', async () => {
    let now = NOW;
    const policy = new AccessPolicy(config({ ratePerMinute: 1 }), memoryStore(), () => now);
    expect(await policy.takeRequest(user, chat)).toBe(true);
    expect(await policy.takeRequest(user, chat)).toBe(false);
    now += 60_000;
    expect(await policy.takeRequest(user, chat)).toBe(true);
  });

  it('admins are never refused, and their tasks still count', async () => {
    const admin = config({ adminUsers: ['telegram:42'], dailyTaskQuota: 1, ratePerMinute: 1 });
    const policy = new AccessPolicy(admin, memoryStore(), () => NOW);
    const meter = policy.meter(user, chat);
    for (let i = 0; i < 3; i++) expect((await meter.reserveTask({ rate: true })).granted).toBe(true);
    expect(await meter.hold()).toBeUndefined();
    expect((await meter.today()).tasks).toBe(4);
  });

  it('a held slot serves the command’s first task, and goes back when nothing used it', async () => {
    const store = memoryStore();
    const policy = new AccessPolicy(config({ dailyTaskQuota: 2 }), store, () => NOW);

    const used = policy.meter(user, chat);
    expect(await used.hold()).toBeUndefined();
    expect((await used.reserveTask({ rate: false })).granted).toBe(true);
    await used.settle();
    expect(used.kept).toBe(1);
    expect((await used.today()).tasks).toBe(1);

    const unused = policy.meter(user, chat);
    expect(await unused.hold()).toBeUndefined();
    expect((await unused.today()).tasks).toBe(2);
    await unused.settle();
    expect(unused.kept).toBe(0);
    expect((await unused.today()).tasks).toBe(1);

    // A command that counts its own task (draw, video, speak) uses the held slot too.
    const counted = policy.meter(user, chat);
    expect(await counted.hold()).toBeUndefined();
    await counted.add({ tasks: 1, tokens: 12 });
    await counted.settle();
    expect(await counted.today()).toEqual({ tokens: 12, tasks: 2, tokenQuota: 0, taskQuota: 2 });

    const over = await policy.meter(user, chat).hold();
    expect(over).toMatchObject({ reason: 'tasks', used: 2, quota: 2 });
  });

  it('the token quota is checked before a chat, from the atomic counter', async () => {
    const policy = new AccessPolicy(config({ dailyTokenQuota: 100 }), memoryStore(), () => NOW);
    expect(await policy.overTokenQuota(user, chat)).toBeUndefined();
    await Promise.all([
      policy.meter(user, chat).add({ tokens: 60 }),
      policy.meter(user, chat).add({ tokens: 40 }),
    ]);
    expect(await policy.overTokenQuota(user, chat)).toMatchObject({ tokens: 100, tokenQuota: 100 });
  });
});

describe('AccessPolicy allow lists', () => {
  const discordThread: ChatRef = {
    platform: 'discord',
    id: '9003',
    kind: 'group',
    parentId: '9002',
    guildId: '9001',
  };

  it('a chat is allowed by its own id, its parent channel’s or its guild’s, bare or platform-prefixed', () => {
    const allowedBy = (allowedChats: string[]) =>
      new AccessPolicy(config({ allowedChats }), memoryStore(), () => NOW).allowed(user, discordThread);
    expect(allowedBy(['9003'])).toBe(true);
    expect(allowedBy(['9002'])).toBe(true);
    expect(allowedBy(['discord:9001'])).toBe(true);
    expect(allowedBy(['telegram:9001', '9004'])).toBe(false);
    // A chat without parent or guild (Telegram) is matched by its own id only.
    const telegram = new AccessPolicy(config({ allowedChats: ['9002'] }), memoryStore(), () => NOW);
    expect(telegram.allowed(user, chat)).toBe(false);
    expect(telegram.allowed(user, { ...chat, id: '9002' })).toBe(true);
  });
});
