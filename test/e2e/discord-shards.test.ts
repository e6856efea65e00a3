import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_API_KEY, FakeApiCore, gridButtons, TINY_PNG } from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID, FakeDiscord, shardOf } from '../fakes/discord.js';
import { startDiscordApp } from '../helpers/discord-app.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Two guilds on different shards of 2: their ids differ by 1 << 22, which flips `(id >> 22) % 2`. */
const GUILDS = [
  { id: DEFAULT_GUILD_ID, channel: '1300000000000000101', name: '公会 A 🅰️' },
  { id: String(BigInt(DEFAULT_GUILD_ID) + (1n << 22n)), channel: '1300000000000000102', name: 'Guild B 🅱️' },
];

function guildSpecs() {
  return GUILDS.map((g) => ({ id: g.id, name: g.name, channels: [{ id: g.channel, name: 'general' }] }));
}

interface Bot {
  name: string;
  child: ChildProcess;
  err: () => string;
  exited: Promise<number | null>;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** JSON log lines of a process's stderr with this `msg`. */
function logged(bot: Bot, msg: string): Record<string, unknown>[] {
  return bot
    .err()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

describe('shards in one process (DISCORD_SHARD_COUNT unset: auto)', () => {
  let apicore: FakeApiCore;
  let run: Awaited<ReturnType<typeof startDiscordApp>> | undefined;

  beforeAll(async () => {
    apicore = await FakeApiCore.start();
  });
  afterAll(async () => {
    await run?.stop();
    await apicore?.close();
  });

  it('runs as many shards as GET /gateway/bot recommends, each guild on its own shard', async () => {
    expect(GUILDS.map((g) => shardOf(g.id, 2)).sort()).toEqual([0, 1]);
    run = await startDiscordApp(apicore, { discord: { shardCount: 2, guilds: guildSpecs() } });
    const { discord, platform } = run;
    await discord.waitFor(() => discord.identifies.length === 2 && platform.client.guilds.cache.size === 2);
    expect(discord.identifies.map((d) => d.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(platform.client.options.shards).toEqual([0, 1]);
    for (const [i, g] of GUILDS.entries()) {
      const { id } = discord.slashCommand({
        name: 'chat',
        guildId: g.id,
        channelId: g.channel,
        options: { prompt: `你好 ${i} 👋` },
      });
      await discord.waitFor(
        (d) => d.interaction(id).original?.content === `Echo: Tester: 你好 ${i} 👋`,
        6000,
      );
      const got = discord.gatewayDispatches.filter((x) => x.t === 'INTERACTION_CREATE' && x.guildId === g.id);
      expect(got.map((x) => x.shard)).toEqual([[shardOf(g.id, 2), 2]]);
    }
    expect(discord.unexpected).toEqual([]);
  });
});

describe('invalid shard settings', () => {
  it.each([
    [
      { DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '0,2' },
      /^DISCORD_SHARD_IDS is invalid: expected .* each below DISCORD_SHARD_COUNT \(2\)$/m,
    ],
    [
      { DISCORD_SHARD_IDS: '0-1' },
      /^DISCORD_SHARD_IDS is invalid: expected DISCORD_SHARD_COUNT set to the total/m,
    ],
    [
      { DISCORD_SHARD_COUNT: 'many' },
      /^DISCORD_SHARD_COUNT is invalid: expected auto or the total number of shards/m,
    ],
  ])('%j: the shipped bot names the variable and exits 2', async (env, message) => {
    const child = spawn(process.execPath, ['dist/main.mjs'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        APICORE_API_KEY: FAKE_API_KEY,
        DISCORD_BOT_TOKEN: 'unused.token.x',
        DISCORD_APPLICATION_ID: '123456789012345678',
        STORE_URL: 'memory',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(out).toMatch(message);
  });
});

describeWithRedis('shards across processes: DISCORD_SHARD_IDS=0 and =1 of 2, on one Redis', () => {
  let redis: RedisServer;
  let apicore: FakeApiCore;
  let discord: FakeDiscord;
  const bots: Bot[] = [];
  const api = () => apicore;

  /** One bot process as it ships (the bundle `npm start` runs), Discord only, running the given shard of 2. */
  async function startBot(name: string, shardIds: string): Promise<Bot> {
    const child = spawn(process.execPath, ['dist/main.mjs'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        APICORE_API_KEY: FAKE_API_KEY,
        APICORE_BASE_URL: apicore.url,
        DISCORD_BOT_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.restBase,
        DISCORD_SHARD_COUNT: '2',
        DISCORD_SHARD_IDS: shardIds,
        STORE_URL: redis.url,
        TASK_POLL_INTERVAL_MS: '250',
        TASK_JOB_LOCK_MS: '1500',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const bot = { name, child, err: () => err, exited };
    bots.push(bot);
    await until(() => err.includes('"msg":"ready"') || child.exitCode !== null, `${name} to start`).catch(
      () => {},
    );
    if (!err.includes('"msg":"ready"')) throw new Error(`${name} did not start:\n${err.slice(-3000)}`);
    return bot;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    apicore = await FakeApiCore.start();
    discord = await FakeDiscord.start({ shardCount: 2, guilds: guildSpecs() });
  });

  afterAll(async () => {
    for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill('SIGTERM');
    await Promise.all(bots.map((b) => b.exited));
    await discord?.close();
    await apicore?.close();
    await redis?.stop();
  });

  it('each process serves only its shard’s guilds, and a /chat in each guild is answered', async () => {
    expect(GUILDS.map((g) => shardOf(g.id, 2))).toEqual([1, 0]);
    const [onShard1, onShard0] = GUILDS as [(typeof GUILDS)[0], (typeof GUILDS)[0]];
    const zero = await startBot('shard 0', '0');
    const one = await startBot('shard 1', '1');

    // Each identifies with its shard and is told only about that shard's guild.
    expect(discord.identifies.map((d) => d.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const guildCreates = discord.gatewayDispatches.filter((x) => x.t === 'GUILD_CREATE');
    expect(guildCreates.map((x) => [x.shard[0], x.guildId])).toEqual([
      [0, onShard0.id],
      [1, onShard1.id],
    ]);
    const sessionOf = (shard: number) =>
      discord.gatewayDispatches.find((x) => x.t === 'READY' && x.shard[0] === shard)!.sessionId;
    expect(sessionOf(0)).not.toBe(sessionOf(1));

    // Each process logs only its shard.
    expect(logged(zero, 'discord gateway ready')).toMatchObject([{ shards: [0], shardCount: 2 }]);
    expect(logged(one, 'discord gateway ready')).toMatchObject([{ shards: [1], shardCount: 2 }]);

    // A /chat in each guild reaches the connection of its shard, and is answered.
    const asked = GUILDS.map((g, i) => {
      const prompt = `分片 ${i} shard question 🧩`;
      const { id } = discord.slashCommand({
        name: 'chat',
        guildId: g.id,
        channelId: g.channel,
        options: { prompt },
      });
      return { g, id, prompt };
    });
    for (const { g, id, prompt } of asked) {
      const answer = await discord.waitFor(
        (d) => d.interaction(id).original?.content === `Echo: Tester: ${prompt}`,
        10_000,
      );
      expect(answer).toBe(true);
      const events = discord.gatewayDispatches.filter(
        (x) => x.t === 'INTERACTION_CREATE' && x.guildId === g.id,
      );
      const shard = shardOf(g.id, 2);
      expect(events.map((x) => [x.shard, x.sessionId])).toEqual([[[shard, 2], sessionOf(shard)]]);
    }
    // Neither process saw the other's guild.
    for (const [bot, shard, mine, other] of [
      [zero, 0, onShard0, onShard1],
      [one, 1, onShard1, onShard0],
    ] as const) {
      expect(logged(bot, 'discord shard ready')).toMatchObject([{ shard, shardCount: 2 }]);
      expect(logged(bot, 'discord interaction')).toMatchObject([
        { shard, guild: mine.id, chat: mine.channel },
      ]);
      expect(bot.err()).not.toContain(other.channel);
    }
    expect(discord.unexpected).toEqual([]);
    for (const bot of bots)
      expect(
        bot
          .err()
          .split('\n')
          .filter((l) => /"level":(40|50|60)/.test(l)),
        bot.name,
      ).toEqual([]);
  }, 90_000);

  it('a task started through one process is delivered by the other (REST, the Discord lane on Redis)', async () => {
    const [zero, one] = bots as [Bot, Bot];
    const guild = GUILDS[0]!; // shard 1
    const prompt = '分片之猫 a sharded cat 🐱';
    api().mjStages.push([
      { status: 'SUBMITTED', progress: '0%' },
      ...Array.from({ length: 10_000 }, () => ({ status: 'IN_PROGRESS', progress: '10%' })),
      {
        status: 'SUCCESS',
        progress: '100%',
        imageUrl: `${api().url}/files/grid.png`,
        properties: { finalPrompt: prompt, finalZhPrompt: '' },
        buttons: gridButtons('f0f0f0f0-0000-4000-8000-000000000001'),
      },
    ]);
    const { id } = discord.slashCommand({
      name: 'imagine',
      guildId: guild.id,
      channelId: guild.channel,
      options: { prompt },
    });
    await discord.waitFor((d) => (d.interaction(id).original ? true : undefined), 10_000);
    await until(() => api().mjTasks.size === 1, 'the Midjourney task to be submitted');
    // Saved and polled (the cluster's poll tick has seen it) before its process goes.
    const polls = () => api().requestsTo('POST', '/mj/task/list-by-condition').length;
    const before = polls();
    await until(() => polls() >= before + 2, 'the task to be polled');
    expect(logged(one, 'discord interaction').at(-1)).toMatchObject({ shard: 1, chat: guild.channel });

    // The process that took the command goes away; the one without that guild's shard finishes the task.
    one.child.kill('SIGKILL');
    expect(await one.exited).toBeNull();
    const task = [...api().mjTasks.values()][0]!;
    task.stage = task.stages.length - 1;
    const afterKill = polls();
    const grid = await discord
      .waitFor((d) => d.channelMessages(guild.channel).find((m) => m.attachments.length > 0), 30_000)
      .catch((error: Error) => {
        throw new Error(
          `${error.message}\n${zero.err().slice(-4000)}\npolls after the kill: ${polls() - afterKill}`,
        );
      });
    expect(grid.content).toBe(`🎨 ${prompt}`);
    expect(grid.attachments[0]!.bytes.equals(TINY_PNG)).toBe(true);
    expect(zero.err()).toContain('"job":"part"');
    expect(logged(zero, 'discord interaction').map((l) => l.chat)).not.toContain(guild.channel);
    expect(discord.unexpected).toEqual([]);
  }, 90_000);
});
