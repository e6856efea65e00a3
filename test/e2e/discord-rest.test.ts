import { Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatChunks, FakeApiCore } from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID, type FakeDiscord, type RecordedCall } from '../fakes/discord.js';
import { type DiscordRun, startDiscordApp, webhookPatches } from '../helpers/discord-app.js';

/**
 * discord.js paces every REST call with its client-side global limit (50 a second), which Discord
 * applies to neither the interaction callback nor the interaction webhook (edits of the original
 * response, follow-ups). The adapter sends those on a REST manager without it; channel messages keep
 * it. Arrival times are the fake's records: counted per window, never compared to wall-clock deadlines.
 */
const CHANNEL = '1300000000000000051';
const INTERACTIONS = 120;
/** One channel per /chat, so their chats' pacing budgets (5 per 5 s) never meet. */
const CHAT_CHANNELS = Array.from({ length: INTERACTIONS }, (_, i) =>
  String(1300000000000001000n + BigInt(i)),
);
/** discord.js's default `globalRequestsPerSecond`. */
const CLIENT_GLOBAL_PER_SECOND = 50;

let apicore: FakeApiCore;
let run: DiscordRun;
let discord: FakeDiscord;

beforeAll(async () => {
  apicore = await FakeApiCore.start();
  run = await startDiscordApp(apicore, {
    discord: {
      guilds: [
        {
          id: DEFAULT_GUILD_ID,
          channels: [CHANNEL, ...CHAT_CHANNELS].map((id, i) => ({ id, name: `rest-${i}` })),
        },
      ],
      // The fake's own buckets out of the way (one channel, many messages); one rule shows the
      // per-route bucket of a single interaction is still kept.
      rateLimit: { limit: 10_000, windowMs: 1000 },
      rateLimits: [{ match: /^PATCH \/webhooks\/\d+\/[^/]+\/messages\/\d+$/, limit: 2, windowMs: 1000 }],
    },
    env: { RATE_LIMIT_PER_MINUTE: '0' },
  });
  discord = run.discord;
});

afterAll(async () => {
  await run?.stop();
  await apicore?.close();
});

/** The most calls that arrived within any `windowMs`, by their recorded times. */
function busiestWindow(calls: RecordedCall[], windowMs: number): number {
  const at = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < at.length; j++) {
    while (at[j]! - at[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('Discord REST: interaction endpoints at full speed', () => {
  it(`${INTERACTIONS} edits across ${INTERACTIONS} interactions are not held at 50/s by the client; /chat makes no placeholder edit`, async () => {
    // Real interactions: each /chat is deferred by the bot and answered.
    for (let i = 0; i < INTERACTIONS; i++)
      apicore.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks(`答 answer ${i} ✅`) });
    const started = Array.from({ length: INTERACTIONS }, (_, i) =>
      discord.slashCommand({
        name: 'chat',
        options: { prompt: `q ${i}` },
        channelId: CHAT_CHANNELS[i]!,
        user: { id: String(1400000000000000000n + BigInt(i)), username: `user${i}` },
      }),
    );
    // Which scripted answer each gets depends on arrival order: any of them will do.
    const answered = /^答 answer \d+ ✅$/;
    await discord.waitFor(
      (d) => started.every(({ id }) => answered.test(d.interaction(id).original?.content ?? '')),
      30_000,
    );
    for (const { token } of started) {
      const patches = webhookPatches(discord, token);
      // The deferred "thinking…" was the placeholder: the first PATCH already carries answer text.
      const first = (patches[0]!.body as { content: string }).content;
      expect(first).not.toBe('⏳ …');
      expect(first.startsWith('答')).toBe(true);
      expect(patches.every((p) => p.status === 200)).toBe(true);
    }

    // Then one edit per interaction, all at once, through the adapter's discord.js REST manager.
    const from = discord.calls.length;
    const rest = run.platform.client.rest;
    await Promise.all(
      started.map(({ token }, i) =>
        rest.patch(Routes.webhookMessage(discord.applicationId, token, '@original'), {
          body: { content: `edited ${i} ✏️` },
          auth: false,
        }),
      ),
    );
    const edits = discord.calls.slice(from).filter((c) => c.method === 'PATCH');
    expect(edits).toHaveLength(INTERACTIONS);
    expect(edits.every((c) => c.status === 200)).toBe(true);
    // Held at 50 per (fixed) one-second window, no second could see more than 100 of them.
    expect(busiestWindow(edits, 1000)).toBeGreaterThan(2 * CLIENT_GLOBAL_PER_SECOND);
  }, 60_000);

  it('channel messages keep the client-side global limit', async () => {
    const from = discord.calls.length;
    const rest = run.platform.client.rest;
    await Promise.all(
      Array.from({ length: INTERACTIONS }, (_, i) =>
        rest.post(Routes.channelMessages(CHANNEL), { body: { content: `message ${i}` } }),
      ),
    );
    const posts = discord.calls.slice(from).filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(INTERACTIONS);
    expect(posts.every((c) => c.status === 200)).toBe(true);
    // discord.js grants 50 per one-second window (fixed windows, the first possibly nearly over):
    // never more than two windows' worth within a second, and the 101st call needs a third window,
    // a whole window after the first call.
    expect(busiestWindow(posts, 1000)).toBeLessThanOrEqual(2 * CLIENT_GLOBAL_PER_SECOND);
    const at = posts.map((c) => c.at).sort((a, b) => a - b);
    expect(at[2 * CLIENT_GLOBAL_PER_SECOND]! - at[0]!).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it("one interaction's per-route bucket is still kept: edits wait for it, no 429", async () => {
    const { id, token } = discord.slashCommand({ name: 'help', channelId: CHANNEL });
    await discord.waitFor((d) => (d.interaction(id).original?.content ?? '') !== '', 10_000);
    const rest = run.platform.client.rest;
    const followUp = (await rest.post(Routes.webhook(discord.applicationId, token), {
      body: { content: 'follow-up 🧵' },
      auth: false,
      query: new URLSearchParams({ wait: 'true' }),
    })) as { id: string };
    // The fake allows 2 edits of a follow-up per second (its rule for `PATCH …/messages/{id}`).
    const from = discord.calls.length;
    const route = Routes.webhookMessage(discord.applicationId, token, followUp.id);
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        rest.patch(route, { body: { content: `bucketed ${i}` }, auth: false }),
      ),
    );
    const edits = discord.calls.slice(from).filter((c) => c.method === 'PATCH');
    expect(edits.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(edits[2]!.at - edits[0]!.at).toBeGreaterThanOrEqual(900);
  }, 30_000);
});
