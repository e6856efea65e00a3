import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RecordedCall } from '../../test/fakes/telegram.js';
import { cpuMsOf } from '../lib/proc.js';
import type {
  ClusterDeliver,
  ClusterDeliverResult,
  ClusterPolls,
  ClusterPollsResult,
  ClusterSegment,
  ClusterSubmit,
  ClusterSubmitResult,
  KindPolls,
} from '../lib/protocol.js';
import { redisInfo } from '../lib/redis-info.js';
import { peakInWindow, sleep } from '../lib/stats.js';
import type { Session } from './session.js';
import { now, type TaskRecord } from './upstream.js';

/** Telegram methods that count against the bot-wide budget: every send and edit. */
const RATED = new Set(['sendMessage', 'editMessageText', 'sendPhoto', 'sendAudio']);
/** Tasks stay queued upstream until the bench finishes them. */
const NEVER = 1e12;

/**
 * The fakes' side of the cluster phase (bench/cluster.ts): the bot instances run with Telegram by
 * webhook, so this posts each update to one instance's webhook port, as a load balancer would, and
 * reads what arrived at the fake Telegram and the bench upstream. Times are this process's clock.
 */
interface Sample {
  at: number;
  botsCpuMs: number;
  redisCpuMs: number;
  redisCommands: number;
  redisCalls: Map<string, number>;
}

/** Calls per command in `INFO commandstats`. */
function commandCalls(stats: Record<string, string>): Map<string, number> {
  const calls = new Map<string, number>();
  for (const [name, value] of Object.entries(stats)) {
    if (name.startsWith('cmdstat_'))
      calls.set(name.slice('cmdstat_'.length), Number(/calls=(\d+)/.exec(value)?.[1] ?? 0));
  }
  return calls;
}

export class ClusterDriver {
  #startedAt = 0;
  #allSubmittedAt = Number.NaN;
  #tasks: TaskRecord[] = [];
  #probe: ClusterSubmit['probe'] | undefined;
  readonly #segments: ClusterSegment[] = [];
  readonly #eld = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly session: Session) {}

