import { TELEGRAM_BOT_BUDGET } from '../../src/platforms/telegram/limits.js';
import type { ClusterPhase } from '../cluster.js';
import type { MonitorReport } from '../monitor.js';
import { PACE_TOLERANCE } from './pacing.js';
import type { TcpCounters } from './proc.js';
import type { AnswerResult, ChatResult, ChatScenario, ClusterSegment, TaskResult } from './protocol.js';
import { fmt, mean, median, percentile } from './stats.js';

export interface ChatPhase {
  name: string;
  scenario: ChatScenario;
  result: ChatResult;
  rttRestMs: number;
  rttRunMs: number[];
  monitor: MonitorReport;
  tcp: TcpCounters;
  /** CPU of the bot's threads during the run (from /proc, 10 ms ticks). */
  threads: { thread: string; ms: number }[];
  problems: string[];
}

export interface TaskPhase {
  n: number;
  intervalMs: number;
  result: TaskResult;
  rttRestMs: number;
  rttRunMs: number[];
  monitor: MonitorReport;
  problems: string[];
}

export interface ColdPhase {
  startsMs: number[];
  idle: { cpuMs: number; windowMs: number };
}

interface Row {
  section: string;
  figure: string;
  value: string;
  target: string;
  ok?: boolean | undefined;
}

const ms = (n: number) => `${fmt(n, 1)} ms`;
const p50p99 = (v: number[]) => `${ms(median(v))} / ${ms(percentile(v, 99))}`;
const finite = (v: number[]) => v.filter((x) => Number.isFinite(x));
/** `to − from` for each answer where both are numbers (NaN arrives over IPC as null). */
const diffs = (answers: AnswerResult[], to: keyof AnswerResult, from: keyof AnswerResult) =>
  finite(
    answers.map((a) =>
      typeof a[to] === 'number' && typeof a[from] === 'number' ? a[to] - a[from] : Number.NaN,
    ),
  );

const LABEL: Record<string, string> = {
  'latency-private': 'Telegram private chats (drafts)',
  'latency-group': 'Telegram groups (edits, 2 answers per group)',
  'latency-discord': 'Discord /chat slash commands (deferred reply, edits)',
  'latency-discord-rps': 'Discord, what-if: discord.js global limit 1000/s (proposed fix)',
  'load-100': '100 concurrent streams',
  'load-1000': '1,000 concurrent streams',
};

