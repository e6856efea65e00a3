import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MonitorReport } from '../monitor.js';
import type { BotBuild } from './build.js';
import type { SessionInfo } from './protocol.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BENCH_API_KEY = 'sk-bench-0123456789abcdef';

export interface BotLaunch {
  build: BotBuild;
  session: SessionInfo;
  /** The entry point: what `npm start` runs, unless a what-if row says otherwise. */
  entry?: string | undefined;
  /** Preload bench/monitor.ts and open an IPC channel to it. */
  monitor: boolean;
  storeUrl: string;
  logLevel: string;
  env?: Record<string, string>;
  /**
   * Profile into this folder: with the monitor, the main thread between monitor start and stop
   * (phase.cpuprofile); without it, the whole process (`--cpu-prof`, written at exit).
   */
  profileDir?: string | undefined;
}

function platformEnv(session: SessionInfo): Record<string, string> {
  const { telegram, discord } = session;
  return {
    ...(telegram ? { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot } : {}),
    ...(discord
      ? {
          DISCORD_BOT_TOKEN: discord.token,
          DISCORD_APPLICATION_ID: discord.applicationId,
          DISCORD_API_URL: discord.restBase,
          DISCORD_GUILD_ID: discord.guildId,
        }
      : {}),
  };
}

/**
 * The real bot as its own process, started the way `npm start` starts it (see build.ts), in an
 * empty working directory (no `.env`) and a minimal environment.
 */
export class BotProcess {
  readonly stderr: string[] = [];
  readonly #problems: string[] = [];
  /** Log lines saying the client waited for a rate limit (discord.js logs these at debug). */
  rateLimitedLines = 0;
  readonly spawnedAt: number;
  /** performance.now() of this process when the bot logged "ready". */
  readonly ready: Promise<number>;
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #reports: ((r: MonitorReport) => void)[] = [];
  #started: (() => void)[] = [];

  constructor(launch: BotLaunch) {
    const cwd = mkdtempSync(join(tmpdir(), 'bench-bot-'));
    const args = [
      ...(launch.profileDir && !launch.monitor ? ['--cpu-prof', '--cpu-prof-dir', launch.profileDir] : []),
      ...launch.build.execArgv,
      // e.g. BENCH_BOT_NODE_ARGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/heap"
      ...(process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...(launch.monitor ? ['--import', launch.build.monitor] : []),
      launch.entry ?? launch.build.main,
    ];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? cwd,
      TMPDIR: tmpdir(),
      APICORE_API_KEY: BENCH_API_KEY,
      APICORE_BASE_URL: launch.session.upstreamUrl,
      ...platformEnv(launch.session),
      STORE_URL: launch.storeUrl,
      LOG_LEVEL: launch.logLevel,
      RATE_LIMIT_PER_MINUTE: '0',
      DEFAULT_MODEL: 'gpt-4o-mini',
      ...(launch.profileDir && launch.monitor ? { BENCH_PROFILE_DIR: launch.profileDir } : {}),
      ...launch.env,
    };
    for (const name of ['BENCH_HEAP_SAMPLING', 'BENCH_PROFILE_INTERVAL_US'])
      if (process.env[name]) env[name] = process.env[name];
    // The child gets its own copy of the descriptor; ours is closed once it is spawned.
    const stdout = process.env.BENCH_BOT_STDOUT ? openSync(process.env.BENCH_BOT_STDOUT, 'a') : undefined;
    this.spawnedAt = performance.now();
    this.#child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: ['ignore', stdout ?? 'ignore', 'pipe', ...(launch.monitor ? (['ipc'] as const) : [])],
    });
    if (stdout !== undefined) closeSync(stdout);
    let resolveReady: (at: number) => void = () => {};
    let rejectReady: (e: Error) => void = () => {};
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {});
    let partial = '';
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      const at = performance.now();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (this.stderr.length < 2000) this.stderr.push(line);
        if ((/"level":(40|50|60)/.test(line) || /^fatal|Error/.test(line)) && this.#problems.length < 500)
          this.#problems.push(line);
        if (line.includes('rate limited')) this.rateLimitedLines++;
        if (line.includes('"msg":"ready"')) resolveReady(at);
      }
    });
    this.#child.on('message', (m: MonitorReport | { monitor: 'started' }) => {
      if (m.monitor === 'started') for (const f of this.#started.splice(0)) f();
      else for (const f of this.#reports.splice(0)) f(m);
    });
    this.exited = new Promise((res) => {
      this.#child.on('exit', (code) => {
        rmSync(cwd, { recursive: true, force: true }); // its working directory, empty unless it wrote there
        rejectReady(new Error(`the bot exited (${code}) before ready: ${this.stderr.slice(-5).join('\n')}`));
        res(code);
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Lines at warn level or above that the bot logged. */
  get problems(): string[] {
    return [...this.#problems];
  }

  monitorStart(): Promise<void> {
    return new Promise((res) => {
      this.#started.push(res);
      this.#child.send({ monitor: 'start' });
    });
  }

  monitorStop(): Promise<MonitorReport> {
    return new Promise((res) => {
      this.#reports.push(res);
      this.#child.send({ monitor: 'stop' });
    });
  }

  /** SIGKILL at once, if it still runs (cleanup when the bench itself fails or exits). */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  /** SIGTERM (the bot drains and exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.#child.exitCode !== null) return this.#child.exitCode;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