  async #sample(): Promise<Sample> {
    const p = this.#probe!;
    const info = await redisInfo(p.redisPort).catch(() => ({}) as Record<string, string>);
    return {
      at: now(),
      botsCpuMs: p.botPids.reduce((n, pid) => n + cpuMsOf(pid), 0),
      redisCpuMs: p.redisPid === undefined ? Number.NaN : cpuMsOf(p.redisPid),
      redisCommands: Number(info.total_commands_processed ?? Number.NaN),
      redisCalls: commandCalls(await redisInfo(p.redisPort, 'commandstats').catch(() => ({}))),
    };
  }

  /** Records the stretch from `from` to now under `name`; returns the new sample. */
  async #segment(name: string, from: Sample): Promise<Sample> {
    const to = await this.#sample();
    this.#segments.push({
      name,
      ms: to.at - from.at,
      botsCpuMs: to.botsCpuMs - from.botsCpuMs,
      redisCpuMs: to.redisCpuMs - from.redisCpuMs,
      redisCommands: to.redisCommands - from.redisCommands,
      topCommands: [...to.redisCalls]
        .map(([name, n]): [string, number] => [name, n - (from.redisCalls.get(name) ?? 0)])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4),
    });
    return to;
  }

  async submit(s: ClusterSubmit): Promise<ClusterSubmitResult> {
    const { tg, upstream } = this.session;
    upstream.taskTiming = { startDelayMs: NEVER };
    this.#probe = s.probe;
    this.#eld.enable();
    const start = await this.#sample();
    this.#startedAt = now();
    const failures: string[] = [];
    let next = 0;
    let posted = 0;
    const post = async (i: number): Promise<void> => {
      const uid = s.firstChatId + i;
      const user = tg.user(uid, `User ${uid}`, 'en');
      const chat = tg.privateChat(uid, user);
      // The fake keeps the message (replies to it resolve); its update goes to a webhook instead of getUpdates.
      tg.sendText(chat, user, `${i % 2 === 0 ? '/imagine' : '/song'} task c${uid}`);
      const update = tg.pendingUpdates().at(-1)!;
      const port = s.ports[i % s.ports.length]!;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': s.secret },
          body: JSON.stringify(update),
        });
        await res.arrayBuffer();
        if (res.status === 200) posted++;
        else failures.push(`port ${port}: HTTP ${res.status}`);
      } catch (e) {
        failures.push(`port ${port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(s.concurrency, s.n) }, async () => {
        while (next < s.n) await post(next++);
      }),
    );
    const postedAt = now();
    const ours = () => [...upstream.tasks.values()].filter((t) => t.submitAt >= this.#startedAt);
    const deadline = this.#startedAt + s.timeoutMs;
    while (ours().length < s.n && now() < deadline) await sleep(50);
    this.#tasks = ours();
    this.#allSubmittedAt = Math.max(...this.#tasks.map((t) => t.submitAt));
    // BENCH_DEBUG_CLUSTER=1: when submits arrived, and what the chats of missing ones were sent.
    if (process.env.BENCH_DEBUG_CLUSTER) this.#debugSubmits(s, postedAt);
    await this.#segment('submit', start);
    return {
      posted,
      postFailures: failures.slice(0, 5),
      submitted: this.#tasks.length,
      postMs: postedAt - this.#startedAt,
      submitMs: this.#allSubmittedAt - this.#startedAt,
    };
  }

  #debugSubmits(s: ClusterSubmit, postedAt: number): void {
    const { tg } = this.session;
    const bucket = (t: number) => Math.floor((t - this.#startedAt) / 5000) * 5;
    const hist = new Map<number, number>();
    for (const t of this.#tasks) hist.set(bucket(t.submitAt), (hist.get(bucket(t.submitAt)) ?? 0) + 1);
    console.error('submits per 5 s', JSON.stringify([...hist]), 'posted in', postedAt - this.#startedAt);
    const submitted = new Set(this.#tasks.map((t) => t.chatId));
    const missing = Array.from({ length: s.n }, (_, i) => s.firstChatId + i).filter((c) => !submitted.has(c));
    for (const chat of missing.slice(0, 5)) {
      const calls = tg.calls.filter((c) => c.chatId === chat);
      const seen = calls.map((c) => [c.method, Math.round(c.at - this.#startedAt), c.response?.ok]);
      console.error('no submit in chat', chat, JSON.stringify(seen));
    }
  }

  async polls(s: ClusterPolls): Promise<ClusterPollsResult> {
    const from = this.#allSubmittedAt + s.settleMs;
    const to = from + s.windowMs;
    if (from > now()) await sleep(from - now());
    const start = await this.#sample();
    if (to > now()) await sleep(to - now());
    await this.#segment('polls', start);
    const fetches = this.session.upstream.fetches;
    const kind = (k: 'mj' | 'suno'): KindPolls => {
      const all = fetches.filter((f) => f.kind === k);
      const inWindow = all.filter((f) => f.at >= from && f.at < to);
      const ticks: number[] = [];
      let lastAt = Number.NEGATIVE_INFINITY;
      for (const f of inWindow) {
        if (f.at - lastAt > s.intervalMs / 2) ticks.push(0);
        ticks[ticks.length - 1]!++;
        lastAt = f.at;
      }
      return {
        pending: this.#tasks.filter((t) => t.kind === k && t.finishAt > to).length,
        requests: inWindow.length,
        ticks: ticks.length,
        maxPerTick: Math.max(0, ...ticks),
        maxIds: Math.max(0, ...all.map((f) => f.ids)),
        polledTasks: new Set(inWindow.flatMap((f) => f.list)).size,
      };
    };
    return { windowMs: s.windowMs, intervalMs: s.intervalMs, mj: kind('mj'), suno: kind('suno') };
  }

  async deliver(s: ClusterDeliver): Promise<ClusterDeliverResult> {
    const { tg, upstream } = this.session;
    // The status edits of the submits go first, so the clips have the bot-wide budget to themselves.
    const backlog = await this.#sample();
    const quietFrom = now();
    const lastRatedAt = () => {
      for (let i = tg.calls.length - 1; i >= 0; i--) {
        const c = tg.calls[i]!;
        if (RATED.has(c.method)) return c.at;
      }
      return Number.NEGATIVE_INFINITY;
    };
    while (now() - Math.max(quietFrom, lastRatedAt()) < s.quietMs && now() - quietFrom < s.quietTimeoutMs)
      await sleep(100);
    const quietWaitMs = now() - quietFrom;
    const idle = await this.#segment('backlog', backlog);
    await sleep(s.idleMs);
    const delivery = await this.#segment('idle', idle);

    const songs = this.#tasks
      .filter((t) => t.kind === 'suno')
      .sort((a, b) => a.chatId - b.chatId)
      .slice(0, s.songs);
    const chats = new Set(songs.map((t) => t.chatId));
    const titles = new Map<string, number>(
      songs.flatMap((t) => [1, 2].map((n): [string, number] => [`bench c${t.chatId} ${n}`, t.chatId])),
    );
    const finishedAt = now();
    upstream.finishAll(songs, finishedAt, 0);

    const ours = (c: RecordedCall) => c.at >= finishedAt && c.chatId !== undefined && chats.has(c.chatId);
    const audio = () =>
      tg.calls.filter(
        (c) => c.method === 'sendAudio' && c.response?.ok && ours(c) && titles.has(String(c.params.title)),
      );
    const finals = () =>
      tg.calls.filter(
        (c) => c.method === 'editMessageText' && ours(c) && String(c.params.text ?? '').startsWith('✅ Suno'),
      );
    const done = () =>
      new Set(audio().map((c) => String(c.params.title))).size === titles.size &&
      new Set(finals().map((c) => c.chatId)).size === chats.size;
    const deadline = finishedAt + s.timeoutMs;
    while (!done() && now() < deadline) await sleep(100);
    await this.#segment('delivery', delivery);
    const lastFinalAt = Math.max(...finals().map((c) => c.at));
    await sleep(s.strayMs);
    this.#eld.disable();

    const sent = audio();
    const perClip = new Map<string, number>();
    for (const c of sent) perClip.set(String(c.params.title), (perClip.get(String(c.params.title)) ?? 0) + 1);
    const finalsPerChat = new Map<number, number>();
    for (const c of finals()) finalsPerChat.set(c.chatId!, (finalsPerChat.get(c.chatId!) ?? 0) + 1);
    const partTimes = sent.map((c) => c.at).sort((a, b) => a - b);
    const lastPartAt = partTimes.at(-1) ?? Number.NaN;
    const ratedCalls = tg.calls.filter((c) => RATED.has(c.method) && c.at >= this.#startedAt);
    const rated = ratedCalls.map((c) => c.at);
    const delivered = rated.filter((at) => at >= finishedAt && at <= lastPartAt);
    const peakRun = peakInWindow(rated, 1000);
    const peakCalls: Record<string, number> = {};
    for (const c of ratedCalls)
      if (c.at >= peakRun.at && c.at < peakRun.at + 1000)
        peakCalls[c.method] = (peakCalls[c.method] ?? 0) + 1;
    const perSecond: number[] = [];
    for (const at of rated) {
      const second = Math.floor((at - this.#startedAt) / 1000);
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second]!++;
    }
    const calls: Record<string, number> = {};
    for (const c of tg.calls) if (c.at >= this.#startedAt) calls[c.method] = (calls[c.method] ?? 0) + 1;
    return {
      songs: songs.length,
      clips: titles.size,
      delivered: perClip.size,
      duplicates: [...perClip.values()].reduce((n, k) => n + k - 1, 0),
      finals: finalsPerChat.size,
      duplicateFinals: [...finalsPerChat.values()].reduce((n, k) => n + k - 1, 0),
      links: tg.calls.filter((c) => c.method === 'sendMessage' && ours(c)).length,
      quietWaitMs,
      firstPartMs: (partTimes[0] ?? Number.NaN) - finishedAt,
      lastPartMs: lastPartAt - finishedAt,
      lastFinalMs: lastFinalAt - finishedAt,
      peakOpsPerSecondRun: peakRun.peak,
      peakRun: { atMs: peakRun.at - this.#startedAt, calls: peakCalls },
      peakOpsPerSecondDelivery: peakInWindow(delivered, 1000).peak,
      peakOps5sRun: peakInWindow(rated, 5000).peak / 5,
      arrivals: rated,
      lastPartAt,
      fakesEldMaxMs: Math.max(0, this.#eld.max / 1e6 - 10),
      strayMs: s.strayMs,
      opsPerSecond: perSecond,
      finishedAtMs: finishedAt - this.#startedAt,
      finishedAt,
      opsDelivery: delivered.length,
      segments: [...this.#segments],
      errors429: tg.errors.filter((e) => e.error_code === 429 && e.at >= this.#startedAt).length,
      notModified: tg.notModifiedCount,
      calls,
      unexpected: [...tg.unexpected, ...upstream.unexpected].slice(0, 10),
    };
  }
}
