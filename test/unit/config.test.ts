import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

describe('loadConfig', () => {
  it('fills defaults', () => {
    const c = loadConfig({ APICORE_API_KEY: 'sk-abc' });
    expect(c).toMatchObject({
      apicore: { apiKey: 'sk-abc', baseUrl: 'https://api.apicore.ai' },
      telegram: undefined,
      discord: undefined,
      storeUrl: 'sqlite://./data/bot.sqlite',
      logLevel: 'info',
      taskPollIntervalMs: 3000,
    });
  });

  it.each([
    [{}, /^APICORE_API_KEY is missing/],
    [
      { APICORE_API_KEY: 'sk', TASK_POLL_INTERVAL_MS: '50' },
      /^TASK_POLL_INTERVAL_MS is invalid: expected .*at least 100/,
    ],
    [{ APICORE_API_KEY: 'sk', TASK_POLL_INTERVAL_MS: 'soon' }, /^TASK_POLL_INTERVAL_MS is invalid/],
    [
      { APICORE_API_KEY: 'sk', APICORE_BASE_URL: 'ftp://x' },
      /^APICORE_BASE_URL is invalid: expected an http\(s\) URL/,
    ],
    [{ APICORE_API_KEY: 'sk', LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid/],
    [{ APICORE_API_KEY: 'sk', STORE_URL: 'mysql://x' }, /^STORE_URL is invalid/],
    [{ APICORE_API_KEY: 'sk', DISCORD_BOT_TOKEN: 'abc' }, /^DISCORD_APPLICATION_ID is missing/],
    [
      { APICORE_API_KEY: 'sk', MAX_TOOL_TASKS_PER_ANSWER: '21' },
      /^MAX_TOOL_TASKS_PER_ANSWER is invalid: expected a whole number from 0 to 20$/,
    ],
    [{ APICORE_API_KEY: 'sk', MAX_TOOL_TASKS_PER_ANSWER: '-1' }, /^MAX_TOOL_TASKS_PER_ANSWER is invalid/],
    [{ APICORE_API_KEY: 'sk', MAX_TOOL_TASKS_PER_ANSWER: '2.5' }, /^MAX_TOOL_TASKS_PER_ANSWER is invalid/],
    [{ APICORE_API_KEY: 'sk', MAX_TOOL_TASKS_PER_ANSWER: '三' }, /^MAX_TOOL_TASKS_PER_ANSWER is invalid/],
  ])('names the variable at fault: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('caps the media tasks one answer’s tool calls may start: 3 by default, 0 … 20', () => {
    const base = { APICORE_API_KEY: 'sk' };
    expect(loadConfig(base).access.maxToolTasksPerAnswer).toBe(3);
    expect(loadConfig({ ...base, MAX_TOOL_TASKS_PER_ANSWER: '' }).access.maxToolTasksPerAnswer).toBe(3);
    expect(loadConfig({ ...base, MAX_TOOL_TASKS_PER_ANSWER: '0' }).access.maxToolTasksPerAnswer).toBe(0);
    expect(loadConfig({ ...base, MAX_TOOL_TASKS_PER_ANSWER: ' 20 ' }).access.maxToolTasksPerAnswer).toBe(20);
  });

  it('never repeats a secret value in its message', () => {
    try {
      loadConfig({ APICORE_API_KEY: 'sk-secret-value', TELEGRAM_API_ROOT: 'not a url sk-secret-value' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^TELEGRAM_API_ROOT is invalid/);
      expect((e as Error).message).not.toContain('sk-secret-value');
    }
  });

  it('turns platforms on by their tokens', () => {
    const c = loadConfig({
      APICORE_API_KEY: 'sk',
      TELEGRAM_BOT_TOKEN: '123:abc',
      DISCORD_BOT_TOKEN: 'd.t.x',
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:9/api/',
    });
    expect(c.telegram).toEqual({
      token: '123:abc',
      apiRoot: 'https://api.telegram.org',
      webhook: undefined,
      maxPerSecond: 30,
    });
    expect(c.discord).toMatchObject({
      applicationId: '123456789012345678',
      apiUrl: 'http://127.0.0.1:9/api',
    });
  });
});

describe('createLogger', () => {
  it('scrubs secrets wherever they appear in a line', async () => {
    const lines: string[] = [];
    const destination = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const log = createLogger({ level: 'trace', secrets: ['sk-live-123456', '123456:TOKEN'], destination });
    log.info(
      { url: 'https://api.telegram.org/bot123456:TOKEN/getMe', apiKey: 'anything' },
      'calling with sk-live-123456',
    );
    log.error({ err: new Error('refused key sk-live-123456') }, 'failed');
    await new Promise((r) => setTimeout(r, 10));
    const all = lines.join('');
    expect(all).toContain('calling with [redacted]');
    expect(all).toContain('bot[redacted]/getMe');
    expect(all).not.toContain('sk-live-123456');
    expect(all).not.toContain('123456:TOKEN');
    expect(all).not.toContain('anything');
  });
});
