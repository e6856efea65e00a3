import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_SUNO_MODEL, SUNO_MODELS, type SunoModel } from './core/songs.js';

/** Far above what any bot needs (Discord asks for one shard per 2,500 guilds); keeps ranges small. */
const MAX_SHARD_COUNT = 100_000;

/** Environment variables read by the bot. Their names are a contract with tools outside the project. */
const schema = z.object({
  APICORE_API_KEY: z.string().trim().min(1, 'a non-empty APICore API key (sk-...)'),
  APICORE_BASE_URL: httpUrl().default('https://api.apicore.ai'),
  TELEGRAM_BOT_TOKEN: optionalText(),
  TELEGRAM_API_ROOT: httpUrl().default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: optionalText().pipe(z.string().url('an https URL Telegram can reach').optional()),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535, 'a TCP port (0–65535)').default(8443),
  TELEGRAM_WEBHOOK_SECRET: optionalText().pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, '1–256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  TELEGRAM_MAX_PER_SECOND: z.coerce
    .number()
    .int('a whole number')
    .min(0, 'a whole number, 0 for no bot-wide limit')
    .max(1000, 'at most 1000 (paid broadcasts)')
    .default(30),
  DISCORD_BOT_TOKEN: optionalText(),
  DISCORD_APPLICATION_ID: optionalText().pipe(
    z
      .string()
      .regex(/^\d{5,25}$/, 'a numeric Discord application id (snowflake)')
      .optional(),
  ),
  DISCORD_API_URL: httpUrl().default('https://discord.com/api'),
  DISCORD_GUILD_ID: optionalText(),
  DISCORD_MESSAGE_CONTENT: onOff(true),
  DISCORD_SHARD_COUNT: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim().toLowerCase())
    .pipe(
      z
        .string()
        .regex(/^(|auto|[1-9]\d{0,5})$/, 'auto or the total number of shards (a whole number from 1)')
        .refine((v) => !/^\d+$/.test(v) || Number(v) <= MAX_SHARD_COUNT, `at most ${MAX_SHARD_COUNT} shards`),
    )
    .transform((v): number | 'auto' => (v === '' || v === 'auto' ? 'auto' : Number(v))),
  DISCORD_SHARD_IDS: optionalText(),
  STORE_URL: z
    .string()
    .trim()
    .regex(
      /^(sqlite:\/\/.+|redis:\/\/.+|rediss:\/\/.+|memory:?)$/,
      'sqlite://<path>, redis://<host>:<port> or memory',
    )
    .default('sqlite://./data/bot.sqlite'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  DEFAULT_MAX_TOKENS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ message: 'a whole number of tokens from 0 to 200000, 0 for the model’s own default' })
      .int('a whole number of tokens from 0 to 200000, 0 for the model’s own default')
      .min(0, 'a whole number of tokens from 0 to 200000, 0 for the model’s own default')
      .max(200_000, 'a whole number of tokens from 0 to 200000, 0 for the model’s own default')
      .default(4096),
  ),
  TASK_POLL_INTERVAL_MS: z.coerce
    .number({ message: 'a whole number of milliseconds, at least 100' })
    .int('a whole number of milliseconds, at least 100')
    .min(100, 'a whole number of milliseconds, at least 100')
    .default(3000),
  TASK_JOB_LOCK_MS: z.coerce
    .number({ message: 'a whole number of milliseconds, at least 500' })
    .int('a whole number of milliseconds, at least 500')
    .min(500, 'a whole number of milliseconds, at least 500')
    .default(30_000),
  ALLOWED_USERS: idList(),
  ALLOWED_CHATS: idList(),
  ADMIN_USERS: idList(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0, 'a whole number, 0 for no limit').default(20),
  DAILY_TOKEN_QUOTA: z.coerce.number().int().min(0, 'a whole number of tokens, 0 for no limit').default(0),
  DAILY_TASK_QUOTA: z.coerce.number().int().min(0, 'a whole number of tasks, 0 for no limit').default(0),
  MAX_TOOL_TASKS_PER_ANSWER: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ message: 'a whole number from 0 to 20' })
      .int('a whole number from 0 to 20')
      .min(0, 'a whole number from 0 to 20')
      .max(20, 'a whole number from 0 to 20')
      .default(3),
  ),
  HEALTH_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int('a TCP port (0–65535)').min(0).max(65535, 'a TCP port (0–65535)').optional(),
  ),
  APICORE_TIMEOUT_MS: z.coerce.number().int().min(1000, 'at least 1000 milliseconds').default(120_000),
  SUNO_MODEL: optionalText().pipe(
    z.enum(SUNO_MODELS, { message: `one of ${SUNO_MODELS.join(', ')}` }).default(DEFAULT_SUNO_MODEL),
  ),
  GROUP_DAILY_SONGS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ message: 'a whole number of songs per group and day, 0 for no limit' })
      .int('a whole number of songs per group and day, 0 for no limit')
      .min(0, 'a whole number of songs per group and day, 0 for no limit')
      .default(0),
  ),
  PUBLIC_BASE_URL: optionalText().pipe(httpUrl().optional()),
  APICORE_STREAM_IDLE_MS: z.coerce
    .number({ message: 'a whole number of milliseconds, at least 1000' })
    .int('a whole number of milliseconds, at least 1000')
    .min(1000, 'a whole number of milliseconds, at least 1000')
    .default(90_000),
});

