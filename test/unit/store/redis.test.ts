import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import type { Logger } from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { connectStore, openStore } from '../../../src/store/index.js';
import { redactUrl } from '../../../src/store/redis.js';
import {
  describeWithRedis,
  freePort,
  type RedisServer,
  startRedisServer,
} from '../../helpers/redis-server.js';

describeWithRedis('redis store', () => {
  let server: RedisServer;
  let raw: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });

  afterAll(async () => {
    if (raw?.isOpen) await raw.close();
    await server?.stop();
  });

  const connectedClients = async () => Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))?.[1]);

  it('shares one connection across namespaces, keys as `namespace::key`, and closes it', async () => {
    const before = await connectedClients();
    const store = await connectStore(server.url);
    const tag = randomUUID();
    for (const name of ['chat-settings', 'tasks', 'rate', 'daily-use', 'conversations']) {
      await store.namespace<string>(`${name}-${tag}`).set('k', name);
    }
    expect(await connectedClients()).toBe(before + 1);
    expect(JSON.parse((await raw.get(`tasks-${tag}::k`)) ?? 'null')).toMatchObject({ value: 'tasks' });

    await store.close();
    // The server notices the closed connection a moment later: wait for it (bounded).
    const deadline = Date.now() + 3000;
    while ((await connectedClients()) !== before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await connectedClients()).toBe(before);
    await store.close(); // twice is harmless
  });

  it('lets Redis expire TTL keys itself (PX), not only keyv on read', async () => {
    const store = await connectStore(server.url);
    const name = `ttl-${randomUUID()}`;
    await store.namespace<string>(name).set('k', 'v', 60_000);
    const pttl = await raw.pTTL(`${name}::k`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await store.close();
  });

  it('keeps databases apart with the /db path', async () => {
    const name = `db-${randomUUID()}`;
    const db0 = await connectStore(`${server.url}/0`);
    const db1 = await connectStore(`${server.url}/1`);
    await db1.namespace<string>(name).set('k', 'in db 1');
    expect(await db0.namespace<string>(name).get('k')).toBeUndefined();
    expect(await db1.namespace<string>(name).get('k')).toBe('in db 1');
    await Promise.all([db0.close(), db1.close()]);
  });

  it('rejects calls after close instead of reconnecting', async () => {
    const before = await connectedClients();
    const store = await connectStore(server.url);
    const space = store.namespace<string>(`closed-${randomUUID()}`);
    await space.set('k', 'v');
    await store.close();
    await expect(space.get('k')).rejects.toThrow(/closed/);
    await expect(space.set('k', 'w')).rejects.toThrow(/closed/);
    await expect(store.counters('c').add('k', 1, 1000)).rejects.toThrow(/closed/);
    await expect(store.sets('s').members('k')).rejects.toThrow(/closed/);
    await expect(store.claims('c').claim('k', 1000)).rejects.toThrow(/closed/);
    expect(await connectedClients()).toBe(before);
  });

  it('keeps counters, sets and claims under their own prefixes, with TTLs Redis enforces', async () => {
    const store = await connectStore(server.url);
    const name = `prims-${randomUUID()}`;
    expect(await store.counters(name).add('chat-1', 3, 60_000)).toBe(3);
    expect(await raw.get(`counters:${name}::chat-1`)).toBe('3');
    const pttl = await raw.pTTL(`counters:${name}::chat-1`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    // Later adds leave the TTL where the first add put it.
    await store.counters(name).add('chat-1', 1, 1000);
    expect(await raw.pTTL(`counters:${name}::chat-1`)).toBeGreaterThan(50_000);

    await store.sets(name).add('open', 'task-1');
    expect(await raw.sMembers(`sets:${name}::open`)).toEqual(['task-1']);
    expect(await raw.pTTL(`sets:${name}::open`)).toBe(-1);

    expect(await store.claims(name).claim('job', 30_000)).toBe(true);
    const claimTtl = await raw.pTTL(`claims:${name}::job`);
    expect(claimTtl).toBeGreaterThan(20_000);
    expect(claimTtl).toBeLessThanOrEqual(30_000);
    await store.claims(name).release('job');
    expect(await raw.exists(`claims:${name}::job`)).toBe(0);

    expect(await store.sweep()).toBe(0); // Redis expires keys itself
    await store.close();
  });

  it('fails calls fast while Redis is down, recovers when it is back, and closes promptly', async () => {
    let own = await startRedisServer();
    const warn = vi.fn();
    const store = await connectStore(own.url, { log: { warn } as unknown as Logger });
    const space = store.namespace<string>('restart');
    try {
      await space.set('k', 'before');
      await own.stop();

      const started = Date.now();
      await expect(space.get('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ store: own.url }),
        'redis connection error',
      );

      own = await startRedisServer(own.port); // a fresh, empty server on the same port
      let value: string | undefined | Error = new Error('never reconnected');
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(50)) {
        try {
          await space.set('k', 'after');
          value = await space.get('k');
          break;
        } catch (error) {
          value = error as Error;
        }
      }
      expect(value).toBe('after');

      await own.stop();
      const closing = Date.now();
      await store.close();
      expect(Date.now() - closing).toBeLessThan(3000);
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it('fails fast with a clear error when nothing listens on the port', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(connectStore(`redis://127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a server that accepts but never answers, within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const mute = createServer((socket) => sockets.push(socket));
    mute.listen(0, '127.0.0.1');
    await once(mute, 'listening');
    const { port } = mute.address() as { port: number };
    try {
      const started = Date.now();
      await expect(connectStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow(
        /cannot connect to Redis at .*: no answer within 300 ms/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      mute.close();
    }
  });

  it('reports a database the server does not have', async () => {
    await expect(connectStore(`${server.url}/999`)).rejects.toThrow(/cannot connect to Redis.*DB index/i);
  });

  it('keeps passwords out of error messages', async () => {
    const port = await freePort();
    const failure = connectStore(`redis://bot:s3cret@127.0.0.1:${port}`);
    await expect(failure).rejects.toThrow(/redis:\/\/bot:\*\*\*@127\.0\.0\.1/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
    expect(redactUrl('rediss://:hunter2@cache.example:6380/2')).toBe('rediss://:***@cache.example:6380/2');
  });

  it('is reached through connectStore; openStore stays synchronous for sqlite and memory', async () => {
    expect(() => openStore(server.url)).toThrow(/connectStore/);
    expect(() => openStore('rediss://example:6380')).toThrow(/connectStore/);
    expect(() => openStore('postgres://x')).toThrow(/not supported/);
    const memory = await connectStore('memory');
    await memory.namespace<number>('n').set('k', 1);
    expect(await memory.namespace<number>('n').get('k')).toBe(1);
    await memory.close();
  });
});
