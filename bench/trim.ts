/**
 * The trim bench (in process, no bot): CPU time to fit a 100-turn conversation to a model's budget
 * with src/conversations/budget.ts's fitHistory. Cold, every turn is tokenized (gpt-tokenizer, the
 * encodings already loaded); warm, the counts cached on the turns (and saved with them) make it a
 * walk over 100 numbers. `BENCH_ONLY=trim npm run bench` runs it alone; a full run adds its rows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  type CountableTurn,
  estimateTokens,
  fitHistory,
  HISTORY_CAP_TOKENS,
  historyBudget,
  IMAGE_TOKENS,
  trimToBudget,
} from '../src/conversations/budget.js';
import { loadEncodings, tokenCounter, tokenizeStats } from '../src/conversations/tokens.js';
import { CORPUS, history } from '../test/unit/conversations/tokens-corpus.js';
import { fmt, median, percentile } from './lib/stats.js';

const TURNS = 100;
const COLD_RUNS = 20;
const WARM_RUNS = 2_000;
/** A warm trim must cost at most this much CPU, p50 and p99 (a cold one costs ~10 ms and more). */
const WARM_TARGET_P50_MS = 0.1;
const WARM_TARGET_P99_MS = 1;
const SYSTEM = 'You are a helpful assistant. 请用用户的语言回答。 Answer briefly 🙂';

type Turn = CountableTurn & { role: 'user' | 'assistant' };

interface Case {
  label: string;
  model: string;
  /** Samples per answer (1: the history fits the budget; 4: it does not). */
  repeat: number;
}

const CASES: Case[] = [
  { label: 'gpt-4o (o200k), history within the budget', model: 'gpt-4o', repeat: 1 },
  { label: 'gpt-4o (o200k), history over the budget', model: 'gpt-4o', repeat: 4 },
  {
    label: 'claude-sonnet-4 (estimate: o200k and cl100k), history within the budget',
    model: 'claude-sonnet-4',
    repeat: 1,
  },
];

export interface TrimCase {
  label: string;
  model: string;
  chars: number;
  /** The conversation's o200k tokens, every turn. */
  tokens: number;
  kept: number;
  /** Turns tokenized by a cold trim (older turns than the first that does not fit are not). */
  countedCold: number;
  coldCpuMs: number[];
  warmCpuMs: number[];
  /** Warm, on turns that went through the store's JSON (the counts saved with them). */
  storedCpuMs: number[];
  /** The next request: the same turns and one new question. */
  nextCpuMs: number[];
  warmTokenizeCalls: number;
  /** The old sizing (estimateTokens on every turn, every request), for comparison. */
  oldCpuMs: number[];
}

export interface TrimPhase {
  loadCpuMs: { o200k: number; cl100k: number };
  cases: TrimCase[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function measure(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = cpuMs();
  await fn();
  return cpuMs() - start;
}

const fresh = (c: Case): Turn[] => history(TURNS, Object.values(CORPUS), c.repeat);

/** Empties gpt-tokenizer's merge caches (words it has seen), so a cold trim is cold. */
async function clearMergeCaches(): Promise<void> {
  (await import('gpt-tokenizer/encoding/o200k_base')).clearMergeCache();
  (await import('gpt-tokenizer/encoding/cl100k_base')).clearMergeCache();
}

async function runCase(c: Case): Promise<TrimCase> {
  const o200k = await tokenCounter('gpt-4o');
  const base = fresh(c);
  const coldCpuMs: number[] = [];
  let countedCold = 0;
  let kept = 0;
  for (let i = 0; i < COLD_RUNS; i++) {
    const turns = fresh(c);
    await clearMergeCaches();
    const before = tokenizeStats.calls;
    coldCpuMs.push(await measure(() => fitHistory(turns, c.model, { system: SYSTEM })));
    countedCold = tokenizeStats.calls - before;
    if (i === 0) kept = (await fitHistory(turns, c.model, { system: SYSTEM })).kept.length;
  }
  await fitHistory(base, c.model, { system: SYSTEM }); // counted once
  const calls = tokenizeStats.calls;
  const warmCpuMs: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++)
    warmCpuMs.push(await measure(() => fitHistory(base, c.model, { system: SYSTEM })));
  const warmTokenizeCalls = tokenizeStats.calls - calls;
  const stored: Turn[] = JSON.parse(JSON.stringify(base));
  const storedCpuMs: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++)
    storedCpuMs.push(await measure(() => fitHistory(stored, c.model, { system: SYSTEM })));
  const nextCpuMs: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const next = [
      ...stored,
      { role: 'user' as const, text: `#${i} and in Thai? ${CORPUS.thai!.slice(0, 120)} 🙏` },
    ];
    nextCpuMs.push(await measure(() => fitHistory(next, c.model, { system: SYSTEM })));
  }
  const oldCpuMs: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++)
    oldCpuMs.push(
      await measure(() => {
        const sized = base.map((t) => ({
          ...t,
          tokens: estimateTokens(t.text) + (t.images?.length ?? 0) * IMAGE_TOKENS,
        }));
        return trimToBudget(sized, historyBudget(c.model) - estimateTokens(SYSTEM));
      }),
    );
  return {
    label: c.label,
    model: c.model,
    chars: base.reduce((n, t) => n + t.text.length, 0),
    tokens: base.reduce((n, t) => n + o200k.count(t.text), 0),
    kept,
    countedCold,
    coldCpuMs,
    warmCpuMs,
    storedCpuMs,
    nextCpuMs,
    warmTokenizeCalls,
    oldCpuMs,
  };
}