/** `123, telegram:456` → ['123', 'telegram:456']; a bare id matches on every platform. */
function idList() {
  return z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
    .pipe(
      z.array(
        z.string().regex(/^([a-z]+:)?[\w@.-]+$/, 'a comma-separated list of ids (optionally platform:id)'),
      ),
    );
}

const SHARD_IDS_EXPECTED =
  'a comma-separated list of shard ids and ranges (e.g. 0,2 or 0-3), each below DISCORD_SHARD_COUNT';

/**
 * DISCORD_SHARD_IDS (`0,2`, `0-3`, `4-7, 9`) against DISCORD_SHARD_COUNT → sorted, distinct ids.
 * Unset: undefined (every shard of the count in this process).
 */
function shardIds(raw: string | undefined, count: number | 'auto'): number[] | undefined {
  if (raw === undefined) return undefined;
  if (count === 'auto')
    throw new ConfigError(
      'DISCORD_SHARD_IDS is invalid: expected DISCORD_SHARD_COUNT set to the total number of shards (not auto) when DISCORD_SHARD_IDS picks some of them',
    );
  const ids = new Set<number>();
  for (const part of raw.split(',')) {
    const m = /^\s*(\d{1,6})\s*(?:-\s*(\d{1,6})\s*)?$/.exec(part);
    const from = m ? Number(m[1]) : Number.NaN;
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || from > to || to >= count)
      throw new ConfigError(`DISCORD_SHARD_IDS is invalid: expected ${SHARD_IDS_EXPECTED} (${count})`);
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** `on`/`off` (also true/false, yes/no, 1/0, any case); empty or unset: `fallback`. */
function onOff(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim().toLowerCase())
    .pipe(z.enum(['', 'on', 'off', 'true', 'false', 'yes', 'no', '1', '0'], { message: 'on or off' }))
    .transform((v) => (v === '' ? fallback : v === 'on' || v === 'true' || v === 'yes' || v === '1'));
}

function optionalText() {
  return z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v));
}

