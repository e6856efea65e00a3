import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { commandSummaries } from '../../src/core/command.js';
import type { PlatformAdapter } from '../../src/core/platform.js';
import type { HealthReport } from '../../src/health.js';
import { createLogger } from '../../src/log.js';
import { ConsolePlatform } from '../../src/platforms/console/console-platform.js';
import { TelegramPlatform } from '../../src/platforms/telegram/telegram-platform.js';
import { memoryStore } from '../../src/store/index.js';
import { FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';
import { FakeTelegram, POLL_CONFLICT, UNAUTHORIZED } from '../fakes/telegram.js';

// Short deadlines and backoff, so a conflict or an outage spans several retries in well under a second.
const TIMING = { connectTimeoutMs: 300, retryFirstDelayMs: 30, retryMaxDelayMs: 200 };
const WRONG_TOKEN = '7000000001:AAWrongTokenRevokedByBotFather_zyxwvu';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's level numbers. */
const DEBUG = 20;
const WARN = 40;
const ERROR = 50;

class Capture extends Writable {
  text = '';
  readonly isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  app: App;
  telegram: TelegramPlatform;
  logs: string[];
  /** The console beside Telegram, when asked for. */
  console?: { input: PassThrough; output: Capture };
  lines(): LogLine[];
  health(): Promise<{ status: number; body: HealthReport }>;
  /** app.start(), not awaited: tests that look at /healthz while it runs await it themselves. */
  started: Promise<void>;
}

let api: FakeApiCore;
let tg: FakeTelegram;
let run: Run | undefined;
const servers: Server[] = [];

beforeAll(async () => {
  api = await FakeApiCore.start();
});
afterAll(async () => {
  await api.close();
});
beforeEach(async () => {
  api.requests.length = 0;
  tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot' });
  tg.conflictPacingMs = 100;
});
afterEach(async () => {
  await run?.started.catch(() => {});
  await run?.app.stop(1000);
  const logs = run?.logs.join('') ?? '';
  run = undefined;
  await tg.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  // No token reached a log line, whatever failed.
  expect(logs).not.toContain(tg.token);
  expect(logs).not.toContain(WRONG_TOKEN);
  expect(logs).not.toContain(FAKE_API_KEY);
  expect(api.unexpected).toEqual([]);
});

/** The bot with Telegram (and optionally the console) in-process, /healthz on a free port. */
function startBot(
  options: { token?: string; apiRoot?: string; knownBot?: boolean; withConsole?: boolean } = {},
): Run {
  const logs: string[] = [];
  const config = loadConfig({
    APICORE_API_KEY: FAKE_API_KEY,
    APICORE_BASE_URL: api.url,
    TELEGRAM_BOT_TOKEN: options.token ?? tg.token,
    TELEGRAM_API_ROOT: options.apiRoot ?? tg.apiRoot,
    STORE_URL: 'memory',
    TASK_POLL_INTERVAL_MS: '100',
  });
  const log = createLogger({
    level: 'debug',
    secrets: [FAKE_API_KEY, tg.token, WRONG_TOKEN],
    destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
  });
  const telegram = new TelegramPlatform({
    token: options.token ?? tg.token,
    apiRoot: options.apiRoot ?? tg.apiRoot,
    commands: commandSummaries(commands),
    log: log.child({ platform: 'telegram' }),
    ...(options.knownBot === false ? {} : { botInfo: tg.botInfo }),
    retry: { maxRetryAttempts: 2, maxDelaySeconds: 2 },
    pollTimeoutSeconds: 1,
    connection: TIMING,
  });
  const adapters: PlatformAdapter[] = [telegram];
  let console: Run['console'];
  if (options.withConsole) {
    console = { input: new PassThrough(), output: new Capture() };
    adapters.push(new ConsolePlatform({ ...console, locale: 'zh_CN.UTF-8' }));
  }
  const app = createApp({ config, log, adapters, store: memoryStore(), healthPort: 0 });
  const started = app.start();
  return {
    app,
    telegram,
    logs,
    ...(console ? { console } : {}),
    started,
    lines: () => logs.map((l) => JSON.parse(l) as LogLine),
    async health() {
      await until(() => app.healthAddress !== undefined, '/healthz to listen');
      const res = await fetch(`${app.healthAddress}/healthz`);
      return { status: res.status, body: (await res.json()) as HealthReport };
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Log lines at `level` or above whose message matches. */
const said = (r: Run, pattern: RegExp, level = WARN) =>
  r.lines().filter((l) => l.level >= level && pattern.test(l.msg));

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * An address in front of the fake Bot API: a black hole (connections accepted, never answered,
 * like a dropped route) until `forward` is set, then a plain pass-through.
 */
async function blackHoleThenForward(target: string): Promise<{ url: string; forward: boolean }> {
  const state = { url: '', forward: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!state.forward) return; // held until the client gives up
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fetch(`${target}${req.url}`, {
        method: req.method ?? 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(body.length > 0 ? { body } : {}),
      })
        .then(async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer());
          if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(bytes);
        })
        .catch(() => res.destroy());
    });
  });
  state.url = await listen(server);
  return state;
}

