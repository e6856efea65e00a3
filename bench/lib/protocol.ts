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

/** Cluster phase, step 1: tasks submitted by webhook posts spread over the instances. */
export interface ClusterSubmit {
  /** Each instance's webhook port on 127.0.0.1, and the secret they share. */
  ports: number[];
  secret: string;
  /** Tasks, one per private chat: even ones /imagine, odd ones /song. */
  n: number;
  firstChatId: number;
  /** Webhook posts in flight at once, across the instances. */
  concurrency: number;
  timeoutMs: number;
  /** What is sampled at each step's edges: the bot processes' and redis-server's CPU, Redis's command count. */
  probe: { botPids: number[]; redisPid: number | undefined; redisPort: number };
}

/** One stretch of the phase and what the processes spent in it. */
export interface ClusterSegment {
  name: string;
  ms: number;
  /** CPU time of the bot processes together, and of redis-server (NaN when not found). */
  botsCpuMs: number;
  redisCpuMs: number;
  /** Commands Redis processed (every instance's store, queue and budget calls), and the most called. */
  redisCommands: number;
  topCommands: [string, number][];
}

export interface ClusterSubmitResult {
  posted: number;
  /** Posts not answered 200. */
  postFailures: string[];
  /** Tasks the upstream received. */
  submitted: number;
  /** From the first post to the last post answered / to the last task received upstream. */
  postMs: number;
  submitMs: number;
}

/** Step 2: the batch requests the cluster made while every task was pending. */
export interface ClusterPolls {
  intervalMs: number;
  /** The window starts this long after the last submit (so every task is recorded) and lasts windowMs. */
  settleMs: number;
  windowMs: number;
}

export interface KindPolls {
  /** Open tasks of this kind upstream. */
  pending: number;
  requests: number;
  /** Requests grouped into ticks (a gap of more than half an interval starts a new one). */
  ticks: number;
  maxPerTick: number;
  /** The most ids in one request, over the whole run so far. */
  maxIds: number;
  /** Distinct tasks polled within the window (each pending task should be, in turn). */
  polledTasks: number;
}

export interface ClusterPollsResult {
  windowMs: number;
  intervalMs: number;
  mj: KindPolls;
  suno: KindPolls;
}

/** Step 3: songs finish together; every clip is counted on the fake Telegram. */
export interface ClusterDeliver {
  /** How many of the submitted songs finish at once (two clips each). */
  songs: number;
  /** Before the finish, wait until the platform has been quiet this long (the status edits are done)… */
  quietMs: number;
  /** …for at most this long. */
  quietTimeoutMs: number;
  /** After the last clip and final status, wait this long for any stray second delivery. */
  strayMs: number;
  timeoutMs: number;
  /** After the quiet, this long with every task pending and nothing to send (the ticks' own cost). */
  idleMs: number;
}

export interface ClusterDeliverResult {
  songs: number;
  clips: number;
  /** Clips that arrived (at least one sendAudio with its title). */
  delivered: number;
  /** sendAudio calls beyond the first for a clip. */
  duplicates: number;
  /** Chats whose status message said "✅ Suno …" / got it more than once. */
  finals: number;
  duplicateFinals: number;
  /** "Maybe delivered" links (a part whose send was cut) and parts sent as links. */
  links: number;
  /** How long the wait for a quiet platform took (the backlog of status edits). */
  quietWaitMs: number;
  /** Upstream finish → first clip / last clip / last final status in the chats. */
  firstPartMs: number;
  lastPartMs: number;
  lastFinalMs: number;
  /** Sends and edits in any one second, all chats together: during the whole run / the delivery. */
  peakOpsPerSecondRun: number;
  /** Where that whole-phase peak second began (ms after the first post) and what it held. */
  peakRun: { atMs: number; calls: Record<string, number> };
  peakOpsPerSecondDelivery: number;
  /** The most sends and edits in any 5 s of the whole phase, per second. */
  peakOps5sRun: number;
  /** Every send and edit's arrival (this process's clock), for the grant log the orchestrator keeps. */
  arrivals: number[];
  /** When the songs finished and the last clip arrived (this process's clock). */
  finishedAt: number;
  lastPartAt: number;
  /** The fakes process's own event-loop delay, max: its arrival stamps are late by up to this. */
  fakesEldMaxMs: number;
  /** How long the bench waited after the last clip for a stray second delivery. */
  strayMs: number;
  /** Sends and edits in each whole second after the first post. */
  opsPerSecond: number[];
  /** When the songs finished, ms after the first post. */
  finishedAtMs: number;
  /** Sends and edits from the finish to the last clip. */
  opsDelivery: number;
  /** Every stretch of the phase so far: submit, polls, backlog, idle, delivery. */
  segments: ClusterSegment[];
  errors429: number;
  notModified: number;
  /** Telegram calls the whole phase made, by method. */
  calls: Record<string, number>;
  unexpected: string[];
}

/** Short answers asked one after another in one private chat (bench/fakes/back-to-back.ts). */
export interface BackToBackScenario {
  answers: number;
  /** Answer ids from here; they must not repeat within a session. */
  firstId: number;
  ttftMs: number;
  tokenIntervalMs: number;
  /** Longest wait for one answer. */
  timeoutMs: number;
}

export interface BackToBackResult {
  answers: number;
  /** From the first question to the last answer's final message. */
  totalMs: number;
  /** Question → its final message, per answer. */
  perAnswerMs: number[];
  /** Answers whose messages were exactly the answer. */
  exact: number;
  /** Sends and edits (the chat's message budget), and drafts, over the whole phase. */
  messages: number;
  drafts: number;
  errors429: number;
}

export type Request =
  | { cmd: 'session.start'; platform: Platform }
  | { cmd: 'chat.backToBack'; scenario: BackToBackScenario }
  | { cmd: 'session.waitPolling'; timeoutMs: number }
  | { cmd: 'session.end' }
  | { cmd: 'chat.run'; scenario: ChatScenario }
  | { cmd: 'tasks.run'; scenario: TaskScenario }
  | { cmd: 'cluster.submit'; scenario: ClusterSubmit }
  | { cmd: 'cluster.polls'; scenario: ClusterPolls }
  | { cmd: 'cluster.deliver'; scenario: ClusterDeliver }
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
