import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Chat, User } from 'grammy/types';
import { FakeTelegram, type RecordedCall } from '../../test/fakes/telegram.js';
import { answerFor, questionFor } from '../lib/answers.js';
import { checkPacing, earliestSlot, type Op, opsAllowed, peakPerSecond } from '../lib/pacing.js';
import type {
  AnswerResult,
  ChatResult,
  ChatScenario,
  SessionInfo,
  TaskResult,
  TaskScenario,
} from '../lib/protocol.js';
import { sleep } from '../lib/stats.js';
import { BenchUpstream, now } from './upstream.js';

/** Telegram methods that count against a chat's sending limits. */
const RATED = new Set(['sendMessage', 'sendMessageDraft', 'editMessageText', 'sendPhoto', 'sendAudio']);
export const CURSOR = ' ▍';
export const PLACEHOLDER = '⏳ …';
/** One fake Telegram and one upstream, started fresh for each bench phase. */
export class Session {
  readonly #commandAt = new Map<number, number>(); // update_id → when a getUpdates answer carried it
  readonly #openPolls = new Set<RecordedCall>();
  #scanned = 0;
  #stopped = false;

  private constructor(
    readonly tg: FakeTelegram,
    readonly upstream: BenchUpstream,
  ) {
    // Stamps when each update left the fake, right after the getUpdates answer was written: the
    // fake evaluates a waitFor predicate after every request. Re-armed every second, so a closed
    // session lets go of its fake.
    void (async () => {
      while (!this.#stopped) {
        await tg
          .waitFor(() => {
            this.#observe();
            return this.#stopped;
          }, 1000)
          .catch(() => {});
      }
    })();
  }

  static async start(): Promise<Session> {
    const tg = await FakeTelegram.start({ botUsername: 'bench_bot', enforceRateLimits: true });
    const upstream = await BenchUpstream.start();
    return new Session(tg, upstream);
  }

  get info(): SessionInfo {
    return {
      platform: 'telegram',
      upstreamUrl: this.upstream.url,
      telegram: { apiRoot: this.tg.apiRoot, token: this.tg.token },
    };
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.tg.close();
    await this.upstream.close();
  }

  #observe(): void {
    const calls = this.tg.calls;
    for (; this.#scanned < calls.length; this.#scanned++) {
      const call = calls[this.#scanned]!;
      if (call.method.toLowerCase() === 'getupdates') this.#openPolls.add(call);
    }
    for (const call of this.#openPolls) {
      if (!call.response) continue;
      this.#openPolls.delete(call);
      if (!call.response.ok) continue;
      const at = now();
      for (const u of call.response.result as { update_id: number }[]) {
        if (!this.#commandAt.has(u.update_id)) this.#commandAt.set(u.update_id, at);
      }
    }
  }

  /** Resolves once the bot is long polling. */
  async waitPolling(timeoutMs: number): Promise<void> {
    await this.tg.waitFor((f) => f.callsTo('getUpdates').length > 0, timeoutMs);
  }

  /** A function returning what went unexpected since now. */
  #unexpectedMark(): () => string[] {
    const tg = this.tg.unexpected.length;
    const up = this.upstream.unexpected.length;
    return () => [...this.tg.unexpected.slice(tg), ...this.upstream.unexpected.slice(up)];
  }

