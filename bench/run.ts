/**
 * `npm run bench`: drives the real bot (`src/main.ts`: grammY, router, renderer, APICore client,
 * task poller) as its own process against loopback fakes in a second process (the fake Telegram
 * Bot API from test/fakes and a time-based upstream), then prints one table and writes it, with
 * the date, Node version and machine, to bench/results.md. The cluster phase (bench/cluster.ts)
 * runs three bot processes on one redis-server, Telegram by webhook; without redis-server it is
 * skipped with one line saying why.
 *
 * BENCH_PROFILE=1 also writes a V8 CPU profile of every bot process to bench/profiles/<phase>/
 * (summarise one with `npx tsx bench/profile-summary.ts <file.cpuprofile>`); add BENCH_SOURCES=1
 * to run the sources under tsx, so the profile names each package and file. BENCH_ONLY=<phase
 * prefixes, comma-separated> runs some phases; BENCH_DUMP=1 writes raw figures to bench/profiles/.
 * BENCH_ONLY=trim runs the in-process trim bench (bench/trim.ts) alone, without building or starting
 * anything. BENCH_BOT_NODE_ARGS adds node flags to every bot process (`--trace-gc`), whose stdout
 * goes to the file BENCH_BOT_STDOUT names; see bench/monitor.ts for the profiling knobs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { discordLimits } from '../src/platforms/discord/limits.js';
import { telegramLimits } from '../src/platforms/telegram/limits.js';
import {
  BACK_TO_BACK_ANSWERS,
  type BackToBackPhase,
  backToBackPhase,
  renderBackToBack,
} from './back-to-back.js';
import { type ClusterPhase, clusterPhase, clusterSkipReason } from './cluster.js';
import { BotProcess, ROOT } from './lib/bot-process.js';
import { type BotBuild, buildBot } from './lib/build.js';
import { FakesClient } from './lib/fakes-client.js';
import { cpuMsOf, tcpCounters, tcpDelta, threadCpuMs } from './lib/proc.js';
import type { ChatScenario, Platform, SessionInfo } from './lib/protocol.js';
import { type ChatPhase, type ColdPhase, renderReport, type TaskPhase } from './lib/report.js';
import { RttProbe } from './lib/rtt.js';
import { sleep } from './lib/stats.js';
import { renderSoak, type SoakPhase, soakPhase, soakSection, writeSoakSection } from './soak.js';
import { renderTrim, type TrimPhase, trimOnly, trimPhase } from './trim.js';

const PROFILE = process.env.BENCH_PROFILE === '1';
/** Task polling interval used to observe ticks quickly; the per-minute figure is given at 3000 ms. */
const POLL_INTERVAL_MS = 200;
const IDLE_WINDOW_MS = 5_000;
const COLD_RUNS = 6;
/** How bot processes start: set once at the beginning of main(). */
let BUILD: BotBuild;