function httpUrl() {
  return z
    .string()
    .trim()
    .url('an http(s) URL')
    .refine((v) => /^https?:\/\//.test(v), 'an http(s) URL')
    .transform((v) => v.replace(/\/+$/, ''));
}

export type Env = z.infer<typeof schema>;

export interface AccessConfig {
  allowedUsers: string[];
  allowedChats: string[];
  adminUsers: string[];
  ratePerMinute: number;
  dailyTokenQuota: number;
  dailyTaskQuota: number;
  /** Media tasks the model's tool calls may start in one chat answer (0: the model gets no media tools). */
  maxToolTasksPerAnswer: number;
}

export interface Config {
  apicore: { apiKey: string; baseUrl: string; timeoutMs: number; streamIdleMs: number };
  telegram:
    | {
        token: string;
        apiRoot: string;
        webhook: { url: string; port: number; secret: string | undefined } | undefined;
        /** Bot-wide sends + edits + drafts per second across chats; 0: no bot-wide limit. */
        maxPerSecond: number;
      }
    | undefined;
  discord:
    | {
        token: string;
        applicationId: string;
        apiUrl: string;
        guildId: string | undefined;
        /** Request the privileged MessageContent intent (DISCORD_MESSAGE_CONTENT, default on). */
        messageContent: boolean;
        /**
         * Which gateway shards this process runs (DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS): `count` auto
         * (Discord's recommendation, all in this process) or the total; `ids` undefined for all of them.
         */
        shards: { count: number | 'auto'; ids: number[] | undefined };
      }
    | undefined;
  storeUrl: string;
  access: AccessConfig;
  healthPort: number | undefined;
  logLevel: Env['LOG_LEVEL'];
  defaultModel: string;
  /** Most tokens a chat answer may have unless the chat sets its own (0: the model's own default). */
  defaultMaxTokens: number;
  /**
   * Songs: the default Suno model (SUNO_MODEL), each group's songs per UTC day (GROUP_DAILY_SONGS,
   * 0 = unlimited) and where the health server is reached from outside (PUBLIC_BASE_URL), for
   * audio the gateway must fetch.
   */
  songs: { defaultModel: SunoModel; groupDailySongs: number; publicBaseUrl: string | undefined };
  taskPollIntervalMs: number;
  /** Cluster mode: how long a dead instance's task jobs wait before another instance takes them. */
  taskJobLockMs: number;
}

/** A configuration problem to show as one line, then exit with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the environment once. Throws ConfigError whose message names the variable and
 * what it expects; never includes the value (it may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const expected =
      issue?.code === 'invalid_type' && env[name] === undefined ? describeMissing(name) : issue?.message;
    throw new ConfigError(
      `${name} is ${env[name] === undefined ? 'missing' : 'invalid'}: expected ${expected}`,
    );
  }
  const e = parsed.data;
  if (e.DISCORD_BOT_TOKEN && !e.DISCORD_APPLICATION_ID) {
    throw new ConfigError(
      'DISCORD_APPLICATION_ID is missing: expected the numeric application id that goes with DISCORD_BOT_TOKEN',
    );
  }
  if (e.PUBLIC_BASE_URL && e.HEALTH_PORT === undefined) {
    throw new ConfigError(
      'PUBLIC_BASE_URL is invalid: expected HEALTH_PORT set too (uploaded audio is served by the health server at PUBLIC_BASE_URL/files/…)',
    );
  }
  const discordShards = {
    count: e.DISCORD_SHARD_COUNT,
    ids: shardIds(e.DISCORD_SHARD_IDS, e.DISCORD_SHARD_COUNT),
  };
  return {
    apicore: {
      apiKey: e.APICORE_API_KEY,
      baseUrl: e.APICORE_BASE_URL,
      timeoutMs: e.APICORE_TIMEOUT_MS,
      streamIdleMs: e.APICORE_STREAM_IDLE_MS,
    },
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT,
          maxPerSecond: e.TELEGRAM_MAX_PER_SECOND,
          webhook: e.TELEGRAM_WEBHOOK_URL
            ? {
                url: e.TELEGRAM_WEBHOOK_URL,
                port: e.TELEGRAM_WEBHOOK_PORT,
                secret: e.TELEGRAM_WEBHOOK_SECRET,
              }
            : undefined,
        }
      : undefined,
    discord:
      e.DISCORD_BOT_TOKEN && e.DISCORD_APPLICATION_ID
        ? {
            token: e.DISCORD_BOT_TOKEN,
            applicationId: e.DISCORD_APPLICATION_ID,
            apiUrl: e.DISCORD_API_URL,
            guildId: e.DISCORD_GUILD_ID,
            messageContent: e.DISCORD_MESSAGE_CONTENT,
            shards: discordShards,
          }
        : undefined,
    storeUrl: e.STORE_URL,
    access: {
      allowedUsers: e.ALLOWED_USERS,
      allowedChats: e.ALLOWED_CHATS,
      adminUsers: e.ADMIN_USERS,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      dailyTokenQuota: e.DAILY_TOKEN_QUOTA,
      dailyTaskQuota: e.DAILY_TASK_QUOTA,
      maxToolTasksPerAnswer: e.MAX_TOOL_TASKS_PER_ANSWER,
    },
    healthPort: e.HEALTH_PORT,
    logLevel: e.LOG_LEVEL,
    defaultModel: e.DEFAULT_MODEL,
    defaultMaxTokens: e.DEFAULT_MAX_TOKENS,
    songs: {
      defaultModel: e.SUNO_MODEL,
      groupDailySongs: e.GROUP_DAILY_SONGS,
      publicBaseUrl: e.PUBLIC_BASE_URL,
    },
    taskPollIntervalMs: e.TASK_POLL_INTERVAL_MS,
    taskJobLockMs: e.TASK_JOB_LOCK_MS,
  };
}

function describeMissing(name: string): string {
  return name === 'APICORE_API_KEY' ? 'your APICore API key (sk-...), from the APICore console' : 'a value';
}

/** Loads `.env` from the working directory into process.env when present (values already set win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The one line printed when no platform is configured. */
export const NO_PLATFORM_MESSAGE =
  'No platform is configured: set TELEGRAM_BOT_TOKEN to run on Telegram, and/or DISCORD_BOT_TOKEN with DISCORD_APPLICATION_ID to run on Discord (or try it in the terminal with `npm run console`).';
