import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Chat, User } from 'grammy/types';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultSunoMusicStages } from '../fakes/apicore/suno.js';
import { FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { describeWithRedis, freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SECRET = 'cluster-secret_42';
const POLL_INTERVAL_MS = 250;
/** A killed worker's jobs are taken over after this (BullMQ's stalled-job check). */
const JOB_LOCK_MS = 1500;

interface Bot {
  name: string;
  child: ChildProcess;
  port: number;
  err: () => string;
  exited: Promise<number | null>;
}

let redis: RedisServer;
let api: FakeApiCore;
let tg: FakeTelegram;
const bots: Bot[] = [];

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** One bot process as it ships (the bundle `npm start` runs), Telegram by webhook, on the shared Redis. */
async function startBot(name: string): Promise<Bot> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.mjs'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APICORE_API_KEY: FAKE_API_KEY,
      APICORE_BASE_URL: api.url,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example/telegram',
      TELEGRAM_WEBHOOK_PORT: String(port),
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      STORE_URL: redis.url,
      TASK_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      TASK_JOB_LOCK_MS: String(JOB_LOCK_MS),
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bot = { name, child, port, err: () => err, exited };
  bots.push(bot);
  await until(
    () => err.includes('"msg":"ready"') || child.exitCode !== null,
    `${name} to start`,
    30_000,
  ).catch(() => {});
  if (!err.includes('"msg":"ready"')) throw new Error(`${name} did not start:\n${err.slice(-3000)}`);
  return bot;
}

let updateId = 1;
let messageId = 1;
/** What a load balancer does: posts Telegram's update to one instance's webhook. */
async function post(bot: Bot, chat: Chat.PrivateChat, from: User, text: string): Promise<void> {
  const command = text.split(' ')[0]!;
  const update = {
    update_id: updateId++,
    message: {
      message_id: messageId++,
      date: Math.floor(Date.now() / 1000),
      chat,
      from,
      text,
      entities: [{ type: 'bot_command', offset: 0, length: command.length }],
    },
  };
  const res = await fetch(`http://127.0.0.1:${bot.port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  });
  expect(res.status).toBe(200);
}

function person(n: number): { chat: Chat.PrivateChat; user: User } {
  const user: User = { id: 5000 + n, is_bot: false, first_name: `歌手${n}`, language_code: 'en' };
  const chat: Chat.PrivateChat = { id: 5000 + n, type: 'private', first_name: user.first_name };
  tg.addChat(chat);
  return { chat, user };
}

describeWithRedis('cluster mode: three processes on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    api = await FakeApiCore.start();
    tg = await FakeTelegram.start();
  });

  afterAll(async () => {
    for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await Promise.all(bots.map((b) => b.exited));
    await tg?.close();
    await api?.close();
    await redis?.stop();
  });

  it('songs submitted through two processes, one killed with kill -9 while delivering: every clip exactly once', async () => {
    const SONGS_PER_BOT = 4;
    const queued = Array.from({ length: 10_000 }, () => ({ status: 'QUEUED', progress: '0%', data: null }));
    const people = Array.from({ length: 2 * SONGS_PER_BOT }, (_, i) => person(i + 1));
    for (const [i] of people.entries()) {
      const [, streaming, success] = defaultSunoMusicStages(api.url, { title: `集群之歌 ${i + 1} 🎶` }, [
        900 + 2 * i,
        901 + 2 * i,
      ]);
      api.sunoStages.push([...queued, streaming!, success!]);
    }

    // Two processes take the songs, all at once.
    const a = await startBot('A');
    const b = await startBot('B');
    await Promise.all(
      people.map(({ chat, user }, i) =>
        post(i < SONGS_PER_BOT ? a : b, chat, user, `/song 集群之歌 ${i + 1} a song 🎵`),
      ),
    );
    for (const { chat } of people) {
      // Accepted, or already past it: the poller's first status ("🎵 Suno · queued…") may replace
      // "✅ Accepted" before this looks, and is only written for a recorded task.
      await until(
        () => tg.chatLog(chat.id).some((m) => /^(✅ Accepted|🎵 Suno)/.test(m.text ?? '')),
        `chat ${chat.id} accepted`,
      );
    }

    // A third process finds every one of them.
    const c = await startBot('C');
    expect(c.err()).toMatch(
      /"tasks":8,"msg":"resuming pending tasks"|"msg":"resuming pending tasks".*"tasks":8/,
    );

    // One poll request per tick cluster-wide, with three instances ticking.
    const before = api.requestsTo('POST', '/suno/fetch').length;
    const startedAt = Date.now();
    await sleep(10 * POLL_INTERVAL_MS);
    const polls = api.requestsTo('POST', '/suno/fetch').length - before;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(Math.floor((Date.now() - startedAt) / POLL_INTERVAL_MS) + 2);

    // Every song finishes; their files are held, so every process is caught in the middle of delivering.
    const hold = api.holdRequests('/files/clip-');
    for (const task of api.sunoTasks.values()) task.stage = task.stages.length - 2;
    const startedParts = (bot: Bot) => (bot.err().match(/"job":"part"/g) ?? []).length;
    await until(() => startedParts(a) > 0 && hold.held() >= 8, 'deliveries to be under way in A');
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    hold.release();

    for (const { chat } of people) {
      await until(
        () => tg.chatLog(chat.id).some((m) => m.text?.startsWith('✅ Suno · 2 clip(s) delivered')),
        `chat ${chat.id}'s song to be delivered`,
      ).catch((error: Error) => {
        const seen = people.map(
          (p) => `${p.chat.id}: ${JSON.stringify(tg.chatLog(p.chat.id).map((m) => m.text ?? m.caption))}`,
        );
        const problems = bots.map(
          (b) =>
            `${b.name}: ${b
              .err()
              .split('\n')
              .filter((l) => /"level":(40|50)/.test(l))
              .slice(-8)
              .join('\n')}`,
        );
        throw new Error(`${error.message}\n${seen.join('\n')}\n${problems.join('\n')}`);
      });
    }
    // Long enough for any stray second delivery to show.
    await sleep(JOB_LOCK_MS * 2 + 4 * POLL_INTERVAL_MS);
    const titles: string[] = [];
    for (const { chat } of people) {
      const audio = tg.callsTo('sendAudio').filter((call) => String(call.params.chat_id) === String(chat.id));
      expect(audio, `chat ${chat.id}`).toHaveLength(2);
      expect(tg.chatLog(chat.id).filter((m) => m.text?.startsWith('✅ Suno'))).toHaveLength(1);
      titles.push(...audio.map((call) => String(call.params.title)));
    }
    // Eight songs, two clips each: every clip arrived exactly once, none lost to the killed process.
    expect(titles.sort()).toEqual(
      people.flatMap((_, i) => [`集群之歌 ${i + 1} 🎶`, `集群之歌 ${i + 1} 🎶`]).sort(),
    );
    expect(tg.unexpected).toEqual([]);
  }, 180_000);
});