const log = (text: string) =>
  console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${text}`);
const t0 = performance.now();

function profileDir(phase: string): string | undefined {
  if (!PROFILE) return undefined;
  const dir = join(ROOT, 'bench/profiles', phase);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startBot(
  fakes: FakesClient,
  session: SessionInfo,
  phase: string,
  env: Record<string, string> = {},
  entry?: string,
): Promise<BotProcess> {
  const bot = new BotProcess({
    build: BUILD,
    session,
    entry,
    monitor: true,
    storeUrl: 'memory',
    // BENCH_BOT_LOG_LEVEL=debug shows what the bot does (e.g. discord.js rate limiting), at some cost.
    logLevel: process.env.BENCH_BOT_LOG_LEVEL ?? 'warn',
    env,
    profileDir: profileDir(phase),
  });
  await Promise.race([
    fakes.waitPolling(),
    bot.exited.then((code) => {
      throw new Error(`bot exited (${code}): ${bot.stderr.slice(-5).join('\n')}`);
    }),
  ]);
  return bot;
}

/** Answers through the bot before measuring, so the figures are of warm (JIT-compiled) code. */
const WARMUP_ANSWERS = 20;

async function chatPhase(
  fakes: FakesClient,
  name: string,
  scenario: ChatScenario,
  options: { platform?: Platform; whatIf?: { entry: string; env: Record<string, string> } } = {},
): Promise<ChatPhase> {
  const { platform = 'telegram', whatIf } = options;
  log(`${name}: ${scenario.chats} ${platform} ${scenario.kind} chats…`);
  const session = await fakes.startSession(platform);
  const bot = await startBot(fakes, session, name, whatIf?.env, whatIf?.entry);
  await fakes.runChat({
    ...scenario,
    chats: scenario.kind === 'private' ? WARMUP_ANSWERS : WARMUP_ANSWERS / scenario.askersPerGroup,
    spreadMs: 0,
    firstId: 900_000,
    ttftMs: 20,
    tokenIntervalMs: 2,
    timeoutMs: 20_000,
  });
  const probe = new RttProbe(session);
  const rttRestMs = await probe.atRest();
  await bot.monitorStart();
  probe.start();
  const tcp0 = tcpCounters();
  const threads0 = threadCpuMs(bot.pid);
  const result = await fakes.runChat(scenario);
  const tcp = tcpDelta(tcp0, tcpCounters());
  const threads = [...threadCpuMs(bot.pid)]
    .map(([thread, ms]) => ({ thread, ms: ms - (threads0.get(thread) ?? 0) }))
    .filter((t) => t.ms > 0)
    .sort((x, y) => y.ms - x.ms);
  const rttRunMs = probe.stop();
  const monitor = await bot.monitorStop();
  await bot.stop();
  await fakes.endSession();
  const done = result.answers.filter((a) => a.done).length;
  log(
    `${name}: ${done}/${result.answers.length} answers in ${((result.endedAt - result.startedAt) / 1000).toFixed(1)} s${bot.rateLimitedLines ? `; the bot logged ${bot.rateLimitedLines} rate-limit waits` : ''}`,
  );
  return { name, scenario, result, rttRestMs, rttRunMs, monitor, tcp, threads, problems: bot.problems };
}

async function taskPhase(fakes: FakesClient, n: number): Promise<TaskPhase> {
  log(`tasks: ${n} pending…`);
  const session = await fakes.startSession();
  const bot = await startBot(fakes, session, `tasks-${n}`, {
    TASK_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
  });
  const probe = new RttProbe(session);
  const rttRestMs = await probe.atRest();
  await bot.monitorStart();
  probe.start();
  const result = await fakes.runTasks({
    n,
    firstChatId: 500_000,
    intervalMs: POLL_INTERVAL_MS,
    startDelayMs: 300,
    steadyMs: 3_500,
    finishJitterMs: 1_000,
    timeoutMs: 40_000,
  });
  const rttRunMs = probe.stop();
  const monitor = await bot.monitorStop();
  await bot.stop();
  await fakes.endSession();
  log(`tasks: ${result.delivered}/${result.submitted} delivered, ${result.ticks.length} steady ticks`);
  return { n, intervalMs: POLL_INTERVAL_MS, result, rttRestMs, rttRunMs, monitor, problems: bot.problems };
}

/** Starts the bot COLD_RUNS times with a SQLite store; the last run also stays idle a while. */
async function coldPhase(fakes: FakesClient): Promise<ColdPhase> {
  log(`cold start: ${COLD_RUNS} runs with SQLite, then ${IDLE_WINDOW_MS / 1000} s idle…`);
  const session = await fakes.startSession();
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const startsMs: number[] = [];
  let idle = { cpuMs: 0, windowMs: 0 };
  try {
    for (let i = 0; i < COLD_RUNS; i++) {
      const bot = new BotProcess({
        build: BUILD,
        session,
        monitor: false,
        storeUrl: `sqlite://${dir}/bot.sqlite`,
        logLevel: 'info',
        profileDir: i === COLD_RUNS - 1 ? profileDir('cold-start') : undefined,
      });
      const readyAt = await bot.ready;
      startsMs.push(readyAt - bot.spawnedAt);
      if (i === COLD_RUNS - 1) {
        await sleep(2_000); // the first poll and the first poller tick
        const before = cpuMsOf(bot.pid);
        const t = performance.now();
        await sleep(IDLE_WINDOW_MS);
        idle = { cpuMs: cpuMsOf(bot.pid) - before, windowMs: performance.now() - t };
      }
      await bot.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fakes.endSession();
  }
  return { startsMs, idle };
}

