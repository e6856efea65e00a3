/**
 * The back-to-back phase of `npm run bench` (BENCH_ONLY=back): 20 short answers asked one after
 * another in one Telegram private chat, each question sent when the previous answer's final
 * message arrived (bench/fakes/back-to-back.ts). Target: ≤ 1.2 s per answer, 0 × 429; the floor is
 * the private chat's message budget (3 per 3 s), one slot per answer.
 */
import type { FakesClient } from './lib/fakes-client.js';
import type { BackToBackResult, SessionInfo } from './lib/protocol.js';
import { median, percentile } from './lib/stats.js';

export const BACK_TO_BACK_ANSWERS = 20;
/** Seconds per answer, on average, the phase must not exceed. */
export const BACK_TO_BACK_TARGET_S = 1.2;

export interface BackToBackPhase {
  result: BackToBackResult;
  problems: string[];
}

interface Bot {
  stop(): Promise<unknown>;
  readonly problems: string[];
}

/** Runs the phase on a fresh session and bot (`startBot` as bench/run.ts starts them). */
export async function backToBackPhase(
  fakes: FakesClient,
  startBot: (session: SessionInfo) => Promise<Bot>,
): Promise<BackToBackPhase> {
  const session = await fakes.startSession('telegram');
  const bot = await startBot(session);
  try {
    // A few answers first, so the figures are of warm code (and a chat the bot has seen).
    await fakes.runBackToBack({
      answers: 3,
      firstId: 700_000,
      ttftMs: 20,
      tokenIntervalMs: 2,
      timeoutMs: 20_000,
    });
    const result = await fakes.runBackToBack({
      answers: BACK_TO_BACK_ANSWERS,
      firstId: 710_000,
      ttftMs: 20,
      tokenIntervalMs: 2,
      timeoutMs: 30_000,
    });
    return { result, problems: bot.problems };
  } finally {
    await bot.stop();
    await fakes.endSession();
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function renderBackToBack(phase: BackToBackPhase): { rows: string[]; failed: number } {
  const r = phase.result;
  const rows: string[] = [
    '| **9. Back to back: short answers one after another in one Telegram private chat (drafts)** | | | |',
  ];
  let failed = 0;
  const add = (figure: string, value: string, target = '', ok?: boolean) => {
    if (ok === false) failed++;
    rows.push(`| ${figure} | ${value} | ${target} | ${ok === undefined ? '' : ok ? '✅' : '❌'} |`);
  };
  const perAnswer = r.totalMs / r.answers;
  add(
    'answers (ttft 20 ms, token interval 2 ms, ~500 characters); total time',
    `${r.answers}; ${s(r.totalMs)}`,
  );
  add(
    'time per answer, mean (question → final message; p50 / p99)',
    `${s(perAnswer)} (${s(median(r.perAnswerMs))} / ${s(percentile(r.perAnswerMs, 99))})`,
    `≤ ${BACK_TO_BACK_TARGET_S} s`,
    perAnswer <= BACK_TO_BACK_TARGET_S * 1000,
  );
  add(
    'sends + edits per answer (the chat’s message budget); drafts per answer',
    `${(r.messages / r.answers).toFixed(2)}; ${(r.drafts / r.answers).toFixed(2)}`,
    '1 message slot per answer (3 per 3 s a chat)',
  );
  add('429 responses', String(r.errors429), '0', r.errors429 === 0);
  add('final text equal to the full answer', `${r.exact}/${r.answers}`, '100 %', r.exact === r.answers);
  return { rows, failed };
}