describe('Telegram start-up and getUpdates failures', () => {
  it('says at once that a refused address cannot be reached, naming it, and /healthz shows it', async () => {
    const address = await closedPort();
    run = startBot({ apiRoot: address, knownBot: false });
    await run.started;
    // One line, at warning level, with the address and the error; the token nowhere.
    const lines = said(run, /cannot be reached/);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe(
      `telegram Bot API at ${address} cannot be reached (getMe: ${lines[0]!.error}); retrying with backoff`,
    );
    expect(lines[0]).toMatchObject({ platform: 'telegram', apiRoot: address, method: 'getMe' });
    expect(String(lines[0]!.error)).toMatch(/ECONNREFUSED/);
    // Retried in the background, quietly (debug) after the first line.
    await until(() => said(run!, /failed again/, DEBUG).length >= 2, 'two more attempts');
    expect(said(run, /cannot be reached/)).toHaveLength(1);
    const { status, body } = await run.health();
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.platforms.telegram).toEqual({
      state: 'unhealthy',
      reason: expect.stringMatching(/^Bot API unreachable: .*ECONNREFUSED/),
    });
    expect(JSON.stringify(body)).not.toContain(tg.token);
  });

  it('says so within the deadline when the Bot API never answers, then connects once it does and answers 你好 👋', async () => {
    const hole = await blackHoleThenForward(tg.apiRoot);
    run = startBot({ apiRoot: hole.url, knownBot: false });
    // /healthz answers while Telegram is still trying: starting, then unhealthy with the reason.
    const early = await run.health();
    expect(early.status).toBe(503);
    expect(['starting', 'unhealthy']).toContain(early.body.status);
    await run.started;
    const [line, ...more] = said(run, /cannot be reached/);
    expect(more).toEqual([]);
    expect(line!.msg).toBe(
      `telegram Bot API at ${hole.url} cannot be reached (getMe: no answer within 0.3 s); retrying with backoff`,
    );
    const down = await run.health();
    expect(down.body).toMatchObject({
      status: 'unhealthy',
      ready: true,
      platforms: { telegram: { state: 'unhealthy', reason: 'Bot API unreachable: no answer within 0.3 s' } },
    });

    hole.forward = true;
    await until(() => said(run!, /long polling/, DEBUG).length === 1, 'long polling', 5000);
    expect(said(run, /^telegram getMe works again after \d+ failure\(s\)/, DEBUG)).toHaveLength(1);
    const up = await run.health();
    expect(up).toMatchObject({
      status: 200,
      body: { status: 'ok', platforms: { telegram: { state: 'up' } } },
    });

    const ann = tg.user(21, 'Ann', 'zh-CN');
    const chat = tg.privateChat(21, ann);
    tg.sendText(chat, ann, '你好 👋 are you there?');
    await tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.text === 'Echo: 你好 👋 are you there?'), 8000);
    expect(tg.callsTo('setMyCommands')).toHaveLength(2);
    expect(tg.unexpected).toEqual([]);
  });

  it('survives a 409 conflict that lasts across several retries, says it once, and answers the next question', async () => {
    run = startBot();
    await run.started;
    const bo = tg.user(22, 'Bo', 'en');
    const chat = tg.privateChat(22, bo);
    // Another instance polls with the same token for a while (a rolling deploy).
    tg.failPolling(POLL_CONFLICT, { forMs: 1500 });
    await until(() => run!.telegram.health().state === 'unhealthy', 'the conflict to show');
    expect(run.telegram.health()).toEqual({
      state: 'unhealthy',
      reason: 'another instance is polling with this token (409)',
    });
    const during = await run.health();
    expect(during.status).toBe(503);
    expect(during.body.platforms.telegram?.reason).toBe('another instance is polling with this token (409)');

    // Over once a poll is held to its end with nobody cutting it short.
    await until(
      () => said(run!, /^telegram getUpdates works again/, DEBUG).length === 1,
      'the conflict to end',
      8000,
    );
    expect(run.telegram.health()).toEqual({ state: 'up' });
    const conflicts = tg.errors.filter((e) => e.method === 'getUpdates' && e.error_code === 409);
    expect(conflicts.length).toBeGreaterThanOrEqual(3);
    const lines = said(run, /409/);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe(
      'telegram getUpdates refused (409): another instance is polling with this token; retrying with backoff (stop the other instance, or run every instance in webhook mode)',
    );

    tg.sendText(chat, bo, 'still here? 还在吗？🤖');
    await tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.text === 'Echo: still here? 还在吗？🤖'), 8000);
    expect((await run.health()).status).toBe(200);
    expect(tg.unexpected).toEqual([]);
  });

  it('a second instance really polling with the same token: the older poll gets 409, and the bot recovers when it leaves', async () => {
    run = startBot();
    await run.started;
    await tg.waitFor((f) => f.callsTo('getUpdates').length > 0);
    // The other instance: plain long polls with the same token, back to back.
    let rivalPolls = 0;
    let rivalConflicts = 0;
    let rivalRunning = true;
    const rival = (async () => {
      while (rivalRunning) {
        const res = await fetch(`${tg.apiRoot}/bot${tg.token}/getUpdates?timeout=1`);
        rivalPolls++;
        if (res.status === 409) rivalConflicts++;
        await res.body?.cancel();
      }
    })();
    await until(() => run!.telegram.health().state === 'unhealthy', 'the bot to see the conflict');
    expect(run.telegram.health().reason).toBe('another instance is polling with this token (409)');
    await until(() => rivalPolls >= 4, 'the rival to poll a few times');
    rivalRunning = false;
    await rival;
    await until(
      () => said(run!, /^telegram getUpdates works again/, DEBUG).length === 1,
      'the bot to poll alone',
      8000,
    );
    expect(run.telegram.health()).toEqual({ state: 'up' });
    expect(said(run, /409/)).toHaveLength(1);
    // Telegram's own answer, each time to the poll that was already waiting.
    expect(new Set(tg.unexpected)).toEqual(
      new Set([
        'getUpdates: 409 Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      ]),
    );
    expect(
      rivalConflicts + tg.errors.filter((e) => e.error_code === 409 && !e.injected).length,
    ).toBeGreaterThan(0);
    tg.unexpected.length = 0;

    const cy = tg.user(23, 'Cy', 'en');
    const chat = tg.privateChat(23, cy);
    tg.sendText(chat, cy, 'only one of us now 🙂 现在只有一个');
    await tg.waitFor(
      (f) => f.chatLog(chat.id).some((m) => m.text === 'Echo: only one of us now 🙂 现在只有一个'),
      8000,
    );
  });

  it('a token revoked while running: one clear line, polling stops without a crash, /healthz says why, the console answers on', async () => {
    run = startBot({ withConsole: true });
    await run.started;
    tg.failPolling(UNAUTHORIZED);
    await until(() => said(run!, /token refused/, ERROR).length === 1, 'the 401 to be said');
    const [line] = said(run, /token refused/, ERROR);
    expect(line!.msg).toBe(
      `telegram token refused (401) by ${tg.apiRoot}: the token is wrong or was revoked; Telegram stays off until TELEGRAM_BOT_TOKEN is fixed and the bot restarted (not retried)`,
    );
    expect(line).toMatchObject({ platform: 'telegram', method: 'getUpdates', error: '401 Unauthorized' });
    // Not retried: no getUpdates after the refused one.
    const polls = tg.callsTo('getUpdates').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.callsTo('getUpdates')).toHaveLength(polls);
    const { status, body } = await run.health();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'unhealthy',
      platforms: {
        telegram: { state: 'unhealthy', reason: 'token refused (401)' },
        console: { state: 'up' },
      },
    });

    // The other platform is untouched.
    run.console!.input.write('/chat 你好，还好吗？ 👋\n');
    await until(() => run!.console!.output.text.includes('Echo: 你好，还好吗？ 👋'), 'the console answer');
    expect(said(run, /token refused/, ERROR)).toHaveLength(1);
    expect(tg.unexpected).toEqual([]);
  });

  it('a wrong token at start: getMe is refused once, said once, not retried; the console answers', async () => {
    run = startBot({ token: WRONG_TOKEN, knownBot: false, withConsole: true });
    await run.started;
    const [line, ...more] = said(run, /token refused/, ERROR);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ method: 'getMe', apiRoot: tg.apiRoot, error: '401 Unauthorized' });
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.callsTo('getMe')).toHaveLength(1);
    expect(tg.callsTo('getUpdates')).toHaveLength(0);
    expect(run.app.platformHealth()).toEqual({
      telegram: { state: 'unhealthy', reason: 'token refused (401)' },
      console: { state: 'up' },
    });
    run.console!.input.write('/chat 早上好 ☀️\n');
    await until(() => run!.console!.output.text.includes('Echo: 早上好 ☀️'), 'the console answer');
    // The fake calls a wrong token protocol misuse; here it is the point.
    expect(tg.unexpected).toEqual(['getMe: 401 Unauthorized']);
    tg.unexpected.length = 0;
  });
});

