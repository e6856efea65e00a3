/** What the orchestrator and the fakes child say to each other over IPC. Plain data only. */

export type Platform = 'telegram' | 'discord';

export interface SessionInfo {
  platform: Platform;
  upstreamUrl: string;
  telegram?: { apiRoot: string; token: string };
  discord?: { token: string; applicationId: string; restBase: string; guildId: string };
}

export interface ChatScenario {
  kind: 'private' | 'group';
  /** Chats; each private chat asks once, each group has `askersPerGroup` members asking at once. */
  chats: number;
  askersPerGroup: number;
  /** Questions arrive spread evenly over this window (0: all at once). */
  spreadMs: number;
  /** First answer id; ids must not repeat within a session. */
  firstId: number;
  ttftMs: number;
  tokenIntervalMs: number;
  /** Platform pacing the bot declares for these chats (from src/platforms/telegram/limits.ts). */
  budget: { count: number; perMs: number; minEditIntervalMs: number };
  timeoutMs: number;
}

export interface AnswerResult {
  id: number;
  chatId: number;
  /** When the fake answered the getUpdates call that carried the question. */
  commandAt: number;
  placeholderAt: number;
  requestAt: number;
  firstTokenAt: number;
  firstVisibleAt: number;
  lastTokenAt: number;
  finalAt: number;
  /** The earliest the declared budget let the final text go (never before the last token). */
  finalSlotAt: number;
  tokens: number;
  chars: number;
  /** Sends, drafts and edits this answer cost on the platform. */
  ops: number;
  /** What the declared pacing would have allowed over the same time. */
  opsAllowed: number;
  unchanged: number;
  exact: boolean;
  done: boolean;
}

export interface ChatResult {
  answers: AnswerResult[];
  /** Answers whose final text was not the answer: the first few, for the report. */
  mismatches: { id: number; expected: string; got: string }[];
  errors429: number;
  notModified: number;
  /** Operations that arrived faster than the declared budget, by more than 5 %. */
  paceViolations: number;
  /** The largest shortfall of any gap against the budget, tolerated or not. */
  paceWorstShortMs: number;
  paceExamples: string[];
  /** The most sends, drafts and edits any one second saw, all chats together. */
  peakOpsPerSecond: number;
  peakOpenStreams: number;
  unexpected: string[];
  startedAt: number;
  endedAt: number;
  totalTokens: number;
  /** Event-loop delay of the fakes process itself: late arrival stamps would show here. */
  fakesEldP99Ms: number;
  fakesEldMaxMs: number;
}

export interface TaskScenario {
  /** Pending tasks: half Midjourney, half Suno, one per private chat. */
  n: number;
  firstChatId: number;
  intervalMs: number;
  startDelayMs: number;
  /** Once all are submitted, every task stays pending this long (the window where ticks are counted)… */
  steadyMs: number;
  /** …then they finish spread over this long. */
  finishJitterMs: number;
  timeoutMs: number;
}

export interface TaskResult {
  n: number;
  submitted: number;
  delivered: number;
  /** Ticks observed while all n tasks were pending: upstream requests per kind in each. */
  ticks: { mj: number; suno: number; ids: number }[];
  steadyWindowMs: number;
  steadyRequests: number;
  /** Finish (upstream clock) → first result message reaching the chat, per task. */
  delaysMs: number[];
  errors429: number;
  notModified: number;
  unexpected: string[];
}

export type Request =
  | { cmd: 'session.start'; platform: Platform }
  | { cmd: 'session.waitPolling'; timeoutMs: number }
  | { cmd: 'session.end' }
  | { cmd: 'chat.run'; scenario: ChatScenario }
  | { cmd: 'tasks.run'; scenario: TaskScenario }
  | { cmd: 'clock' };

export interface Envelope {
  seq: number;
  req: Request;
}

export interface Reply {
  seq: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
