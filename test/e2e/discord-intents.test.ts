import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { commandSummaries } from '../../src/core/command.js';
import { createLogger } from '../../src/log.js';
import {
  DISALLOWED_INTENT_MESSAGE,
  DiscordPlatform,
  MENTION_NEEDED,
} from '../../src/platforms/discord/discord-platform.js';
import { memoryStore } from '../../src/store/index.js';
import { FAKE_API_KEY, FakeApiCore } from '../fakes/apicore.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  FakeDiscord,
  type FakeDiscordOptions,
} from '../fakes/discord.js';
import { startDiscordApp } from '../helpers/discord-app.js';
import { RecordingAdapter } from '../helpers/recording-adapter.js';

const MESSAGE_CONTENT = 1 << 15;
const CURSOR = ' ▍';

interface LogLine {
  level: number;
  msg: string;
  platform?: string;
}

let apicore: FakeApiCore;
beforeAll(async () => {
  apicore = await FakeApiCore.start();
});
afterAll(async () => {
  await apicore?.close();
});

/** Runs a /chat in the default channel and resolves with its final answer. */
async function chat(discord: FakeDiscord, prompt: string): Promise<string> {
  const { id } = discord.slashCommand({ name: 'chat', options: { prompt }, channelId: DEFAULT_CHANNEL_ID });
  const original = await discord.waitFor((d) => {
    const o = d.interaction(id).original;
    return o?.content.startsWith('Echo:') && !o.content.endsWith(CURSOR) ? o : undefined;
  }, 6000);
  return original.content;
}

const parse = (logs: string[]) => logs.map((l) => JSON.parse(l) as LogLine);

