import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiCore, openAiError, TINY_PNG } from '../fakes/apicore.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeTelegram } from '../fakes/telegram.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Distinctive values, so any trace of them in the output is a leak and not a coincidence. */
const tail = () => randomBytes(12).toString('hex');
const API_KEY = `sk-leakcheckApiKey${tail()}`;
const TELEGRAM_TOKEN = `7345678901:AAleakcheckTelegram${tail()}`;
const DISCORD_TOKEN = `MTleakcheckDiscord.${tail()}.${tail()}`;
const SECRETS = { API_KEY, TELEGRAM_TOKEN, DISCORD_TOKEN };

let api: FakeApiCore;
let tg: FakeTelegram;
let discord: FakeDiscord;
beforeAll(async () => {
  api = await FakeApiCore.start({ apiKey: API_KEY });
  tg = await FakeTelegram.start({ token: TELEGRAM_TOKEN, botUsername: 'leak_check_bot' });
  discord = await FakeDiscord.start({ token: DISCORD_TOKEN });
});
afterAll(async () => {
  await tg?.close();
  await discord?.close();
  await api?.close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every way a secret could show: whole, its distinctive part, or URL-encoded (tokens ride in URLs). */
function traces(secret: string): string[] {
  const distinctive = secret.slice(secret.indexOf('leakcheck'));
  return [secret, distinctive, encodeURIComponent(secret)];
}

describe('secrets', () => {
  it('a whole session at LOG_LEVEL=trace shows no key or token in stdout, stderr or any message', async () => {
    const photo = join(mkdtempSync(join(tmpdir(), 'bot-secrets-')), 'photo.png');
    writeFileSync(photo, TINY_PNG);
    // Telegram runs in the same process whenever its token is set (console mode included): it talks
    // to the loopback fake, never to Telegram. Discord is pointed at its fake too, should it start.
    const child = spawn(process.execPath, ['dist/main.mjs', '--console'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: 'en_US.UTF-8',
        LOG_LEVEL: 'trace',
        APICORE_API_KEY: API_KEY,
        APICORE_BASE_URL: api.url,
        TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        DISCORD_BOT_TOKEN: DISCORD_TOKEN,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.restBase,
        STORE_URL: 'memory',
        TASK_POLL_INTERVAL_MS: '100',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    try {
      await until(() => tg.callsTo('getUpdates').length > 0, 'the bot to poll Telegram');
      // Chat on Telegram while the console runs its session.
      const user = tg.user(81, 'Tess', 'en');
      const chat = tg.privateChat(81, user);
      tg.sendText(chat, user, 'hello from Telegram');
      // A photo: the bot downloads it from a URL that holds its token.
      tg.sendPhoto(chat, user, { bytes: Buffer.from(TINY_PNG) });

      api.enqueue('POST /v1/chat/completions', openAiError(401, 'Invalid token', 'invalid_api_key'));
      child.stdin.write('/chat this one is refused upstream\n');
      child.stdin.write('/chat hello from the console\n');
      child.stdin.write(`/describe ${photo}\n`);
      child.stdin.write('/song a song about keeping secrets\n');
      await tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.text === 'Echo: hello from Telegram'), 10_000);
      await tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.text === '✅ Midjourney · done'), 10_000);
      await until(() => stdout.includes('✅ Suno · 2 clip(s) delivered'), 'the song');
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }

    // The session really happened, with the secrets in play.
    expect(stdout).toContain(
      '⚠️ The bot’s APICore key was refused. The bot owner needs to check APICORE_API_KEY.',
    );
    expect(stdout).toContain('Echo: hello from the console');
    expect(stdout).toContain('🖼️ Four prompts for this image:');
    expect(stdout).toContain('✅ Suno · 2 clip(s) delivered');
    expect(stdout.match(/📎 audio: /g)).toHaveLength(2);
    expect(
      api.requests.every(
        (r) => r.path.startsWith('/files/') || r.headers.authorization === `Bearer ${API_KEY}`,
      ),
    ).toBe(true);
    expect(tg.downloads).toHaveLength(1);
    expect(tg.chatLog(81).some((m) => m.text.startsWith('🖼️ Four prompts for this image:'))).toBe(true);
    expect(stderr).toContain('"msg":"ready"');

    // Everything the users were sent, on every platform: texts, captions, buttons.
    const sent = JSON.stringify({
      console: stdout,
      telegram: tg.calls.map((c) => c.params),
      discord: discord.calls.map((c) => c.body),
    });
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const trace of traces(secret)) {
        expect(stdout, `${name} in stdout`).not.toContain(trace);
        expect(stderr, `${name} in stderr`).not.toContain(trace);
        expect(sent, `${name} in a message`).not.toContain(trace);
      }
    }
    expect(api.unexpected).toEqual([]);
    expect(tg.unexpected).toEqual([]);
  }, 30_000);
});
