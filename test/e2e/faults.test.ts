import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chatChunks,
  FAKE_API_KEY,
  FakeApiCore,
  type MjStage,
  openAiError,
  type Scripted,
  type SunoStage,
} from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID } from '../fakes/discord.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { type ConsoleRun, runConsole } from '../helpers/console-app.js';
import { startDiscordApp } from '../helpers/discord-app.js';
import { startTelegramBot, type TelegramRun } from '../helpers/telegram-app.js';

/**
 * The fault matrix: one test per row. Each ends in a clear message to the user in their language,
 * a log line with context and no secret, and the bot still serving the next request or chat.
 */

type LogLine = Record<string, unknown> & { msg: string; err?: { message: string } };

const parse = (logs: string[]): LogLine[] =>
  logs.flatMap((chunk) => chunk.split('\n').filter((l) => l.trim() !== '')).map((l) => JSON.parse(l));

/** The one log line with this message (and an error or reason matching `detail`), checked for secrets. */
function logLine(logs: string[], msg: string, detail: RegExp): LogLine {
  const all = parse(logs);
  const line = all.find((l) => l.msg === msg && detail.test(String(l.err?.message ?? l.reason ?? l.error)));
  if (!line)
    throw new Error(`no log line "${msg}" matching ${detail} in:\n${all.map((l) => l.msg).join('\n')}`);
  const text = JSON.stringify(line);
  expect(text).not.toContain(FAKE_API_KEY);
  expect(text).not.toMatch(/Bearer|\[redacted\]/);
  return line;
}

/** Nothing anywhere in the logs or on screen carries the API key. */
function expectNoKey(run: ConsoleRun): void {
  expect(run.logs.join('')).not.toContain(FAKE_API_KEY);
  expect(run.output).not.toContain(FAKE_API_KEY);
}

const CONSOLE = { platform: 'console', chat: 'local', user: 'local' };
const ZH = 'zh_CN.UTF-8';
const EN = 'en_US.UTF-8';

