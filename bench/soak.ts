/**
 * The soak (`npm run bench -- soak`, or BENCH_ONLY=soak): 10,000 private chats over 10 minutes
 * with Midjourney and Suno tasks alongside, against the bench fakes, on a SQLite store. It reports
 * the bot's RSS growth after warm-up (target < 10 %), unhandled rejections (target 0) and the
 * store's size (bounded: rows per chat answered, and nothing expired left unswept), and scrapes
 * the bot's own /metrics at the end as a cross-check.
 *
 * BENCH_SOAK_SCALE shortens (or lengthens) it: 0.1 is 1,000 chats over one minute, the same
 * rate. Each round lasts ROUND_MS; the first WARMUP_SHARE of the rounds is warm-up.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BotProcess } from './lib/bot-process.js';
import type { BotBuild } from './lib/build.js';
import type { FakesClient } from './lib/fakes-client.js';
import type { ChatScenario } from './lib/protocol.js';
import { sleep } from './lib/stats.js';

/** The full soak: this many chats over this long. */
export const SOAK_CHATS = 10_000;
export const SOAK_MS = 10 * 60_000;
/** One round: chats arrive spread over most of it, tasks are submitted at its start. */
const ROUND_MS = 10_000;
const TASKS_PER_ROUND = 6;
/** Rounds counted as warm-up (JIT, pools, caches filling): RSS growth is measured after them. */
const WARMUP_SHARE = 0.2;
const POLL_INTERVAL_MS = 500;
const RSS_GROWTH_TARGET = 0.1;

export interface SoakPhase {
  scale: number;
  wallMs: number;
  chats: number;
  answered: number;
  exact: number;
  tasks: number;
  tasksDelivered: number;
  errors429: number;
  /** RSS (MB) at the end of each round. */
  rssMb: number[];
  warmupRounds: number;
  rssAfterWarmupMb: number;
  rssEndMb: number;
  rssPeakAfterWarmupMb: number;
  rssGrowth: number;
  unhandledRejections: number;
  botExited: boolean;
  store: { afterWarmup: StoreSize; end: StoreSize; chatsAfterWarmup: number };
  /** Selected samples from the bot's /metrics at the end. */
  metrics: Record<string, number>;
  problems: string[];
}

interface StoreSize {
  rows: number;
  expiredRows: number;
  fileMb: number;
}

function rssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function storeSize(dir: string): StoreSize {
  const file = join(dir, 'bot.sqlite');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const now = Date.now();
    const rows =
      count('SELECT count(*) AS n FROM keyv') +
      count('SELECT count(*) AS n FROM counters') +
      count('SELECT count(*) AS n FROM sets') +
      count('SELECT count(*) AS n FROM claims');
    const expiredRows =
      count(`SELECT count(*) AS n FROM keyv WHERE expires IS NOT NULL AND expires < ${now}`) +
      count(`SELECT count(*) AS n FROM counters WHERE expires < ${now}`) +
      count(`SELECT count(*) AS n FROM claims WHERE expires < ${now}`);
    const bytes = ['', '-wal'].reduce((n, suffix) => {
      try {
        return n + statSync(file + suffix).size;
      } catch {
        return n;
      }
    }, 0);
    return { rows, expiredRows, fileMb: bytes / 1024 ** 2 };
  } finally {
    db.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Samples of `/metrics` worth a line in the report (counters summed over their labels). */
function pickMetrics(text: string): Record<string, number> {
  const wanted = [
    'apicore_bot_first_text_seconds_count',
    'apicore_bot_answer_edits_total',
    'apicore_bot_answer_tokens_total',
    'apicore_bot_tasks_delivered_total',
    'apicore_bot_tasks_failed_total',
    'apicore_bot_tasks_pending',
    'apicore_bot_upstream_errors_total',
    'apicore_bot_platform_429_total',
    'nodejs_eventloop_lag_p99_seconds',
    'process_resident_memory_bytes',
  ];
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = line.split(/[{ ]/)[0] ?? '';
    if (!wanted.includes(name)) continue;
    out[name] = (out[name] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

export async function soakPhase(
  fakes: FakesClient,
  build: BotBuild,
  budget: ChatScenario['budget'],
  log: (text: string) => void,
): Promise<SoakPhase> {
  const scale = Number(process.env.BENCH_SOAK_SCALE ?? '1');
  if (!(scale > 0)) throw new Error(`BENCH_SOAK_SCALE must be a positive number, got ${scale}`);
  const rounds = Math.max(2, Math.round((SOAK_MS * scale) / ROUND_MS));
  const perRound = Math.round((SOAK_CHATS * scale) / rounds);
  const warmupRounds = Math.max(1, Math.round(rounds * WARMUP_SHARE));
  log(
    `soak: ${perRound * rounds} chats and ${TASKS_PER_ROUND * rounds} tasks in ${rounds} rounds of ${ROUND_MS / 1000} s…`,
  );
  const session = await fakes.startSession();
  const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  const healthPort = await freePort();
  const bot = new BotProcess({
    build,
    session,
    monitor: false,
    storeUrl: `sqlite://${dir}/bot.sqlite`,
    logLevel: 'warn',
    env: { TASK_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS), HEALTH_PORT: String(healthPort) },
  });
  const startedAt = performance.now();
  try {
    await Promise.race([
      fakes.waitPolling(),
      bot.exited.then((code) => {
        throw new Error(`bot exited (${code}): ${bot.stderr.slice(-5).join('\n')}`);
      }),
    ]);
    const rssMb: number[] = [];
    let chats = 0;
    let answered = 0;
    let exact = 0;
    let tasks = 0;
    let tasksDelivered = 0;
    let errors429 = 0;
    let afterWarmup: StoreSize | undefined;
    let chatsAfterWarmup = 0;
    for (let r = 0; r < rounds; r++) {
      const roundStart = performance.now();
      const [chat, task] = await Promise.all([
        fakes.runChat({
          kind: 'private',
          chats: perRound,
          askersPerGroup: 1,
          spreadMs: ROUND_MS * 0.8,
          firstId: 1_000_000 + r * perRound,
          ttftMs: 300,
          tokenIntervalMs: 20,
          budget,
          timeoutMs: 60_000,
        }),
        fakes.runTasks({
          n: TASKS_PER_ROUND,
          firstChatId: 5_000_000 + r * TASKS_PER_ROUND,
          intervalMs: POLL_INTERVAL_MS,
          startDelayMs: 300,
          steadyMs: 1_000,
          finishJitterMs: 1_000,
          timeoutMs: 60_000,
        }),
      ]);
      chats += chat.answers.length;
      answered += chat.answers.filter((a) => a.done).length;
      exact += chat.answers.filter((a) => a.exact).length;
      // The fake's own task counts span rounds (it scans the whole session); /metrics says at the end.
      tasks += TASKS_PER_ROUND;
      errors429 += chat.errors429 + task.errors429;
      // A round that ran long is followed at once; a short one waits for its slot (the rate holds).
      const rest = ROUND_MS - (performance.now() - roundStart);
      if (rest > 0) await sleep(rest);
      rssMb.push(rssMbOf(bot.pid));
      if (r === warmupRounds - 1) {
        afterWarmup = storeSize(dir);
        chatsAfterWarmup = chats;
      }
      log(
        `soak: round ${r + 1}/${rounds}: ${answered}/${chats} answered, ${tasksDelivered}/${tasks} tasks, RSS ${rssMb.at(-1)!.toFixed(0)} MB`,
      );
    }
    const scraped = await fetch(`http://127.0.0.1:${healthPort}/metrics`)
      .then((res) => res.text())
      .catch(() => '');
    const metrics = pickMetrics(scraped);
    tasksDelivered = metrics.apicore_bot_tasks_delivered_total ?? 0;
    const end = storeSize(dir);
    const wallMs = performance.now() - startedAt;
    const base = rssMb[warmupRounds - 1]!;
    const after = rssMb.slice(warmupRounds);
    const rssEndMb = rssMb.at(-1)!;
    const problems = bot.problems;
    const unhandledRejections = problems.filter((l) => l.includes('unhandled promise rejection')).length;
    const botExited = (await Promise.race([
      bot.exited.then(() => true),
      sleep(0).then(() => false),
    ])) as boolean;
    await bot.stop();
    await fakes.endSession();
    return {
      scale,
      wallMs,
      chats,
      answered,
      exact,
      tasks,
      tasksDelivered,
      errors429,
      rssMb,
      warmupRounds,
      rssAfterWarmupMb: base,
      rssEndMb,
      rssPeakAfterWarmupMb: Math.max(...after),
      rssGrowth: (rssEndMb - base) / base,
      unhandledRejections,
      botExited,
      store: { afterWarmup: afterWarmup!, end, chatsAfterWarmup },
      metrics,
      problems: problems.slice(0, 5),
    };
  } finally {
    bot.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows for the results table, each with its target, and notes; `failed` counts the misses. */
export function renderSoak(s: SoakPhase): { rows: string[]; notes: string[]; failed: number } {
  const minutes = (s.wallMs / 60_000).toFixed(1);
  const growthOk = s.rssGrowth < RSS_GROWTH_TARGET;
  const rejectionsOk = s.unhandledRejections === 0 && !s.botExited;
  const rowsPerChatWarm = s.store.afterWarmup.rows / Math.max(1, s.store.chatsAfterWarmup);
  const rowsPerChatEnd = s.store.end.rows / Math.max(1, s.chats);
  // Bounded: the rows a chat leaves behind do not grow as the soak goes on (5 % slack), and the sweep keeps up.
  const storeOk =
    rowsPerChatEnd <= rowsPerChatWarm * 1.05 && s.store.end.expiredRows < s.store.end.rows * 0.05;
  const mark = (ok: boolean) => (ok ? '✅' : '❌');
  const scaleNote = s.scale === 1 ? '' : ` (BENCH_SOAK_SCALE=${s.scale})`;
  const rows = [
    `| soak${scaleNote}: chats answered (exact) / tasks delivered in ${minutes} min | ${s.answered} (${s.exact}) of ${s.chats} / ${s.tasksDelivered} of ${s.tasks}, ${s.errors429} × 429 | all | ${mark(s.answered === s.chats && s.tasksDelivered === s.tasks)} |`,
    `| soak: RSS growth after warm-up (${s.warmupRounds} rounds) | ${s.rssAfterWarmupMb.toFixed(0)} → ${s.rssEndMb.toFixed(0)} MB (${(s.rssGrowth * 100).toFixed(1)} %; peak ${s.rssPeakAfterWarmupMb.toFixed(0)} MB) | < 10 % | ${mark(growthOk)} |`,
    `| soak: unhandled rejections | ${s.unhandledRejections}${s.botExited ? ', the bot exited' : ''} | 0 | ${mark(rejectionsOk)} |`,
    `| soak: store rows per chat, after warm-up → end (expired left) | ${rowsPerChatWarm.toFixed(2)} → ${rowsPerChatEnd.toFixed(2)} (${s.store.end.rows} rows, ${s.store.end.expiredRows} expired, ${s.store.end.fileMb.toFixed(1)} MB) | bounded | ${mark(storeOk)} |`,
  ];
  const m = s.metrics;
  const notes = [
    `Soak: RSS at the end of each ${ROUND_MS / 1000} s round (MB): ${s.rssMb.map((x) => x.toFixed(0)).join(', ')}.`,
    Object.keys(m).length
      ? `Soak, the bot's own /metrics at the end: ${Object.entries(m)
          .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
          .join('; ')}.`
      : 'Soak: /metrics could not be scraped.',
    ...(s.problems.length
      ? [`Soak: first warnings the bot logged: ${s.problems.map((p) => p.slice(0, 200)).join(' | ')}`]
      : []),
  ];
  return { rows, notes, failed: [growthOk, rejectionsOk, storeOk].filter((ok) => !ok).length };
}

const SOAK_START = '<!-- soak: written by `npm run bench -- soak` (bench/soak.ts) -->';
const SOAK_END = '<!-- /soak -->';

/** The soak's section of bench/results.md, as last written ('' when there is none). */
export function soakSection(root: string): string {
  try {
    const text = readFileSync(join(root, 'bench/results.md'), 'utf8');
    const start = text.indexOf(SOAK_START);
    const end = text.indexOf(SOAK_END);
    return start >= 0 && end > start ? text.slice(start, end + SOAK_END.length) : '';
  } catch {
    return '';
  }
}

/** Puts the soak's section into bench/results.md, in place of the last one; the rest stays. */
export function writeSoakSection(root: string, s: SoakPhase, header: string): void {
  const file = join(root, 'bench/results.md');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {}
  const old = soakSection(root);
  const r = renderSoak(s);
  const section = [
    SOAK_START,
    '## Soak',
    '',
    header,
    '',
    '| Figure | Measured | Target | |',
    '|---|---|---|---|',
    ...r.rows,
    '',
    ...r.notes,
    SOAK_END,
  ].join('\n');
  writeFileSync(file, old ? text.replace(old, section) : `${text.trimEnd()}\n\n${section}\n`);
}