/** The commit measured, and whether the work tree differed from it (read-only git calls). */
function sourceVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'commands') !== '';
    return `commit ${commit}${dirty ? ' with uncommitted changes in src/ or commands/' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'trim') return trimOnly(ROOT);
  // `npm run bench -- soak`: the soak alone (bench/soak.ts); it never runs unless asked for.
  if (process.argv.slice(2).includes('soak')) process.env.BENCH_ONLY = 'soak';
  // BENCH_SOURCES=1 runs the sources under tsx instead of the bundle, so profiles name every file.
  const source = sourceVersion(); // before the build: what the bundle is made of
  BUILD = await buildBot(ROOT, { sources: process.env.BENCH_SOURCES === '1' });
  log(`bot processes run ${BUILD.describe}`);
  const fakes = new FakesClient(process.env.BENCH_PROFILE_FAKES === '1' ? profileDir('fakes') : undefined);
  await fakes.ready;
  const priv = telegramLimits({ platform: 'telegram', id: '1', kind: 'private' });
  const group = telegramLimits({ platform: 'telegram', id: '-1', kind: 'group' });
  const privateBudget = { ...priv.privateBudget, minEditIntervalMs: priv.minEditIntervalMs };
  const groupBudget = { ...group.groupBudget, minEditIntervalMs: group.minEditIntervalMs };
  const chats: ChatPhase[] = [];
  const tasks: TaskPhase[] = [];
  let cold: ColdPhase | undefined;
  const failures: string[] = [];
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const attempt = async (what: string, fn: () => Promise<void>) => {
    if (only && !only.some((o) => what.startsWith(o))) return;
    try {
      await fn();
    } catch (e) {
      failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      log(`${what} FAILED: ${e instanceof Error ? e.stack : String(e)}`);
      await fakes.endSession().catch(() => {});
    }
  };
  const discord = discordLimits(10 * 1024 * 1024);
  const discordBudget = { ...discord.groupBudget, minEditIntervalMs: discord.minEditIntervalMs };
  const stream = { ttftMs: 300, tokenIntervalMs: 20 };
  await attempt('latency (Telegram private)', async () => {
    chats.push(
      await chatPhase(fakes, 'latency-private', {
        kind: 'private',
        chats: 240,
        askersPerGroup: 1,
        spreadMs: 12_000,
        firstId: 1,
        ...stream,
        budget: privateBudget,
        timeoutMs: 40_000,
      }),
    );
  });
  await attempt('latency (Telegram group)', async () => {
    chats.push(
      await chatPhase(fakes, 'latency-group', {
        kind: 'group',
        chats: 100,
        askersPerGroup: 2,
        spreadMs: 12_000,
        firstId: 10_001,
        ...stream,
        budget: groupBudget,
        timeoutMs: 40_000,
      }),
    );
  });
  const discordChats: ChatScenario = {
    kind: 'group',
    chats: 240,
    askersPerGroup: 1,
    spreadMs: 12_000,
    firstId: 50_001,
    ...stream,
    budget: discordBudget,
    timeoutMs: 40_000,
  };
  await attempt('latency (Discord)', async () => {
    chats.push(await chatPhase(fakes, 'latency-discord', discordChats, { platform: 'discord' }));
  });
  const load = (n: number): ChatScenario => ({
    kind: 'private',
    chats: n,
    askersPerGroup: 1,
    spreadMs: 0,
    firstId: 20_001 + n * 10,
    ...stream,
    budget: privateBudget,
    timeoutMs: 120_000,
  });
  for (const n of [100, 1000]) {
    await attempt(`load ${n}`, async () => void chats.push(await chatPhase(fakes, `load-${n}`, load(n))));
  }

  let backToBack: BackToBackPhase | undefined;
  await attempt('back to back (Telegram private)', async () => {
    log(`back to back: ${BACK_TO_BACK_ANSWERS} short answers in one private chat…`);
    backToBack = await backToBackPhase(fakes, (session) => startBot(fakes, session, 'back-to-back'));
  });

  for (const n of [10, 100, 1000])
    await attempt(`polling ${n}`, async () => void tasks.push(await taskPhase(fakes, n)));
  await attempt('cold start', async () => {
    cold = await coldPhase(fakes);
  });
  // Three instances on one redis-server; without one, a line says so and the rest stands.
  let cluster: ClusterPhase | { skipped: string } | undefined;
  const skipCluster = clusterSkipReason();
  await attempt('cluster', async () => {
    if (skipCluster) {
      console.error(`[bench] cluster figures skipped: ${skipCluster}`);
      cluster = { skipped: skipCluster };
    } else {
      cluster = await clusterPhase(fakes, BUILD, log);
    }
  });
  let trim: TrimPhase | undefined;
  await attempt('trim', async () => {
    trim = await trimPhase();
  });
  let soak: SoakPhase | undefined;
  if (only?.includes('soak'))
    await attempt('soak', async () => {
      soak = await soakPhase(fakes, BUILD, privateBudget, log);
    });
  fakes.close();
  await fakes.exited;

  const report = renderReport({
    chats,
    tasks,
    cold,
    cluster,
    failures,
    totalSeconds: (performance.now() - t0) / 1000,
    botCommand: BUILD.describe,
    defaultPollIntervalMs: 3000,
  });
  if (trim) {
    const rows = renderTrim(trim);
    report.table += `\n${rows.rows.join('\n')}`;
    report.failed += rows.failed;
  }
  if (soak) {
    const rows = renderSoak(soak);
    report.table += `\n${rows.rows.join('\n')}`;
    report.notes += `\n\n${rows.notes.join('\n\n')}`;
    report.failed += rows.failed;
  }
  if (backToBack) {
    const rows = renderBackToBack(backToBack);
    report.table += `\n${rows.rows.join('\n')}`;
    report.failed += rows.failed;
  }
  console.log(report.table);
  if (process.env.BENCH_DUMP === '1') {
    mkdirSync(join(ROOT, 'bench/profiles'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/profiles/raw.json'),
      JSON.stringify({ chats, tasks, cold, cluster }, null, 1),
    );
  }
  const cpu = cpus();
  const header = [
    '# Bench results',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version}`,
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory`,
    `- Source: ${source}`,
    `- Command: \`npm run bench\` (${report.totalSeconds.toFixed(0)} s)`,
    '',
  ].join('\n');
  // A partial or sources run must not replace the results of a full run.
  const partial = Boolean(only) || process.env.BENCH_SOURCES === '1';
  const out = partial ? 'bench/profiles/results-partial.md' : 'bench/results.md';
  mkdirSync(join(ROOT, 'bench/profiles'), { recursive: true });
  const keptSoak = partial ? '' : soakSection(ROOT); // a full run keeps the last soak's section
  writeFileSync(
    join(ROOT, out),
    `${header}\n${report.table}\n\n${report.notes}\n${keptSoak && `\n${keptSoak}\n`}`,
  );
  if (soak) writeSoakSection(ROOT, soak, header);
  log(`wrote ${out} (${report.failed} figure(s) off target)`);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
