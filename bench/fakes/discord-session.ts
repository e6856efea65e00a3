import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_GUILD_ID, FakeDiscord, type RecordedCall } from '../../test/fakes/discord.js';
import { answerFor, questionFor } from '../lib/answers.js';
import { checkPacing, earliestSlot, type Op, opsAllowed, peakPerSecond } from '../lib/pacing.js';
import type { AnswerResult, ChatResult, ChatScenario, SessionInfo } from '../lib/protocol.js';
import { sleep } from '../lib/stats.js';
import { CURSOR, PLACEHOLDER } from './session.js';
import { BenchUpstream, now } from './upstream.js';

/** Text channels in the bench guild: one per answer, so each answer has its chat's budget to itself. */
const CHANNELS = 600;
const channelId = (i: number) => String(1_100_000_000_000_000_000n + BigInt(i));

/** One fake Discord (REST + gateway) and one upstream, for the Discord rows. */
export class DiscordSession {
  /** Channels are used once each, so a run never inherits a warm-up's pacing state. */
  #nextChannel = 0;

  private constructor(
    readonly discord: FakeDiscord,
    readonly upstream: BenchUpstream,
  ) {}

  static async start(): Promise<DiscordSession> {
    const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: channelId(i), name: `bench-${i}` }));
    const discord = await FakeDiscord.start({
      guilds: [{ id: DEFAULT_GUILD_ID, name: 'Bench Guild', locale: 'en-US', channels }],
    });
    return new DiscordSession(discord, await BenchUpstream.start());
  }

  get info(): SessionInfo {
    return {
      platform: 'discord',
      upstreamUrl: this.upstream.url,
      discord: {
        token: this.discord.token,
        applicationId: this.discord.applicationId,
        restBase: this.discord.restBase,
        guildId: DEFAULT_GUILD_ID,
      },
    };
  }

  async close(): Promise<void> {
    await this.discord.close();
    await this.upstream.close();
  }

  /** Resolves once the bot's gateway session is READY. */
  async waitPolling(timeoutMs: number): Promise<void> {
    await this.discord.waitForReady(timeoutMs);
  }

  /** `/chat prompt:…` slash commands, one per channel; the answer streams into the deferred reply. */
  async runChat(s: ChatScenario): Promise<ChatResult> {
    if (this.#nextChannel + s.chats > CHANNELS)
      throw new Error(`at most ${CHANNELS} Discord chats a session`);
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    this.upstream.stream = { ttftMs: s.ttftMs, tokenIntervalMs: s.tokenIntervalMs };
    this.upstream.peakOpenStreams = this.upstream.openStreams;
    const discordFrom = this.discord.unexpected.length;
    const upstreamFrom = this.upstream.unexpected.length;
    const callsFrom = this.discord.calls.length;
    const appId = this.discord.applicationId;
    const startedAt = now();
    const asked: { id: number; channel: string; interaction: string; token: string }[] = [];
    for (let c = 0; c < s.chats; c++) {
      const due = startedAt + (s.chats > 1 ? (s.spreadMs * c) / (s.chats - 1) : 0);
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const id = s.firstId + c;
      const channel = channelId(this.#nextChannel++);
      const { id: interaction, token } = this.discord.slashCommand({
        name: 'chat',
        options: { prompt: questionFor(id) },
        channelId: channel,
        user: { id: String(300_000_000_000_000_000n + BigInt(id)), username: `user${id}` },
        locale: 'en-US',
      });
      asked.push({ id, channel, interaction, token });
    }

    const finished = (a: (typeof asked)[number]): boolean => {
      if (!this.upstream.answers.get(a.id)?.done) return false;
      const content = this.discord.interaction(a.interaction).original?.content;
      return content !== undefined && content !== PLACEHOLDER && !content.endsWith(CURSOR);
    };
    const deadline = now() + s.timeoutMs;
    let open = [...asked];
    while (open.length > 0 && now() < deadline) {
      await sleep(100);
      open = open.filter((a) => !finished(a));
    }
    await sleep(300);
    const endedAt = now();
    eld.disable();

    const calls = this.discord.calls.slice(callsFrom);
    const byToken = new Map<string, RecordedCall[]>();
    for (const call of calls) {
      const token = /^\/webhooks\/\d+\/([^/]+)/.exec(call.path)?.[1];
      if (!token) continue;
      const list = byToken.get(token) ?? [];
      byToken.set(token, list);
      list.push(call);
    }
    const answers: AnswerResult[] = [];
    const mismatches: ChatResult['mismatches'] = [];
    const opsByChat = new Map<string, Op[]>();
    for (const a of asked) {
      const up = this.upstream.answers.get(a.id);
      const rec = this.discord.interaction(a.interaction);
      const expected = answerFor(a.id);
      const webhook = (byToken.get(a.token) ?? []).filter(
        (c) => c.path.startsWith(`/webhooks/${appId}/`) && c.status >= 200 && c.status < 300,
      );
      const content = (c: RecordedCall) => (c.body as { content?: unknown } | undefined)?.content;
      const firstText = webhook.find((c) => typeof content(c) === 'string' && content(c) !== PLACEHOLDER);
      const ops: Op[] = webhook.map((c, i) => ({
        at: c.at,
        key: `msg:${a.token}`,
        placeholder: i === 0,
        final: i === webhook.length - 1,
      }));
      opsByChat.set(a.channel, ops);
      const firstVisibleAt = firstText?.at ?? Number.NaN;
      const finalAt = webhook.at(-1)?.at ?? Number.NaN;
      const edits = rec.original?.edits ?? [];
      let unchanged = 0;
      for (let i = 1; i < edits.length; i++) if (edits[i] === edits[i - 1]) unchanged++;
      const got = [rec.original?.content ?? '', ...rec.followUps.map((m) => m.content)].join('');
      if (got !== expected && mismatches.length < 3)
        mismatches.push({ id: a.id, expected, got: got.slice(0, 600) });
      answers.push({
        id: a.id,
        chatId: Number(a.channel),
        commandAt: rec.dispatchedAt,
        // The deferred response ("thinking…") is what the user sees first.
        placeholderAt: rec.callbacks[0]?.at ?? Number.NaN,
        requestAt: up?.requestAt ?? Number.NaN,
        firstTokenAt: up?.firstTokenAt || Number.NaN,
        firstVisibleAt,
        lastTokenAt: up?.lastTokenAt || Number.NaN,
        finalAt,
        finalSlotAt: Number.NaN,
        tokens: up?.tokens ?? 0,
        chars: expected.length,
        ops: webhook.length,
        opsAllowed: opsAllowed(s.budget, finalAt - firstVisibleAt),
        unchanged,
        exact: got === expected,
        done: finished(a),
      });
    }
    for (const ops of opsByChat.values()) ops.sort((x, y) => x.at - y.at);
    for (const [i, a] of answers.entries()) {
      const ops = opsByChat.get(asked[i]!.channel) ?? [];
      const index = ops.findIndex((o) => o.at === a.finalAt);
      const slot = index >= 0 ? earliestSlot(ops, index, s.budget) : Number.NaN;
      a.finalSlotAt = Math.max(a.lastTokenAt, slot);
    }
    const pace = checkPacing(opsByChat, s.budget);
    return {
      answers,
      mismatches,
      errors429: calls.filter((c) => c.status === 429).length,
      notModified: 0,
      paceViolations: pace.violations,
      paceWorstShortMs: pace.worstShortMs,
      paceExamples: pace.examples,
      peakOpsPerSecond: peakPerSecond(opsByChat),
      peakOpenStreams: this.upstream.peakOpenStreams,
      unexpected: [
        ...this.discord.unexpected.slice(discordFrom),
        ...this.upstream.unexpected.slice(upstreamFrom),
      ],
      startedAt,
      endedAt,
      totalTokens: answers.reduce((n, x) => n + x.tokens, 0),
      fakesEldP99Ms: Math.max(0, eld.percentile(99) / 1e6 - 10),
      fakesEldMaxMs: Math.max(0, eld.max / 1e6 - 10),
    };
  }
}