describe('fault matrix: upstream, through the console', () => {
  let fake: FakeApiCore;
  beforeAll(async () => {
    fake = await FakeApiCore.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  afterEach(() => {
    expect(fake.unexpected).toEqual([]);
    expect(fake.remainingQueued()).toEqual([]);
  });

  const sse = (chunks: string[]): Scripted => ({
    kind: 'raw',
    headers: { 'content-type': 'text/event-stream' },
    chunks,
  });
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;

  interface ChatRow {
    row: string;
    locale: string;
    response: Scripted;
    /** What the user sees for the failed question. */
    shown: string;
    /** What the logged error says. */
    logged: RegExp;
    env?: Record<string, string>;
  }

  const rows: ChatRow[] = [
    {
      row: 'upstream 401',
      locale: EN,
      response: openAiError(401, 'Invalid token', 'invalid_api_key'),
      shown: '⚠️ The bot’s APICore key was refused. The bot owner needs to check APICORE_API_KEY.',
      logged: /answered 401: Invalid token/,
    },
    {
      row: 'quota exhausted',
      locale: ZH,
      response: openAiError(403, '用户额度不足, 剩余额度: ＄0.000000', 'insufficient_user_quota'),
      shown: '⚠️ APICore 额度已用完，请充值后再试。',
      logged: /answered 403: 用户额度不足/,
    },
    {
      row: 'upstream 429',
      locale: EN,
      response: openAiError(429, 'Rate limit reached for requests', 'rate_limit_exceeded'),
      shown: '⚠️ Too many requests right now. Please wait a moment and try again.',
      logged: /answered 429: Rate limit reached/,
    },
    {
      row: 'upstream 500',
      locale: ZH,
      response: openAiError(500, 'do_request_failed', 'do_request_failed', 'upstream_error'),
      shown: '⚠️ AI 服务出错（do_request_failed），请重试。',
      logged: /answered 500: do_request_failed/,
    },
    {
      row: 'upstream 502',
      locale: EN,
      response: {
        kind: 'raw',
        status: 502,
        headers: { 'content-type': 'text/html' },
        chunks: ['<html><body><h1>502 Bad Gateway</h1></body></html>'],
      },
      shown: '⚠️ The AI service failed (HTTP 502). Please try again.',
      logged: /answered 502$/,
    },
    {
      row: 'timeout',
      locale: ZH,
      response: { kind: 'hang' },
      shown: '⚠️ AI 服务响应超时，请重试。',
      logged: /did not answer in time/,
      // A stream that stays silent (here: not even headers) is bounded by the stream idle limit.
      env: { APICORE_STREAM_IDLE_MS: '1000' },
    },
    {
      row: 'stream cut mid-answer',
      locale: EN,
      response: { kind: 'sse', events: chatChunks('Part one. Part two.', { pieces: 2 }), cutAfterEvents: 2 },
      shown: 'Part one.\n\n⚠️ The answer was cut off or garbled. Please try again.',
      logged: /stream was cut/,
    },
    {
      row: 'malformed SSE',
      locale: ZH,
      response: sse([chunk('前半句'), 'data: {"id":"c1","choices":[{"delta":{,,,}}\n\n']),
      shown: '前半句\n\n⚠️ 回答中断或格式错误，请重试。',
      logged: /malformed stream event/,
    },
  ];

  it.each(rows.map((r) => [r.row, r] as const))(
    '%s',
    async (_row, { locale, response, shown, logged, env }) => {
      fake.enqueue('POST /v1/chat/completions', response);
      const run = await runConsole(fake, ['/chat question', '/chat ok'], { locale, ...(env ? { env } : {}) });
      expect(run.output).toBe(`${shown}\nEcho: ok\n`);
      const line = logLine(run.logs, 'answer ended with an error', logged);
      expect(line).toMatchObject({ ...CONSOLE, command: 'chat', model: 'gpt-4o-mini' });
      expectNoKey(run);
      // A chat request is never sent twice; the next question got its own answer.
      expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(2);
    },
  );

  it('unknown task id', async () => {
    // The task runs, then the gateway stops knowing it: batch fetches silently leave it out.
    const running: MjStage = { status: 'IN_PROGRESS', progress: '30%' };
    fake.mjStages.push(Array.from({ length: 100 }, () => running));
    let id = '';
    const drop = (async () => {
      const deadline = Date.now() + 10_000;
      while (fake.requestsTo('POST', '/mj/task/list-by-condition').length < 2) {
        if (Date.now() > deadline) throw new Error('the poller never fetched the task twice');
        await new Promise((r) => setTimeout(r, 5));
      }
      id = [...fake.mjTasks.keys()].at(-1)!;
      fake.mjTasks.delete(id);
    })();
    const run = await runConsole(
      fake,
      ['/imagine a red fox in the snow', { after: /no longer knows/ }, '/chat ok'],
      { env: { TASK_POLL_INTERVAL_MS: '100' }, locale: EN },
    );
    await drop;
    expect(run.output).toBe(
      [
        `✅ Accepted; I will post the result here. (${id})`,
        '🎨 Midjourney · ▰▰▰▱▱▱▱▱▱▱ 30%',
        `❌ The gateway no longer knows this task (${id}). Please try again.`,
        'Echo: ok',
        '',
      ].join('\n'),
    );
    const line = logLine(run.logs, 'task failed', /no longer knows this task/);
    expect(line).toMatchObject({ task: `mj:${id}`, chat: 'local', user: 'local' });
    expectNoKey(run);
  });

  it('task failure', async () => {
    const stages: SunoStage[] = [
      { status: 'SUBMITTED', progress: '0%', data: null },
      { status: 'FAILURE', progress: '100%', fail_reason: 'Song description contains artist name: Taylor' },
    ];
    fake.sunoStages.push(stages);
    const run = await runConsole(fake, ['/song 像 Taylor 一样的歌', { after: /任务失败/ }, '/chat ok'], {
      env: { TASK_POLL_INTERVAL_MS: '100' },
      locale: ZH,
    });
    const id = [...fake.sunoTasks.keys()].at(-1)!;
    expect(run.output).toBe(
      [
        `✅ 已受理，完成后会发到这里。（${id}）`,
        '🎵 Suno · 排队中…',
        '❌ 任务失败：Song description contains artist name: Taylor',
        'Echo: ok',
        '',
      ].join('\n'),
    );
    const line = logLine(run.logs, 'task failed', /contains artist name/);
    expect(line).toMatchObject({ task: `suno:${id}`, chat: 'local', user: 'local' });
    expectNoKey(run);
  });
});

describe('fault matrix: platform', () => {
  let api: FakeApiCore;
  let tg: FakeTelegram;
  let bot: TelegramRun;
  beforeAll(async () => {
    api = await FakeApiCore.start();
  });
  afterAll(async () => {
    await api.close();
  });

  describe('Telegram', () => {
    beforeEach(async () => {
      api.requests.length = 0;
      tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot', draftsSupported: false });
      bot = await startTelegramBot(tg, api);
    });
    afterEach(async () => {
      await bot.stop();
      await tg.close();
      const logs = bot.logs.join('');
      expect(logs).not.toContain(tg.token);
      expect(logs).not.toContain(FAKE_API_KEY);
      expect(tg.unexpected).toEqual([]);
      expect(api.unexpected).toEqual([]);
    });

    const texts = (chatId: number) => tg.chatLog(chatId).map((m) => m.text);

    it('platform 429', async () => {
      const kim = tg.user(61, 'Kim', 'en');
      const lin = tg.user(62, 'Lin', 'zh-CN');
      const slowed = tg.privateChat(61, kim);
      const other = tg.privateChat(62, lin);
      tg.failNext(
        'sendMessage',
        { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 },
        { chatId: slowed.id },
      );
      tg.sendText(slowed, kim, 'hello 429');
      tg.sendText(other, lin, '你好');
      await tg.waitFor((f) => f.chatLog(slowed.id).some((m) => m.text === 'Echo: hello 429'), 8000);
      await tg.waitFor((f) => f.chatLog(other.id).some((m) => m.text === 'Echo: 你好'), 8000);
      expect(texts(slowed.id)).toEqual(['Echo: hello 429']);
      expect(texts(other.id)).toEqual(['Echo: 你好']);
      // The other chat never waited on this one's 429: its answer began while this one was still
      // waiting out `retry_after`. (Both answers end with their streams, at about the same moment, so
      // the order of the two final edits says nothing.)
      const started = (chatId: number) => tg.calls.find((c) => c.chatId === chatId && c.response?.ok)!.at;
      expect(started(other.id)).toBeLessThan(started(slowed.id));
      expect(tg.errors.filter((e) => e.error_code === 429)).toHaveLength(1);
      const line = logLine(bot.logs, 'telegram rate limit; waiting before trying again', /Too Many Requests/);
      expect(line).toMatchObject({ method: 'sendMessage', chat: '61', retryAfter: 1 });
    });

    it('bot removed from a group', async () => {
      const group = tg.groupChat(-100200, 'Gone 已移除');
      const amy = tg.user(51, 'Amy', 'zh-CN');
      const ben = tg.user(52, 'Ben', 'en');
      const other = tg.privateChat(52, ben);
      tg.failNext(
        'sendMessage',
        { error_code: 403, description: 'Forbidden: bot was kicked from the group chat' },
        { chatId: group.id, times: 10 },
      );
      tg.sendText(group, amy, '/chat 你好');
      // The bot tries to tell the member, in their language; Telegram refuses that too.
      await tg.waitForCall(
        'sendMessage',
        (c) => c.chatId === group.id && c.params.text === '机器人内部出错，已记录，请重试。',
        5000,
      );
      tg.sendText(other, ben, 'still there?');
      await tg.waitFor((f) => f.chatLog(other.id).some((m) => m.text === 'Echo: still there?'), 5000);
      expect(texts(group.id)).toEqual([]);
      expect(texts(other.id)).toEqual(['Echo: still there?']);
      // The group's question was asked upstream once (a group answer's first message waits up to
      // 400 ms for the first words instead of spending a slot on a placeholder), never again.
      expect(api.requestsTo('POST', '/v1/chat/completions')).toHaveLength(2);
      const failed = logLine(bot.logs, 'command failed', /bot was kicked from the group chat/);
      expect(failed).toMatchObject({ platform: 'telegram', chat: '-100200', user: '51', command: 'chat' });
      logLine(bot.logs, 'could not tell the user about the failure', /bot was kicked/);
      expect(bot.platform.healthy()).toBe(true);
    });

    it('message deleted while streaming', async () => {
      const cai = tg.user(71, 'Cai', 'zh-CN');
      const dee = tg.user(72, 'Dee', 'en');
      const chat = tg.privateChat(71, cai);
      const other = tg.privateChat(72, dee);
      const answer =
        '从前有座山 once upon a time, 山里有座庙 there was a temple 🏯, 庙里有个老和尚 an old monk.';
      api.enqueue('POST /v1/chat/completions', {
        kind: 'sse',
        events: chatChunks(answer, { pieces: 12 }),
        delayMs: 200,
      });
      tg.sendText(chat, cai, '/chat 讲个故事');
      const streaming = await tg.waitFor((f) => f.chatLog(chat.id).find((m) => m.edits >= 1), 5000);
      // The user deletes the message the answer is growing in.
      const res = await fetch(`${tg.apiRoot}/bot${tg.token}/deleteMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: chat.id, message_id: streaming.message_id }),
      });
      expect(res.status).toBe(200);
      tg.sendText(other, dee, 'meanwhile');
      await tg.waitFor((f) => f.chatLog(other.id).some((m) => m.text === 'Echo: meanwhile'), 5000);
      // The next edit finds the message gone (Telegram sends no update for a deletion): the answer
      // stops there, its upstream request is closed, and it is not sent again as a new message.
      await tg.waitFor(() => api.requestsTo('POST', '/v1/chat/completions').at(-2)?.closedByClient, 8000);
      expect(texts(chat.id)).toEqual([]);
      expect(tg.deleted(chat.id)).toEqual([streaming.message_id]);
      expect(texts(other.id)).toEqual(['Echo: meanwhile']);
      const line = parse(bot.logs).find(
        (l) => l.msg === 'an answer message was deleted; the answer stops here',
      );
      expect(line).toMatchObject({ platform: 'telegram', chat: '71', user: '71', command: 'chat' });
    });
  });

  it('interaction token expired', async () => {
    const faults = '1300000000000000091';
    const other = '1300000000000000092';
    const run = await startDiscordApp(api, {
      discord: {
        guilds: [
          {
            id: DEFAULT_GUILD_ID,
            name: 'Faults',
            channels: [
              { id: faults, name: 'faults' },
              { id: other, name: 'other' },
            ],
          },
        ],
      },
    });
    const discord = run.discord;
    try {
      const answer = '令牌过期了 the token expired, 但回答照样送达 but the answer still arrives ✅';
      api.enqueue('POST /v1/chat/completions', {
        kind: 'sse',
        events: chatChunks(answer, { pieces: 10 }),
        delayMs: 250,
      });
      const { id, token } = discord.slashCommand({
        name: 'chat',
        options: { prompt: '讲点什么' },
        channelId: faults,
        locale: 'zh-CN',
      });
      // The first words are showing in the interaction response when its token dies.
      await discord.waitFor((d) => {
        const content = d.interaction(id).original?.content ?? '';
        return content !== '' && content !== '⏳ …';
      }, 5000);
      discord.expireToken(token);
      const continued = await discord.waitFor(
        (d) => d.channelMessages(faults).find((m) => m.content === answer),
        8000,
      );
      expect(discord.interaction(id).original?.content).not.toBe(answer);
      expect(discord.channelMessages(faults).filter((m) => m.content === answer)).toEqual([continued]);
      // Another command, with its own token, is served.
      const next = discord.slashCommand({
        name: 'chat',
        options: { prompt: 'still here?' },
        channelId: other,
      });
      await discord.waitFor(
        (d) => d.interaction(next.id).original?.content === 'Echo: Tester: still here?',
        5000,
      );
      const line = logLine(run.logs, 'interaction token expired; continuing in a channel message', /.*/);
      expect(line).toMatchObject({ chat: faults });
      const logs = run.logs.join('');
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(discord.token);
      expect(logs).not.toContain(FAKE_API_KEY);
      expect(discord.unexpected).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});

describe('fault matrix: input, through the console', () => {
  let fake: FakeApiCore;
  let dir: string;
  beforeAll(async () => {
    fake = await FakeApiCore.start();
    dir = mkdtempSync(join(tmpdir(), 'bot-faults-'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image, just notes');
    // 21 MB on disk without writing 21 MB (a sparse file); refused before it is read.
    writeFileSync(join(dir, 'huge.png'), '');
    truncateSync(join(dir, 'huge.png'), 21 * 1024 * 1024);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  afterEach(() => {
    expect(fake.unexpected).toEqual([]);
  });

  interface InputRow {
    row: string;
    locale: string;
    line: () => string;
    shown: string;
    /** The refusal as logged: always in English. */
    logged: string;
    command: string;
  }

  const rows: InputRow[] = [
    {
      row: 'empty prompt',
      locale: ZH,
      line: () => '/chat',
      shown: '请输入要问的内容，例如：/chat 什么是黑洞？',
      logged: 'Please write something to ask, e.g. /chat What is a black hole?',
      command: 'chat',
    },
    {
      row: 'a 100,000-character prompt',
      locale: EN,
      line: () => `/chat ${'长'.repeat(50_000)}${'x'.repeat(50_000)}`,
      shown: 'prompt is too long: 100000 characters, at most 32000.',
      logged: 'prompt is too long: 100000 characters, at most 32000.',
      command: 'chat',
    },
    {
      row: 'a non-image file to describe',
      locale: ZH,
      line: () => `/describe ${join(dir, 'notes.txt')}`,
      shown: '“notes.txt” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。',
      logged: '“notes.txt” is not an image I can read (PNG, JPEG, GIF or WebP).',
      command: 'describe',
    },
    {
      row: 'an oversized image',
      locale: EN,
      line: () => `/describe ${join(dir, 'huge.png')}`,
      shown: 'The image is too large (21.0 MB); the limit is 20.0 MB.',
      logged: 'The image is too large (21.0 MB); the limit is 20.0 MB.',
      command: 'describe',
    },
    {
      row: 'an unknown model',
      locale: ZH,
      line: () => '/model gpt-9-ultra',
      shown: '未知模型“gpt-9-ultra”。发送 /models 查看列表。',
      logged: 'Unknown model “gpt-9-ultra”. Send /models to list them.',
      command: 'model',
    },
    {
      row: 'an unknown command',
      locale: EN,
      line: () => '/nothing',
      shown: 'Unknown command /nothing. Send /help to see what I can do.',
      logged: 'Unknown command /nothing. Send /help to see what I can do.',
      command: 'nothing',
    },
  ];

  it.each(rows.map((r) => [r.row, r] as const))(
    '%s',
    async (_row, { locale, line, shown, logged, command }) => {
      const run = await runConsole(fake, [line(), '/chat ok'], { locale });
      expect(run.output).toBe(`${shown}\nEcho: ok\n`);
      // Logged as a refusal, in English, with who and where; never the input itself.
      const refusal = logLine(run.logs, 'command refused', /./);
      expect(refusal).toMatchObject({ ...CONSOLE, command, err: { message: logged } });
      for (const l of run.logs) expect(l.length).toBeLessThan(5000);
      expectNoKey(run);
      // Nothing was sent upstream but the next question, asked with the chat's unchanged model.
      const chats = fake.requestsTo('POST', '/v1/chat/completions');
      expect(chats.map((r) => (r.json as { model: string }).model)).toEqual(['gpt-4o-mini']);
      expect(fake.requestsTo('POST', '/mj/*')).toHaveLength(0);
    },
  );
});