  #errors429(since: number): number {
    const refused = this.tg.errors.filter((e) => e.error_code === 429 && e.at >= since);
    if (process.env.BENCH_DEBUG_429) for (const e of refused) console.error('429', JSON.stringify(e));
    return refused.length;
  }

  // ------------------------------------------------------------------------------- chat answers

  async runChat(s: ChatScenario): Promise<ChatResult> {
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    this.upstream.stream = { ttftMs: s.ttftMs, tokenIntervalMs: s.tokenIntervalMs };
    this.upstream.peakOpenStreams = this.upstream.openStreams;
    const notModifiedBefore = this.tg.notModifiedCount;
    const unexpectedMark = this.#unexpectedMark();
    interface Asked {
      id: number;
      chat: Chat;
      user: User;
      updateId: number;
      messageId: number;
    }
    const asked: Asked[] = [];
    const plan: { id: number; chat: Chat; user: User }[] = [];
    let id = s.firstId;
    for (let c = 0; c < s.chats; c++) {
      if (s.kind === 'private') {
        const uid = 100_000 + id;
        const user = this.tg.user(uid, `User ${uid}`, 'en');
        plan.push({ id: id++, chat: this.tg.privateChat(uid, user), user });
      } else {
        const chat = this.tg.groupChat(-(1_000_000_000 + s.firstId + c), `Group ${c}`);
        for (let k = 0; k < s.askersPerGroup; k++) {
          const uid = 100_000 + id;
          plan.push({ id: id++, chat, user: this.tg.user(uid, `User ${uid}`, 'en') });
        }
      }
    }
    const startedAt = now();
    const perArrival = s.kind === 'private' ? 1 : s.askersPerGroup;
    const arrivals = Math.ceil(plan.length / perArrival);
    for (let a = 0; a < arrivals; a++) {
      const due = startedAt + (arrivals > 1 ? (s.spreadMs * a) / (arrivals - 1) : 0);
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      for (const p of plan.slice(a * perArrival, (a + 1) * perArrival)) {
        const text = s.kind === 'private' ? questionFor(p.id) : `/chat ${questionFor(p.id)}`;
        const message = this.tg.sendText(p.chat, p.user, text);
        const updateId = this.tg.pendingUpdates().at(-1)!.update_id;
        asked.push({ ...p, updateId, messageId: message.message_id });
      }
    }

    const botReply = (a: Asked) =>
      this.tg
        .chatLog(a.chat.id)
        .find((m) => m.from_bot && (s.kind === 'private' || m.reply_to_message_id === a.messageId));
    const finished = (a: Asked): boolean => {
      if (!this.upstream.answers.get(a.id)?.done) return false;
      const reply = botReply(a);
      if (!reply) return false;
      return s.kind === 'private' || (reply.text !== PLACEHOLDER && !reply.text.endsWith(CURSOR));
    };
    const deadline = now() + s.timeoutMs;
    let open = [...asked];
    while (open.length > 0 && now() < deadline) {
      await sleep(100);
      open = open.filter((a) => !finished(a));
    }
    // Let the last edits and any stray request land before reading the logs.
    await sleep(300);
    const endedAt = now();
    eld.disable();

    const byChat = new Map<number, RecordedCall[]>();
    for (const call of this.tg.calls) {
      if (call.at < startedAt || call.chatId === undefined || !RATED.has(call.method)) continue;
      const list = byChat.get(call.chatId) ?? [];
      byChat.set(call.chatId, list);
      list.push(call);
    }
    const answers: AnswerResult[] = [];
    const mismatches: ChatResult['mismatches'] = [];
    const opsByChat = new Map<number, Op[]>();
    for (const a of asked) {
      const up = this.upstream.answers.get(a.id);
      const expected = answerFor(a.id);
      const calls = byChat.get(a.chat.id) ?? [];
      const reply = botReply(a);
      const base = {
        id: a.id,
        chatId: a.chat.id,
        commandAt: this.#commandAt.get(a.updateId) ?? Number.NaN,
        requestAt: up?.requestAt ?? Number.NaN,
        firstTokenAt: up?.firstTokenAt || Number.NaN,
        lastTokenAt: up?.lastTokenAt || Number.NaN,
        tokens: up?.tokens ?? 0,
        chars: expected.length,
        done: finished(a),
      };
      const ops = opsByChat.get(a.chat.id) ?? [];
      opsByChat.set(a.chat.id, ops);
      let result: AnswerResult;
      if (s.kind === 'private') {
        const drafts = this.tg.draftRecords(a.chat.id).filter((d) => d.at >= startedAt);
        const sends = calls.filter((c) => c.method === 'sendMessage');
        const final = sends.at(-1);
        const firstText = drafts.find((d) => d.text !== '');
        let unchanged = 0;
        for (let i = 1; i < drafts.length; i++) {
          if (drafts[i]!.draft_id === drafts[i - 1]!.draft_id && drafts[i]!.text === drafts[i - 1]!.text)
            unchanged++;
        }
        // Drafts are not messages: they are paced apart (telegramLimits' draftPacing) and spend
        // nothing of the chat's message budget, so only the messages are checked against it.
        for (const c of sends)
          ops.push({ at: c.at, key: `draft:${drafts[0]?.draft_id}`, placeholder: false, final: c === final });
        const firstVisibleAt = firstText?.at ?? final?.at ?? Number.NaN;
        const finalAt = final?.at ?? Number.NaN;
        const text = this.tg
          .chatLog(a.chat.id)
          .filter((m) => m.from_bot)
          .map((m) => m.text)
          .join('');
        result = {
          ...base,
          placeholderAt: drafts[0]?.at ?? sends[0]?.at ?? Number.NaN,
          firstVisibleAt,
          finalAt,
          finalSlotAt: Number.NaN,
          ops: calls.length,
          opsAllowed: opsAllowed(s.budget, finalAt - firstVisibleAt),
          unchanged,
          exact: text === expected,
        };
        if (text !== expected && mismatches.length < 3)
          mismatches.push({ id: a.id, expected, got: text.slice(0, 600) });
      } else {
        const messageId = reply?.message_id;
        const send = calls.find(
          (c) =>
            c.method === 'sendMessage' &&
            c.response?.ok &&
            (c.response.result as { message_id: number }).message_id === messageId,
        );
        const edits = calls.filter(
          (c) => c.method === 'editMessageText' && c.params.message_id === messageId,
        );
        const history = messageId === undefined ? [] : this.tg.edits(a.chat.id, messageId);
        let unchanged = 0;
        for (let i = 1; i < history.length; i++) if (history[i] === history[i - 1]) unchanged++;
        if (send) ops.push({ at: send.at, key: `msg:${messageId}`, placeholder: true });
        for (const e of edits)
          ops.push({ at: e.at, key: `msg:${messageId}`, placeholder: false, final: e === edits.at(-1) });
        const firstVisibleAt = edits[0]?.at ?? Number.NaN;
        const finalAt = edits.at(-1)?.at ?? Number.NaN;
        const got = reply?.text ?? '';
        result = {
          ...base,
          placeholderAt: send?.at ?? Number.NaN,
          firstVisibleAt,
          finalAt,
          finalSlotAt: Number.NaN,
          ops: (send ? 1 : 0) + edits.length,
          opsAllowed: opsAllowed(s.budget, finalAt - firstVisibleAt),
          unchanged,
          exact: got === expected,
        };
        if (got !== expected && mismatches.length < 3)
          mismatches.push({ id: a.id, expected, got: got.slice(0, 600) });
      }
      answers.push(result);
    }

    // Pacing against the declared budget: the chat's window, and each message's own interval.
    for (const ops of opsByChat.values()) ops.sort((x, y) => x.at - y.at);
    for (const a of answers) {
      const ops = opsByChat.get(a.chatId) ?? [];
      const index = ops.findIndex((o) => o.at === a.finalAt);
      const slot = index >= 0 ? earliestSlot(ops, index, s.budget) : Number.NaN;
      a.finalSlotAt = Math.max(a.lastTokenAt, slot);
    }
    const pace = checkPacing(opsByChat, s.budget);

    return {
      answers,
      mismatches,
      errors429: this.#errors429(startedAt),
      notModified: this.tg.notModifiedCount - notModifiedBefore,
      paceViolations: pace.violations,
      paceWorstShortMs: pace.worstShortMs,
      paceExamples: pace.examples,
      peakOpsPerSecond: peakPerSecond(opsByChat),
      peakOpenStreams: this.upstream.peakOpenStreams,
      unexpected: unexpectedMark(),
      startedAt,
      endedAt,
      totalTokens: answers.reduce((n, a) => n + a.tokens, 0),
      fakesEldP99Ms: Math.max(0, eld.percentile(99) / 1e6 - 10),
      fakesEldMaxMs: Math.max(0, eld.max / 1e6 - 10),
    };
  }

  // ------------------------------------------------------------------------------- tasks

  async runTasks(s: TaskScenario): Promise<TaskResult> {
    this.upstream.taskTiming = { startDelayMs: s.startDelayMs };
    const notModifiedBefore = this.tg.notModifiedCount;
    const unexpectedMark = this.#unexpectedMark();
    const startedAt = now();
    const chats: number[] = [];
    for (let i = 0; i < s.n; i++) {
      const uid = s.firstChatId + i;
      const user = this.tg.user(uid, `User ${uid}`, 'en');
      const chat = this.tg.privateChat(uid, user);
      chats.push(uid);
      this.tg.sendText(chat, user, `${i % 2 === 0 ? '/imagine' : '/song'} task c${uid}`);
    }
    const ours = () => [...this.upstream.tasks.values()].filter((t) => t.submitAt >= startedAt);
    const deadline = now() + s.timeoutMs;
    while (ours().length < s.n && now() < deadline) await sleep(20);
    const tasks = ours();
    const allSubmittedAt = now();
    // Every task stays pending for the steady window, then they finish spread over the jitter.
    this.upstream.finishAll(tasks, allSubmittedAt + s.steadyMs, s.finishJitterMs);
    // From one interval on, the poller tracks every task (it records one just after its submit).
    const steadyFrom = allSubmittedAt + s.intervalMs;
    const delivered = new Map<number, number>(); // chat → first result message
    let scanned = 0;
    while (delivered.size < tasks.length && now() < deadline) {
      await sleep(50);
      const calls = this.tg.calls;
      for (; scanned < calls.length; scanned++) {
        const c = calls[scanned]!;
        if ((c.method === 'sendPhoto' || c.method === 'sendAudio') && c.chatId !== undefined) {
          if (!delivered.has(c.chatId)) delivered.set(c.chatId, c.at);
        }
      }
    }
    // The status messages settle after the result; give them a moment.
    await sleep(300);
    const firstFinish = Math.min(...tasks.map((t) => t.finishAt));
    const steady = this.upstream.fetches.filter((f) => f.at >= steadyFrom && f.at < firstFinish);
    // Requests of one tick go out together; ticks are at least one interval apart.
    const ticks: TaskResult['ticks'] = [];
    let lastAt = Number.NEGATIVE_INFINITY;
    for (const f of steady) {
      if (f.at - lastAt > s.intervalMs / 2) ticks.push({ mj: 0, suno: 0, ids: 0 });
      const tick = ticks.at(-1)!;
      tick[f.kind]++;
      tick.ids += f.ids;
      lastAt = f.at;
    }
    const delaysMs = tasks
      .map((t) => (delivered.get(t.chatId) ?? Number.NaN) - t.finishAt)
      .filter((d) => Number.isFinite(d));
    return {
      n: s.n,
      submitted: tasks.length,
      delivered: delivered.size,
      ticks,
      steadyWindowMs: Math.max(0, firstFinish - steadyFrom),
      steadyRequests: steady.length,
      delaysMs,
      errors429: this.#errors429(startedAt),
      notModified: this.tg.notModifiedCount - notModifiedBefore,
      unexpected: unexpectedMark(),
    };
  }
}
