import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, shardOf } from './discord.js';

const GUILD_A = '1200000000000000001';
const GUILD_B = String(BigInt(GUILD_A) + (1n << 22n));

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Identifies on a raw socket; resolves with the close code, or the READY `d` and the dispatches after it. */
async function identify(
  f: FakeDiscord,
  shard: unknown,
): Promise<{ close?: number; ready?: Record<string, unknown>; events: { t: string; d: unknown }[] }> {
  const ws = new WebSocket(`${f.gatewayUrl}/?v=10&encoding=json`);
  const events: { t: string; d: unknown }[] = [];
  let ready: Record<string, unknown> | undefined;
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { op: number; t: string | null; d: unknown };
    if (frame.op === 10)
      ws.send(JSON.stringify({ op: 2, d: { token: f.token, intents: 1, properties: {}, shard } }));
    else if (frame.t === 'READY') ready = frame.d as Record<string, unknown>;
    else if (frame.t) events.push({ t: frame.t, d: frame.d });
  });
  const closed = once(ws, 'close').then(([code]) => code as number);
  const settled = await Promise.race([
    closed,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300)),
  ]);
  ws.terminate();
  return { ...(settled === undefined ? {} : { close: settled }), ...(ready ? { ready } : {}), events };
}

describe('FakeDiscord shards', () => {
  it('reports its shard count in GET /gateway/bot and splits guilds by (guild_id >> 22) % count', async () => {
    fake = await FakeDiscord.start({
      shardCount: 2,
      guilds: [
        { id: GUILD_A, name: 'A' },
        { id: GUILD_B, name: 'B' },
      ],
    });
    const res = await fetch(`${fake.restBase}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${fake.token}` },
    });
    expect(((await res.json()) as { shards: number }).shards).toBe(2);
    expect([shardOf(GUILD_A, 2), shardOf(GUILD_B, 2)]).toEqual([1, 0]);

    const one = await identify(fake, [1, 2]);
    expect(one.ready?.shard).toEqual([1, 2]);
    expect(one.ready?.guilds).toEqual([{ id: GUILD_A, unavailable: true }]);
    expect(one.events.filter((e) => e.t === 'GUILD_CREATE').map((e) => (e.d as { id: string }).id)).toEqual([
      GUILD_A,
    ]);
    const all = await identify(fake, undefined);
    expect(all.ready?.shard).toEqual([0, 1]);
    expect(all.ready?.guilds).toHaveLength(2);
    expect(
      fake.gatewayDispatches.filter((x) => x.t === 'GUILD_CREATE').map((x) => [x.shard, x.guildId]),
    ).toEqual([
      [[1, 2], GUILD_A],
      [[0, 1], GUILD_A],
      [[0, 1], GUILD_B],
    ]);
  });

  it.each([[[2, 2]], [[-1, 2]], [[0, 0]], [[0]], ['0,1']])(
    'closes an IDENTIFY with shard %j: 4010',
    async (shard) => {
      fake = await FakeDiscord.start();
      expect((await identify(fake, shard)).close).toBe(4010);
      expect(fake.gatewayCloses).toEqual([{ code: 4010, reason: 'Invalid shard.' }]);
    },
  );
});