/** Runs the trim bench in this process. */
export async function trimPhase(): Promise<TrimPhase> {
  // The encodings' first use, as the bot pays it once (nothing in this process loaded them before).
  const o200k = await measure(() => loadEncodings('o200k'));
  const cl100k = await measure(() => loadEncodings('cl100k'));
  // One untimed trim compiles the tokenizer's code, as the bot's first answers do.
  await fitHistory(history(TURNS, Object.values(CORPUS).reverse()), 'claude-sonnet-4');
  const cases: TrimCase[] = [];
  for (const c of CASES) cases.push(await runCase(c));
  return { loadCpuMs: { o200k, cl100k }, cases };
}

const ms = (n: number, digits = 2) => `${fmt(n, digits)} ms`;
const p50p99 = (v: number[], digits = 3) => `${ms(median(v), digits)} / ${ms(percentile(v, 99), digits)}`;

/** The phase's rows in the bench table's format (| Figure | Value | Target | |), and how many are off target. */
export function renderTrim(phase: TrimPhase): { rows: string[]; failed: number } {
  const rows: string[] = ['| **8. Trimming a 100-turn history (in process, bench/trim.ts)** | | | |'];
  let failed = 0;
  const add = (figure: string, value: string, target = '', ok?: boolean) => {
    if (ok === false) failed++;
    rows.push(`| ${figure} | ${value} | ${target} | ${ok === undefined ? '' : ok ? '✅' : '❌'} |`);
  };
  add(
    'loading an encoding, once per process on first use: o200k / cl100k (CPU)',
    `${ms(phase.loadCpuMs.o200k, 0)} / ${ms(phase.loadCpuMs.cl100k, 0)}`,
  );
  for (const c of phase.cases) {
    add(
      `${c.label}: ${TURNS} turns, characters / o200k tokens; turns kept (budget ${HISTORY_CAP_TOKENS})`,
      `${c.chars} / ${c.tokens}; ${c.kept}`,
    );
    add(
      '  cold trim (nothing counted, tokenizer caches emptied), CPU p50 / max; strings tokenized',
      `${ms(median(c.coldCpuMs))} / ${ms(Math.max(...c.coldCpuMs))}; ${c.countedCold}`,
    );
    add(
      '  warm trim (the same turns again), CPU p50 / p99; tokenizer calls',
      `${p50p99(c.warmCpuMs)}; ${c.warmTokenizeCalls}`,
      `≤ ${WARM_TARGET_P50_MS} ms / ${WARM_TARGET_P99_MS} ms; 0`,
      median(c.warmCpuMs) <= WARM_TARGET_P50_MS &&
        percentile(c.warmCpuMs, 99) <= WARM_TARGET_P99_MS &&
        c.warmTokenizeCalls === 0,
    );
    add('  warm, turns read back from the store (JSON), CPU p50 / p99', p50p99(c.storedCpuMs));
    add('  the next request (one new question), CPU p50 / p99', p50p99(c.nextCpuMs));
    add('  for comparison, the old character estimate on every request, CPU p50 / p99', p50p99(c.oldCpuMs));
  }
  return { rows, failed };
}

/** `BENCH_ONLY=trim`: this phase alone, printed and written where partial runs go. */
export async function trimOnly(root: string): Promise<void> {
  const started = performance.now();
  const phase = await trimPhase();
  const { rows, failed } = renderTrim(phase);
  const table = ['| Figure | Value | Target | |', '|---|---|---|---|', ...rows].join('\n');
  console.log(table);
  const cpu = cpus();
  const header = [
    '# Bench results (trim only)',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version}`,
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory`,
    `- Command: \`BENCH_ONLY=trim npm run bench\` (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    '',
  ].join('\n');
  const notes = [
    '## Notes',
    '',
    `- CPU is process.cpuUsage() around each fitHistory call (user + system, all threads), under tsx. The conversation cycles through test/unit/conversations/tokens-corpus.ts (English, Chinese, Thai, code, JSON, emoji ZWJ sequences, other scripts); questions are at most 400 characters, answers the sample repeated; a system prompt goes with every request. Cold: ${COLD_RUNS} fresh copies of the conversation, gpt-tokenizer's merge caches emptied before each (one untimed trim of another conversation has compiled the tokenizer's code first); warm: ${WARM_RUNS} trims. Loading an encoding is measured on its first import in the process. A trim counts a turn's text in each encoding its model needs (the estimate for Claude needs both), and stops at the first turn that no longer fits.`,
  ].join('\n');
  const out = join(root, 'bench/profiles/results-partial.md');
  mkdirSync(join(root, 'bench/profiles'), { recursive: true });
  writeFileSync(out, `${header}\n${table}\n\n${notes}\n`);
  console.error(`[bench] wrote bench/profiles/results-partial.md (${failed} figure(s) off target)`);
}