/** Waits (event loop turns, no deadline of its own) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('Discord: the MessageContent intent', () => {
  it('a 4014 close is logged once with what to change; the bot logs in again without the intent and answers', async () => {
    const run = await startDiscordApp(apicore, { discord: { disallowedIntents: MESSAGE_CONTENT } });
    try {
      const { discord, platform, app, logs } = run;
      // Asked once with the intent (refused), then once without it (accepted).
      expect(discord.identifies.map((d) => (d.intents as number) & MESSAGE_CONTENT)).toEqual([
        MESSAGE_CONTENT,
        0,
      ]);
      expect(discord.gatewayCloses).toEqual([{ code: 4014, reason: 'Disallowed intent(s).' }]);
      const lines = parse(logs);
      expect(lines.filter((l) => l.msg === DISALLOWED_INTENT_MESSAGE)).toEqual([
        expect.objectContaining({ level: 40, platform: 'discord', closeCode: 4014 }),
      ]);
      expect(DISALLOWED_INTENT_MESSAGE).toContain(
        'turn on Message Content Intent under Bot → Privileged Gateway Intents',
      );
      expect(DISALLOWED_INTENT_MESSAGE).toContain('DISCORD_MESSAGE_CONTENT=off');
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(platform.messageContent).toBe(false);
      expect(app.platformHealth()).toEqual({ discord: { state: 'up' } });

      // Slash commands work as before.
      expect(await chat(discord, '4014 之后 still here? 🚦')).toBe('Echo: Tester: 4014 之后 still here? 🚦');
      // A mention still arrives with its text (Discord's exemption), and is answered in a thread.
      const sent = discord.messageCreate({
        channelId: DEFAULT_CHANNEL_ID,
        content: `<@${discord.botUserId}> 提到我 mention me 📣`,
        mentions: [discord.botUser],
      });
      expect(sent.contentVisible).toBe(true);
      const thread = await discord.waitFor((d) => d.threads().find((t) => t.parentId === DEFAULT_CHANNEL_ID));
      await discord.waitFor(
        (d) => d.channelMessages(thread.id).find((m) => m.content === 'Echo: Tester: 提到我 mention me 📣'),
        6000,
      );
      // The warning was not repeated, and no secret leaked.
      expect(parse(logs).filter((l) => l.msg === DISALLOWED_INTENT_MESSAGE)).toHaveLength(1);
      expect(logs.join('')).not.toContain(discord.token);
      expect(discord.unexpected).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  it('turned off in the portal while running: the next identify gets 4014, the bot logs in again without it', async () => {
    const run = await startDiscordApp(apicore);
    try {
      const { discord, platform, logs } = run;
      discord.disallowIntents(MESSAGE_CONTENT);
      discord.sendOp(9, false); // invalid session: the client must identify afresh
      await until(() => discord.identifies.length === 3 && platform.health().state === 'up');
      expect(discord.identifies.map((d) => (d.intents as number) & MESSAGE_CONTENT)).toEqual([
        MESSAGE_CONTENT,
        MESSAGE_CONTENT,
        0,
      ]);
      expect(discord.gatewayCloses.map((c) => c.code)).toEqual([4014]);
      expect(platform.messageContent).toBe(false);
      const lines = parse(logs);
      expect(lines.filter((l) => l.msg === DISALLOWED_INTENT_MESSAGE)).toHaveLength(1);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(await chat(discord, '又能用了 working again ✅')).toBe(
        'Echo: Tester: 又能用了 working again ✅',
      );
    } finally {
      await run.stop();
    }
  });

  it('DISCORD_MESSAGE_CONTENT=off never asks for the intent', async () => {
    const run = await startDiscordApp(apicore, {
      discord: { disallowedIntents: MESSAGE_CONTENT },
      env: { DISCORD_MESSAGE_CONTENT: 'off' },
    });
    try {
      const { discord, logs } = run;
      expect(discord.identifies).toHaveLength(1);
      expect((discord.identifies[0]?.intents as number) & MESSAGE_CONTENT).toBe(0);
      expect(discord.gatewayCloses).toEqual([]);
      expect(parse(logs).filter((l) => l.msg === DISALLOWED_INTENT_MESSAGE)).toEqual([]);
      expect(await chat(discord, '不要内容 no content 🙈')).toBe('Echo: Tester: 不要内容 no content 🙈');
      // A channel message that does not mention the bot arrives without its text.
      const plain = discord.messageCreate({ channelId: DEFAULT_CHANNEL_ID, content: '路过 passing by 🚶' });
      expect(plain.contentVisible).toBe(false);

      // In the bot's own thread, a message without a mention arrives empty too: it is not answered
      // as an empty question; the thread is told once that messages there need a mention.
      const bot = `<@${discord.botUserId}>`;
      discord.messageCreate({
        channelId: DEFAULT_CHANNEL_ID,
        content: `${bot} 开个帖子 start a thread 🧵`,
        mentions: [discord.botUser],
      });
      const thread = await discord.waitFor((d) => d.threads().find((t) => t.parentId === DEFAULT_CHANNEL_ID));
      const first = 'Echo: Tester: 开个帖子 start a thread 🧵';
      await discord.waitFor((d) => d.channelMessages(thread.id).find((m) => m.content === first), 6000);
      const unread = discord.messageCreate({ channelId: thread.id, content: '没提到你 no mention 🙊' });
      expect(unread.contentVisible).toBe(false);
      discord.messageCreate({ channelId: thread.id, content: '还是没有 still none 🙉' });
      discord.messageCreate({
        channelId: thread.id,
        content: `${bot} 这次提到了 now mentioned 🙋`,
        mentions: [discord.botUser],
      });
      const last = 'Echo: Tester: 这次提到了 now mentioned 🙋';
      await discord.waitFor((d) => d.channelMessages(thread.id).find((m) => m.content === last), 6000);
      const hint = MENTION_NEEDED.en.replace('{bot}', bot);
      const said = discord.channelMessages(thread.id).filter((m) => m.author.id === discord.botUserId);
      expect(said.map((m) => m.content)).toEqual([first, hint, last]);
      expect(said[1]?.message_reference?.message_id).toBe(unread.id);
      expect(discord.unexpected).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  it('by default asks for it (Guilds, GuildMessages, MessageContent, DirectMessages)', async () => {
    const run = await startDiscordApp(apicore);
    try {
      expect(run.discord.identifies.map((d) => d.intents)).toEqual([
        (1 << 0) | (1 << 9) | (1 << 12) | MESSAGE_CONTENT,
      ]);
      expect(run.platform.messageContent).toBe(true);
    } finally {
      await run.stop();
    }
  });
});

/** Discord and a second platform in one app with /healthz, against a fake Discord set up by `fake`. */
async function twoPlatformApp(
  fake: FakeDiscordOptions,
  env: Record<string, string> = {},
  startRetry?: { firstMs: number; maxMs: number },
) {
  const discord = await FakeDiscord.start(fake);
  const logs: string[] = [];
  const config = loadConfig({
    APICORE_API_KEY: FAKE_API_KEY,
    APICORE_BASE_URL: apicore.url,
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.restBase,
    DISCORD_GUILD_ID: DEFAULT_GUILD_ID,
    STORE_URL: 'memory',
    ...env,
  });
  const log = createLogger({
    level: 'info',
    secrets: [],
    destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
  });
  const platform = new DiscordPlatform({
    ...config.discord!,
    commands: commandSummaries(commands),
    log,
    clientOptions: { waitGuildTimeout: 0 },
  });
  const console = new RecordingAdapter('console');
  const app = createApp({
    config,
    log,
    adapters: [platform, console],
    store: memoryStore(),
    healthPort: 0,
    startRetry,
  });
  const healthz = async () => {
    const res = await fetch(`${app.healthAddress}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The console platform still answers. */
  const consoleAnswers = async (prompt: string) => {
    const chat = { platform: 'console', id: 'c1', kind: 'private' as const };
    await app.router.hooksFor(console).dispatch({
      user: { id: 'u1', name: 'Uma', locale: 'zh-CN' },
      chat,
      channel: console.channel(chat),
      event: { type: 'command', name: 'chat', args: { prompt } },
    });
    return console.messages.map((m) => m.text);
  };
  return {
    discord,
    app,
    platform,
    logs,
    healthz,
    consoleAnswers,
    async stop() {
      await app.stop(100);
      await discord.close();
    },
  };
}

describe('Discord: /healthz', () => {
  it('shows Discord starting until the gateway is ready, then up', async () => {
    const run = await twoPlatformApp({ holdReady: true });
    const started = run.app.start();
    try {
      await run.discord.waitFor((d) => d.identifies.length > 0 || undefined, 5000);
      const early = await run.healthz();
      expect(early.status).toBe(503);
      expect(early.body).toMatchObject({
        status: 'starting',
        platforms: { discord: { state: 'starting' }, console: { state: 'up' } },
      });
      run.discord.releaseReady();
      await started;
      const ready = await run.healthz();
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        platforms: { discord: { state: 'up' }, console: { state: 'up' } },
      });
    } finally {
      run.discord.releaseReady();
      await started;
      await run.stop();
    }
  });

  it('shows Discord unhealthy while the gateway resumes, up again once resumed, and answers after 🔁', async () => {
    const run = await twoPlatformApp({});
    try {
      await run.app.start();
      expect((await run.healthz()).body).toMatchObject({ status: 'ok' });
      run.discord.holdNextReady();
      run.discord.sendOp(7); // Discord asks the client to reconnect and resume
      await until(() => run.platform.health().state === 'unhealthy');
      const resuming = await run.healthz();
      expect(resuming.status).toBe(503);
      expect(resuming.body).toMatchObject({
        status: 'unhealthy',
        platforms: {
          discord: { state: 'unhealthy', reason: 'gateway connection lost; resuming' },
          console: { state: 'up' },
        },
      });
      run.discord.releaseReady();
      await until(() => run.platform.health().state === 'up');
      expect((await run.healthz()).status).toBe(200);
      // The session was resumed, not identified again.
      expect(run.discord.identifies).toHaveLength(1);
      expect(run.discord.gatewayFrames.filter((f) => f.op === 6)).toHaveLength(1);
      expect(await chat(run.discord, '恢复了吗 resumed? 🔁')).toBe('Echo: Tester: 恢复了吗 resumed? 🔁');
    } finally {
      run.discord.releaseReady();
      await run.stop();
    }
  });

  it('a token the gateway refuses (4004): Discord unhealthy with the reason, the console still answers 你好 👋', async () => {
    const run = await twoPlatformApp({ refuseGatewayToken: true });
    try {
      await run.app.start();
      expect(run.discord.gatewayCloses.map((c) => c.code)).toEqual([4004]);
      const { status, body } = await run.healthz();
      expect(status).toBe(503);
      expect(body).toMatchObject({
        status: 'unhealthy',
        ready: true,
        platforms: {
          discord: {
            state: 'unhealthy',
            reason: 'could not start: token refused by the gateway (4004): check DISCORD_BOT_TOKEN',
          },
          console: { state: 'up' },
        },
      });
      expect(run.platform.health()).toEqual({
        state: 'unhealthy',
        reason: 'token refused by the gateway (4004): check DISCORD_BOT_TOKEN',
      });
      expect(await run.consoleAnswers('你好 👋')).toContain('Echo: 你好 👋');
      const errors = parse(run.logs).filter((l) => l.level >= 50);
      expect(errors).toEqual([
        expect.objectContaining({
          platform: 'discord',
          msg: 'discord could not start; the other platforms run without it',
        }),
      ]);
      expect(run.logs.join('')).not.toContain(run.discord.token);
    } finally {
      await run.stop();
    }
  });

  it('a token REST refuses (401) or an unreachable API: Discord unhealthy, the console still answers 🌏', async () => {
    const refused = await twoPlatformApp({}, { DISCORD_BOT_TOKEN: 'wrong.token.value' });
    try {
      await refused.app.start();
      expect(refused.app.platformHealth()).toEqual({
        discord: {
          state: 'unhealthy',
          reason: 'could not start: token refused (401): check DISCORD_BOT_TOKEN',
        },
        console: { state: 'up' },
      });
      expect(await refused.consoleAnswers('还在吗 still there 🌏')).toContain('Echo: 还在吗 still there 🌏');
      expect(refused.logs.join('')).not.toContain('wrong.token.value');
    } finally {
      await refused.stop();
    }
    const unreachable = await twoPlatformApp({}, { DISCORD_API_URL: 'http://127.0.0.1:9/api' });
    try {
      await unreachable.app.start();
      const health = unreachable.app.platformHealth();
      expect(health.console).toEqual({ state: 'up' });
      expect(health.discord?.state).toBe('unhealthy');
      expect(health.discord?.reason).toMatch(/^could not start: login failed: /);
      expect(await unreachable.consoleAnswers('离线 offline 📴')).toContain('Echo: 离线 offline 📴');
    } finally {
      await unreachable.stop();
    }
  });

  it('Discord down at start (503s): tried again in the background, backing off, and answers once it is back 🔄', async () => {
    const down = await twoPlatformApp({}, {}, { firstMs: 20, maxMs: 80 });
    try {
      const { discord, app } = down;
      const unavailable = { status: 503, body: { message: '503: Service Unavailable', code: 0 } };
      discord.failNext('GET /gateway/bot', unavailable, 12);
      await app.start();
      expect(app.platformHealth().discord).toEqual({
        state: 'unhealthy',
        reason: expect.stringMatching(/^could not start: login failed: .*\(trying again in 1 s\)$/),
      });
      expect(await down.consoleAnswers('先用着 meanwhile ☕')).toContain('Echo: 先用着 meanwhile ☕');
      await until(() => app.platformHealth().discord?.state === 'up');
      expect(discord.calls.filter((c) => c.path === '/gateway/bot' && c.status === 503)).toHaveLength(12);
      expect(await chat(discord, '回来了 back again 🔄')).toBe('Echo: Tester: 回来了 back again 🔄');
      const lines = parse(down.logs).filter((l) => l.msg.startsWith('discord could not start'));
      expect(lines[0]?.level).toBe(50);
      expect(lines.slice(1).every((l) => l.level === 40)).toBe(true);
      expect(parse(down.logs).some((l) => l.msg === 'discord started')).toBe(true);
      expect(down.logs.join('')).not.toContain(discord.token);
    } finally {
      await down.stop();
    }
  });

  it('a refused token is not tried again: it waits for the operator', async () => {
    const refused = await twoPlatformApp(
      {},
      { DISCORD_BOT_TOKEN: 'wrong.token.value' },
      { firstMs: 10, maxMs: 10 },
    );
    try {
      await refused.app.start();
      const before = refused.discord.calls.length;
      await new Promise((r) => setTimeout(r, 100));
      expect(refused.discord.calls.length).toBe(before);
      expect(refused.app.platformHealth().discord?.reason).toBe(
        'could not start: token refused (401): check DISCORD_BOT_TOKEN',
      );
    } finally {
      await refused.stop();
    }
  });
});