describe('the fake Bot API polices getUpdates', () => {
  const poll = (timeout: number) =>
    fetch(`${tg.apiRoot}/bot${tg.token}/getUpdates?timeout=${timeout}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { ok: boolean; description?: string },
    }));

  it('paces 409 answers like Telegram: one at once, the next held back', async () => {
    tg.conflictPacingMs = 400;
    const first = poll(2);
    await tg.waitFor((f) => f.callsTo('getUpdates').length === 1);
    const second = poll(2);
    expect((await first).status).toBe(409);
    await tg.waitFor((f) => f.callsTo('getUpdates').length === 2);
    const t0 = Date.now();
    const third = poll(0);
    const conflicted = await second;
    expect(conflicted).toMatchObject({
      status: 409,
      body: { ok: false, description: POLL_CONFLICT.description },
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect((await third).body).toEqual({ ok: true, result: [] });
    tg.unexpected.length = 0;
  });

  it('failPolling answers getUpdates with the error for a while, then polls work again', async () => {
    const stop = tg.failPolling(UNAUTHORIZED, { forMs: 200 });
    expect(await poll(0)).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    await new Promise((r) => setTimeout(r, 250));
    expect((await poll(0)).status).toBe(200);
    tg.failPolling(POLL_CONFLICT, { times: 1 });
    expect((await poll(0)).status).toBe(409);
    expect((await poll(0)).status).toBe(200);
    const end = tg.failPolling(POLL_CONFLICT);
    expect((await poll(0)).status).toBe(409);
    end();
    stop();
    expect((await poll(0)).status).toBe(200);
    // Injected: not protocol misuse.
    expect(tg.unexpected).toEqual([]);
  });
});