export function renderReport(input: {
  chats: ChatPhase[];
  tasks: TaskPhase[];
  cold: ColdPhase | undefined;
  /** The cluster phase, or why it was skipped. */
  cluster: ClusterPhase | { skipped: string } | undefined;
  failures: string[];
  totalSeconds: number;
  defaultPollIntervalMs: number;
  botCommand: string;
}): { table: string; notes: string; failed: number; totalSeconds: number } {
  const rows: Row[] = [];
  const add = (section: string, figure: string, value: string, target = '', ok?: boolean) =>
    rows.push({ section, figure, value, target, ok });

  // 1. Added latency
  for (const phase of input.chats.filter((c) => c.name.startsWith('latency'))) {
    const s = `1. Latency: ${LABEL[phase.name]}`;
    const r = phase.result;
    const a = r.answers;
    const rtt = median(phase.rttRunMs);
    const placeholder = diffs(a, 'placeholderAt', 'commandAt');
    const first = diffs(a, 'firstVisibleAt', 'firstTokenAt');
    const final = diffs(a, 'finalAt', 'lastTokenAt');
    const finalExcess = diffs(a, 'finalAt', 'finalSlotAt');
    add(
      s,
      'answers (ttft / token interval)',
      `${a.length} (${phase.scenario.ttftMs} ms / ${phase.scenario.tokenIntervalMs} ms)`,
      '≥ 200',
      a.length >= 200,
    );
    add(
      s,
      'platform round trip (at rest; during the run p50 / p99)',
      `${ms(phase.rttRestMs)}; ${p50p99(phase.rttRunMs)}`,
    );
    add(
      s,
      'command → placeholder, p50 / p99',
      p50p99(placeholder),
      `p99 ≤ 1 round trip (${ms(rtt)})`,
      percentile(placeholder, 99) <= rtt,
    );
    add(
      s,
      'upstream first token → first visible text, p50 / p99',
      p50p99(first),
      `p99 ≤ round trip + 10 ms (${ms(rtt + 10)})`,
      percentile(first, 99) <= rtt + 10,
    );
    add(s, 'upstream last token → final text, p50 / p99', p50p99(final));
    add(
      s,
      '  of which waiting for the pacing budget (earliest slot after the last token), p50 / p99',
      p50p99(diffs(a, 'finalSlotAt', 'lastTokenAt')),
      `the final text waits only for the chat window (${phase.scenario.budget.count} per ${phase.scenario.budget.perMs / 1000} s)`,
    );
    add(
      s,
      '  final text after that earliest slot, p50 / p99',
      p50p99(finalExcess),
      `p99 ≤ round trip + 10 ms (${ms(rtt + 10)})`,
      percentile(finalExcess, 99) <= rtt + 10,
    );
    add(
      s,
      'sends + drafts + edits per second, all chats together (peak)',
      String(r.peakOpsPerSecond),
      phase.name.includes('discord')
        ? 'discord.js queues every REST call past 50/s'
        : 'Telegram: about 30/s in bulk',
    );
    add(
      s,
      'command → upstream first token, p50 / p99 (includes the fake ttft)',
      p50p99(diffs(a, 'firstTokenAt', 'commandAt')),
    );
    add(
      s,
      'bot / fakes process event-loop delay p99 (max)',
      `${ms(phase.monitor.eldP99Ms)} (${ms(phase.monitor.eldMaxMs)}) / ${ms(r.fakesEldP99Ms)} (${ms(r.fakesEldMaxMs)})`,
    );
    add(
      s,
      'bot GC pauses: count, total, longest',
      `${phase.monitor.gcCount}, ${ms(phase.monitor.gcTotalMs)}, ${ms(phase.monitor.gcMaxMs)}`,
    );
  }

  // 2. Edit efficiency, for every chat phase
  for (const phase of input.chats) {
    const s = `2. Edits: ${LABEL[phase.name] ?? phase.name}`;
    const r = phase.result;
    const a = r.answers;
    const ops = a.map((x) => x.ops);
    const allowed = finite(a.map((x) => x.opsAllowed));
    const over = a.filter((x) => x.ops > x.opsAllowed).length;
    const b = phase.scenario.budget;
    add(
      s,
      'sends + drafts + edits per answer: median / max (budget allows, median)',
      `${median(ops)} / ${Math.max(...ops)} (${median(allowed)})`,
      `≤ budget (${b.count} per ${b.perMs / 1000} s a chat, 1 per ${b.minEditIntervalMs / 1000} s a message)`,
      over === 0,
    );
    add(
      s,
      'operations arriving > 5 % faster than that budget (largest shortfall of any gap)',
      `${r.paceViolations} (${ms(r.paceWorstShortMs)})`,
      '0',
      r.paceViolations === 0,
    );
    add(s, '429 responses', String(r.errors429), '0', r.errors429 === 0);
    const unchanged = a.reduce((n, x) => n + x.unchanged, 0) + r.notModified;
    add(s, 'edits with unchanged text', String(unchanged), '0', unchanged === 0);
    const exact = a.filter((x) => x.exact).length;
    add(
      s,
      'final text equal to the full answer',
      `${exact}/${a.length} (${fmt((100 * exact) / Math.max(1, a.length), 1)} %)`,
      '100 %',
      exact === a.length && a.length > 0,
    );
  }

  // 3. Load
  for (const phase of input.chats.filter((c) => c.name.startsWith('load'))) {
    const s = `3. Load: ${LABEL[phase.name]}`;
    const r = phase.result;
    const a = r.answers;
    const m = phase.monitor;
    const cpuMs = m.cpuUserMs + m.cpuSystemMs;
    const start = Math.min(...finite(a.map((x) => x.commandAt)));
    const end = Math.max(...finite(a.map((x) => x.finalAt)));
    const perK = (cpuMs / Math.max(1, r.totalTokens)) * 1000;
    const perAnswer = cpuMs / Math.max(1, a.length);
    add(
      s,
      'answers finished / upstream streams open at once (peak)',
      `${a.filter((x) => x.done).length}/${a.length} / ${r.peakOpenStreams}`,
      `${a.length} at once`,
      r.peakOpenStreams >= a.length,
    );
    add(
      s,
      'command → upstream request, p50 / p99 (queueing in the bot)',
      p50p99(diffs(a, 'requestAt', 'commandAt')),
    );
    add(s, 'first token → first visible text, p50 / p99', p50p99(diffs(a, 'firstVisibleAt', 'firstTokenAt')));
    add(
      s,
      'tokens through the renderer',
      `${r.totalTokens} in ${fmt((end - start) / 1000, 1)} s = ${fmt(r.totalTokens / ((end - start) / 1000), 0)} tokens/s`,
    );
    add(s, 'CPU per 1,000 tokens (user + system)', ms(perK), '< 20 ms', perK < 20);
    add(s, 'CPU per ~500-character answer', ms(perAnswer), '< 5 ms', perAnswer < 5);
    add(
      s,
      'CPU total (user / system) over the run',
      `${fmt(m.cpuUserMs / 1000, 2)} s / ${fmt(m.cpuSystemMs / 1000, 2)} s in ${fmt(m.wallMs / 1000, 1)} s`,
    );
    add(
      s,
      'peak RSS (heap used peak)',
      `${fmt(m.rssPeakMb, 0)} MB (${fmt(m.heapPeakMb, 0)} MB)`,
      '< 300 MB',
      m.rssPeakMb < 300,
    );
    add(
      s,
      'event-loop delay p50 / p99 / max',
      `${ms(m.eldP50Ms)} / ${ms(m.eldP99Ms)} / ${ms(m.eldMaxMs)}`,
      'p99 < 50 ms',
      m.eldP99Ms < 50,
    );
    add(
      s,
      'GC pauses: count, total, longest (longest full mark-compact)',
      `${m.gcCount}, ${ms(m.gcTotalMs)}, ${ms(m.gcMaxMs)} (${ms(m.gcMajorMaxMs)})`,
    );
  }

  // 4. Polling
  for (const phase of input.tasks) {
    const s = `4. Polling: ${phase.n} pending tasks`;
    const r = phase.result;
    const ticks = r.ticks;
    const maxPerKind = ticks.length ? Math.max(...ticks.flatMap((t) => [t.mj, t.suno])) : Number.NaN;
    const perTick = mean(ticks.map((t) => t.mj + t.suno));
    const perMinuteDefault = perTick * (60_000 / input.defaultPollIntervalMs);
    const rtt = median(phase.rttRunMs);
    add(
      s,
      `upstream requests per tick per kind, max (over ${ticks.length} ticks, ${fmt(mean(ticks.map((t) => t.ids)), 0)} ids a tick)`,
      `mj ${ticks.length ? Math.max(...ticks.map((t) => t.mj)) : '–'}, suno ${ticks.length ? Math.max(...ticks.map((t) => t.suno)) : '–'}`,
      '≤ 1 per kind',
      maxPerKind <= 1,
    );
    add(
      s,
      `upstream requests per minute at the default ${input.defaultPollIntervalMs} ms interval`,
      fmt(perMinuteDefault, 0),
      `≤ ${60_000 / input.defaultPollIntervalMs} per kind (${(2 * 60_000) / input.defaultPollIntervalMs} for 2 kinds)`,
      perMinuteDefault <= (2 * 60_000) / input.defaultPollIntervalMs,
    );
    add(
      s,
      `measured at ${phase.intervalMs} ms: requests per minute`,
      fmt((r.steadyRequests / Math.max(1, r.steadyWindowMs)) * 60_000, 0),
    );
    add(
      s,
      `task finished upstream → result in the chat, p50 / p99 (${r.delivered}/${r.submitted} delivered)`,
      p50p99(r.delaysMs),
      `p99 ≤ poll interval + round trip (${ms(phase.intervalMs + rtt)})`,
      percentile(r.delaysMs, 99) <= phase.intervalMs + rtt && r.delivered === r.n,
    );
    add(
      s,
      '429 responses / unchanged-text edits',
      `${r.errors429} / ${r.notModified}`,
      '0 / 0',
      r.errors429 === 0 && r.notModified === 0,
    );
    const m = phase.monitor;
    add(
      s,
      'bot CPU per task (submit, status edits, delivery) / event-loop delay p99 / peak RSS',
      `${ms((m.cpuUserMs + m.cpuSystemMs) / Math.max(1, r.submitted))} / ${ms(m.eldP99Ms)} / ${fmt(m.rssPeakMb, 0)} MB`,
    );
  }

  // 5. Cold start and idle
  if (input.cold) {
    const s = '5. Cold start (SQLite store)';
    const warm = input.cold.startsMs.slice(1);
    add(
      s,
      `process start → "ready", median of ${warm.length} runs (min / max)`,
      `${ms(median(warm))} (${ms(Math.min(...warm))} / ${ms(Math.max(...warm))})`,
      '< 1000 ms',
      median(warm) < 1000,
    );
    add(s, 'first run (the SQLite file created)', ms(input.cold.startsMs[0] ?? Number.NaN));
    const pct = (100 * input.cold.idle.cpuMs) / Math.max(1, input.cold.idle.windowMs);
    add(
      s,
      `idle CPU (long polling, no traffic, ${fmt(input.cold.idle.windowMs / 1000, 0)} s)`,
      `${fmt(pct, 2)} % of a core (${input.cold.idle.cpuMs} ms)`,
      '< 1 %',
      pct < 1,
    );
  }

  // 6. Cluster
  const cluster = input.cluster && 'skipped' in input.cluster ? undefined : input.cluster;
  if (input.cluster && 'skipped' in input.cluster) {
    add('6. Cluster (3 instances on one Redis)', 'cluster figures', `skipped: ${input.cluster.skipped}`);
  }
  if (cluster) {
    const s = `6. Cluster: ${cluster.instances} instances of the bundle on one redis-server (BullMQ), Telegram by webhook`;
    const { submit, polls, deliver } = cluster;
    const intervals = polls.windowMs / polls.intervalMs;
    add(
      s,
      `tasks posted to the instances' webhooks in turn (half /imagine, half /song, one per chat) → all at the upstream`,
      `${submit.submitted}/${cluster.tasks} in ${fmt(submit.submitMs / 1000, 1)} s`,
      'every one',
      submit.submitted === cluster.tasks,
    );
    const kinds = [polls.mj, polls.suno];
    const perInterval = kinds.map((k) => k.requests / intervals);
    add(
      s,
      `poll requests per kind per interval cluster-wide, ${cluster.tasks} pending (${polls.mj.pending} mj + ${polls.suno.pending} suno), over ${intervals} intervals of ${polls.intervalMs} ms`,
      `mj ${fmt(perInterval[0]!, 2)} (${polls.mj.requests}), suno ${fmt(perInterval[1]!, 2)} (${polls.suno.requests})`,
      '≤ 1 per kind',
      perInterval.every((x) => x <= 1),
    );
    add(
      s,
      '  requests per kind in one tick, max (ticks seen)',
      `mj ${polls.mj.maxPerTick} (${polls.mj.ticks}), suno ${polls.suno.maxPerTick} (${polls.suno.ticks})`,
      '≤ 1 per kind',
      kinds.every((k) => k.maxPerTick <= 1),
    );
    add(
      s,
      '  ids per request, max; pending tasks polled in the window',
      `${Math.max(polls.mj.maxIds, polls.suno.maxIds)}; ${polls.mj.polledTasks + polls.suno.polledTasks}/${polls.mj.pending + polls.suno.pending}`,
      '≤ 100; every one, in turn',
      kinds.every((k) => k.maxIds <= 100 && k.polledTasks === k.pending),
    );
    const deliverS = deliver.lastPartMs / 1000;
    const partsPerS = deliver.delivered / deliverS;
    const opsPerS = deliver.opsDelivery / deliverS;
    add(
      s,
      `result parts delivered per second, cluster-wide (${deliver.songs} songs × 2 clips finishing at once, one private chat each)`,
      `${fmt(partsPerS, 1)} /s (${deliver.delivered}/${deliver.clips} in ${fmt(deliverS, 1)} s)`,
      `bound: Telegram's ${TELEGRAM_BOT_BUDGET.count} sends + edits /s bot-wide, shared in Redis (2 clips + 1 final status a song: ≈ ${fmt((TELEGRAM_BOT_BUDGET.count * 2) / 3, 0)} parts/s)`,
    );
    const budget = TELEGRAM_BOT_BUDGET.count;
    const lag = (x: { p50: number; p99: number; max: number } | undefined) =>
      x ? `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)}` : '– (a grant was missed)';
    add(
      s,
      "  Telegram's bot-wide budget as the instances take it (the grant log in Redis): grants in any 1 s, peak",
      `${cluster.budget.peakPerSecond} (${cluster.budget.grants} grants read, ${cluster.budget.requests} requests)`,
      `≤ ${budget} (every grant read)`,
      cluster.budget.peakPerSecond <= budget && cluster.budget.grants === cluster.budget.requests,
    );
    add(
      s,
      '  sends + edits as they reach Telegram, in any 1 s: during the delivery (mean); over the whole phase, and when',
      `${deliver.peakOpsPerSecondDelivery} (${fmt(opsPerS, 1)}); ${deliver.peakOpsPerSecondRun} at +${fmt(deliver.peakRun.atMs / 1000, 1)} s (${Object.entries(
        deliver.peakRun.calls,
      )
        .map(([m, n]) => `${n} ${m}`)
        .join(', ')})`,
      `≤ ${budget} (+5 % arrival jitter)`,
      Math.max(deliver.peakOpsPerSecondDelivery, deliver.peakOpsPerSecondRun) <=
        budget * (1 + PACE_TOLERANCE),
    );
    add(
      s,
      "  grant → request at Telegram, p50 / p99 / max: during the delivery; over the whole phase (the fakes process's own event-loop delay, max)",
      `${lag(cluster.budget.deliveryLagMs)}; ${lag(cluster.budget.lagMs)} (${ms(deliver.fakesEldMaxMs)})`,
    );
    add(
      s,
      '  song finished upstream → first clip / last clip / last final status in the chats',
      `${ms(deliver.firstPartMs)} / ${ms(deliver.lastPartMs)} / ${ms(deliver.lastFinalMs)}`,
    );
    const seg = (name: string) => deliver.segments.find((x) => x.name === name);
    const cpuPct = (x: ClusterSegment | undefined, what: 'botsCpuMs' | 'redisCpuMs') =>
      x ? `${fmt((100 * x[what]) / Math.max(1, x.ms), 0)} %` : '–';
    add(
      s,
      '  CPU, % of one core, of the 3 instances together / of redis-server: during the delivery; idle with every task pending (ticks alone)',
      `${cpuPct(seg('delivery'), 'botsCpuMs')} / ${cpuPct(seg('delivery'), 'redisCpuMs')}; ${cpuPct(seg('idle'), 'botsCpuMs')} / ${cpuPct(seg('idle'), 'redisCpuMs')}`,
    );
    add(
      s,
      'duplicate deliveries (sendAudio calls beyond the first per clip title); clips missing',
      `${deliver.duplicates}; ${deliver.clips - deliver.delivered}`,
      '0; 0',
      deliver.duplicates === 0 && deliver.delivered === deliver.clips,
    );
    add(
      s,
      '  final status: songs with one / extra final edits; parts sent as links instead of files',
      `${deliver.finals}/${deliver.songs} / ${deliver.duplicateFinals}; ${deliver.links}`,
      `${deliver.songs} / 0; 0`,
      deliver.finals === deliver.songs && deliver.duplicateFinals === 0 && deliver.links === 0,
    );
    add(
      s,
      '  429 responses / unchanged-text edits / warnings logged by the instances',
      `${deliver.errors429} / ${deliver.notModified} / ${cluster.problems.length}`,
      '0 / 0 / 0',
      deliver.errors429 === 0 && deliver.notModified === 0 && cluster.problems.length === 0,
    );
  }

  // Across every run
  const all429 =
    input.chats.reduce((n, c) => n + c.result.errors429, 0) +
    input.tasks.reduce((n, t) => n + t.result.errors429, 0) +
    (cluster?.deliver.errors429 ?? 0);
  const allUnchanged =
    input.chats.reduce(
      (n, c) => n + c.result.notModified + c.result.answers.reduce((m, a) => m + a.unchanged, 0),
      0,
    ) + input.tasks.reduce((n, t) => n + t.result.notModified, 0);
  const answers = input.chats.flatMap((c) => c.result.answers);
  const exact = answers.filter((a) => a.exact).length;
  const s = '7. Every run';
  add(s, '429 responses', String(all429), '0', all429 === 0);
  add(s, 'edits with unchanged text', String(allUnchanged), '0', allUnchanged === 0);
  add(
    s,
    'final text exact (ASCII + Chinese + emoji answers)',
    `${exact}/${answers.length}`,
    '100 %',
    exact === answers.length && answers.length > 0,
  );
  add(
    s,
    'whole bench',
    `${fmt(input.totalSeconds, 0)} s${cluster ? ` (of which the cluster phase ${fmt(cluster.seconds, 0)} s)` : ''}`,
    '< 300 s',
    input.totalSeconds < 300,
  );
  for (const f of input.failures) add(s, 'phase failed', f, 'none', false);

  const lines = ['| Figure | Value | Target | |', '|---|---|---|---|'];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      lines.push(`| **${section}** | | | |`);
    }
    lines.push(
      `| ${r.figure} | ${r.value} | ${r.target} | ${r.ok === undefined ? '' : r.ok ? '✅' : '❌'} |`,
    );
  }

  const notes: string[] = ['## Notes', ''];
  notes.push(
    `- Processes: the bot is ${input.botCommand}, with a memory store for phases 1–4, SQLite for 5 and Redis for 6, \`LOG_LEVEL=warn\`, \`RATE_LIMIT_PER_MINUTE=0\`; the fake Telegram (test/fakes/telegram.ts, rate limits enforced in groups), the fake Discord (test/fakes/discord.ts) and the bench upstream (bench/fakes/upstream.ts) run in a second process, so CPU, RSS and event-loop figures are the bot's alone. Both are on one 2-core machine. What-if rows (none at present) run bench/lib/bot-main.ts, the same wiring with one knob turned, bundled the same way.`,
    '- Times are taken in the fakes process on one clock: the upstream records when it wrote the first and last token of each answer, the fake Telegram when each request arrived. "Command" is when the fake answered the getUpdates call carrying the question. "First visible text" is the first draft (private) or edit (group) that carries answer text.',
    '- A token is one SSE `delta.content` event of 1–5 code points; answers are ~500 characters mixing ASCII, Chinese and emoji (ZWJ sequences, skin tones, flags), and every third write ends inside a multi-byte character.',
    '- "Round trip" is a getMe through grammY\'s client (Telegram) or GET /gateway/bot through undici (Discord) to the fake, sampled every 100 ms during the run; targets use its median. A final text skips the per-message interval (src/render/scheduler.ts) but may have to wait for a free place in the chat window: its target applies to the time after the earliest slot the declared budget allowed, computed from the arrival times of the operations before it.',
    '- Pacing is checked against the budget the bot declares (src/platforms/*/limits.ts) on arrival times at the fake; gaps up to 5 % short are jitter, not counted. The placeholder is exempt from the per-message interval by design (it counts against the chat window). Every phase starts with 20 warm-up answers that are not counted.',
    '- Polling runs with `TASK_POLL_INTERVAL_MS=200` (half /imagine, half /song, one per chat); the per-minute figure scales the requests per tick to the default 3000 ms.',
    "- Telegram allows a bot about 30 messages a second in bulk, across chats; the fake enforces it (429 with retry_after, drafts counted) and the bot keeps to it (`TELEGRAM_MAX_PER_SECOND`). The Telegram latency phases start 240 answers in 12 s, at least 480 operations: their first texts queue behind that limit by necessity, so their latency targets (from before the limit was enforced) are out of reach by design; Discord's phase has no such limit for interaction replies.",
    '- Discord: the bot with `DISCORD_*` pointing at test/fakes/discord.ts (real discord.js client, gateway and REST), one text channel per answer, `/chat prompt:…`; "placeholder" is the deferred reply (callback type 5), edits are webhook PATCHes of `@original`. The fake Discord stamps whole milliseconds.',
  );
  for (const c of input.chats) {
    const t = c.tcp;
    notes.push(
      `- ${c.name}: bot CPU by thread: ${c.threads.map((x) => `${x.thread} ${x.ms} ms`).join(', ') || '–'}; loopback TCP: ${t.resets} resets sent, ${t.retransmits} segments retransmitted, ${t.timeouts} retransmission timeouts.`,
    );
    if (c.result.mismatches.length)
      notes.push(
        `- ${c.name}: inexact final text, e.g. answer ${c.result.mismatches[0]!.id}: got ${JSON.stringify(c.result.mismatches[0]!.got.slice(0, 120))}`,
      );
    if (c.result.paceExamples.length)
      notes.push(`- ${c.name}: pacing, e.g. ${c.result.paceExamples.slice(0, 3).join('; ')}`);
    if (c.result.unexpected.length)
      notes.push(
        `- ${c.name}: fakes saw ${c.result.unexpected.length} unexpected request(s), e.g. ${c.result.unexpected[0]}`,
      );
    if (c.problems.length)
      notes.push(
        `- ${c.name}: the bot logged ${c.problems.length} warning(s), e.g. ${c.problems[0]!.slice(0, 200)}`,
      );
  }
  if (cluster) {
    const { submit, deliver } = cluster;
    const budget = TELEGRAM_BOT_BUDGET.count;
    const perS = (n: number, ms: number) => fmt(n / Math.max(0.001, ms / 1000), 0);
    notes.push(
      `- Cluster: ${cluster.instances} processes of the bundle with \`STORE_URL=redis://…\` on one redis-server (test/helpers/redis-server.ts: loopback, no persistence), \`TASK_POLL_INTERVAL_MS=${cluster.intervalMs}\`, \`LOG_LEVEL=info\`, \`RATE_LIMIT_PER_MINUTE=0\`, Telegram by webhook (\`TELEGRAM_WEBHOOK_PORT\`/\`URL\`/\`SECRET\`). The fakes process posts each update to one instance's webhook on 127.0.0.1 in turn, as a load balancer would (${submit.posted} posts in ${fmt(submit.postMs / 1000, 1)} s); the upstream keeps every task queued until the bench finishes it. Poll requests are counted at the upstream from ${2 * cluster.intervalMs} ms after the last submit; a gap of more than half an interval starts a new tick.`,
      `- Cluster: submitting is paced by Telegram's bot-wide budget (${budget} sends + edits a second, a sliding log in Redis the instances share), not by the task system: each task costs a "Submitting…" message, the "Accepted" edit and a first status edit (${cluster.tasks} tasks: ≈ ${fmt((3 * cluster.tasks) / budget, 0)} s of budget). The songs finish once the platform has been quiet for 2 s (${fmt(deliver.quietWaitMs / 1000, 1)} s after the poll window), so the clips have the budget to themselves; each chat gets 2 clips and 1 final status, within its own 3 per 3 s.`,
      `- Cluster: deliveries are bounded by that budget: ${deliver.opsDelivery} sends + edits from the finish to the last clip in ${fmt(deliver.lastPartMs / 1000, 1)} s (${fmt(deliver.opsDelivery / (deliver.lastPartMs / 1000), 1)} a second), with the CPU below one core in all (table). Not by the poll (one tick finds up to 100 finished songs of a kind, 200 parts) nor the workers (each instance runs 4 chat jobs at once). Duplicates are counted ${fmt(deliver.strayMs / 1000, 0)} s after the last clip and final status, so a stray second delivery would show. Telegram calls in the phase: ${Object.entries(
        deliver.calls,
      )
        .map(([m, n]) => `${m} ${n}`)
        .join(', ')}.`,
      `- Cluster: the bot-wide budget holds where the instances take it: the grant log in Redis (read every 100 ms by the bench's main process) never held more than ${cluster.budget.peakPerSecond} grants in a second (${cluster.budget.grants} grants read for ${cluster.budget.requests} requests). What reaches Telegram can bunch: after its grant an instance still has work to do before the request leaves (for a clip, the download and the upload, which wait for the grant so that no file is held while waiting; during the webhook burst, the other updates), so a busy event loop sends grants of ${cluster.budget.lagMs ? `up to ${fmt(cluster.budget.lagMs.max / 1000, 1)} s` : 'several seconds'} together. The lag is the k-th request's arrival after the k-th grant, Redis's clock against the fakes' on one host. Real Telegram might answer such a burst with 429s, which grammY's auto-retry waits out.`,
      `- Cluster, where time and CPU went (CPU in % of one core; Redis commands from \`INFO stats\`, the most called from \`INFO commandstats\`): ${deliver.segments
        .map(
          (x) =>
            `${x.name} ${fmt(x.ms / 1000, 1)} s: instances ${fmt((100 * x.botsCpuMs) / Math.max(1, x.ms), 0)} %, redis-server ${fmt((100 * x.redisCpuMs) / Math.max(1, x.ms), 0)} %, ${perS(x.redisCommands, x.ms)} Redis commands/s (${x.topCommands.map(([name, n]) => `${name} ${perS(n, x.ms)}`).join(', ')})`,
        )
        .join(
          '; ',
        )}. "Idle" is ${fmt((deliver.segments.find((x) => x.name === 'idle')?.ms ?? 0) / 1000, 0)} s with every task pending and nothing to send: each tick reads every open record of its kind (the GETs), not only the 100 it polls.`,
    );
    const submitSeg = deliver.segments.find((x) => x.name === 'submit');
    const evals = submitSeg?.topCommands.find(([name]) => name === 'eval' || name === 'evalsha');
    if (submitSeg && evals)
      notes.push(
        `- Cluster: while ${cluster.tasks} chats waited for their first message, the budget's script ran ${perS(evals[1], submitSeg.ms)} times a second (with the TIME, LLEN and LINDEX inside it) for ${budget} grants: every chat waiting for the bot-wide budget asks Redis again when its wait ends, and all of them wait for the same oldest grant to leave the window. During the delivery only the 12 chat-job workers wait, and the script runs far less.`,
      );
    if (deliver.unexpected.length)
      notes.push(
        `- Cluster: fakes saw ${deliver.unexpected.length} unexpected request(s), e.g. ${deliver.unexpected[0]}`,
      );
    if (cluster.problems.length)
      notes.push(
        `- Cluster: the instances logged ${cluster.problems.length} warning(s), e.g. ${cluster.problems[0]!.slice(0, 200)}`,
      );
  }
  for (const t of input.tasks) {
    if (t.result.unexpected.length)
      notes.push(
        `- tasks ${t.n}: fakes saw ${t.result.unexpected.length} unexpected request(s), e.g. ${t.result.unexpected[0]}`,
      );
    if (t.problems.length)
      notes.push(
        `- tasks ${t.n}: the bot logged ${t.problems.length} warning(s), e.g. ${t.problems[0]!.slice(0, 200)}`,
      );
  }
  return {
    table: lines.join('\n'),
    notes: notes.join('\n'),
    failed: rows.filter((r) => r.ok === false).length,
    totalSeconds: input.totalSeconds,
  };
}
