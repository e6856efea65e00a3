import { describe, expect, it, vi } from 'vitest';
import { QUOTA_CUT } from '../../src/conversations/metered-answer.js';
import { chatChunks, FakeApiCore } from '../fakes/apicore.js';
import type { StoredMessage } from '../fakes/discord.js';
import { runConsole } from '../helpers/console-app.js';
import { useGuildApp } from '../helpers/discord-fakes.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// Answers that end early on the user's word: a deleted answer message aborts the upstream request
// (Discord says so with MESSAGE_DELETE; Telegram says nothing, and the next edit finds it gone),
// and the daily token quota cuts an answer as it streams, with a line saying so.

const LONG = Array.from({ length: 40 }, (_, i) => `第${i}句 sentence ${i} 🌊.`).join(' ');
const chatRequests = (api: FakeApiCore) => api.requestsTo('POST', '/v1/chat/completions');
type ChatJson = { messages: { role: string; content: unknown }[] };

describe('Discord: deleting the answer message', () => {
  const CH = { deleted: '1300000000000000071' };
  const fx = useGuildApp(CH);

  it('aborts the upstream request, edits no more and keeps the text so far in history', async () => {
    const before = chatRequests(fx.apicore).length;
    fx.apicore.enqueue(
      'POST /v1/chat/completions',
      { kind: 'sse', events: chatChunks(LONG, { pieces: 40 }), delayMs: 150 },
      { kind: 'sse', events: chatChunks('好的 OK 👍', { pieces: 2 }), delayMs: 10 },
    );
    const { id } = fx.discord.slashCommand({
      channelId: CH.deleted,
      name: 'chat',
      options: { prompt: '长故事 a long story 📖' },
    });
    const growing: StoredMessage = await fx.discord.waitFor((d) => {
      const m = d.interaction(id).original;
      return m?.content.includes('第1句') ? m : undefined;
    }, 10_000);
    // A moderator deletes the answer while it grows: the bot gets MESSAGE_DELETE.
    expect(fx.discord.deleteMessageAsUser(growing.id)).toBe(true);
    const deletedAt = fx.discord.calls.length;
    await vi.waitFor(() => expect(chatRequests(fx.apicore)[before]!.closedByClient).toBe(true), {
      timeout: 5000,
    });
    await vi.waitFor(() => expect(fx.run.app.router.inflight).toBe(0), { timeout: 5000 });
    // Nothing more for this answer: no edit of the deleted message, no new message with the text.
    const later = fx.discord.calls.slice(deletedAt);
    expect(later.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(fx.discord.interaction(id).followUps).toEqual([]);
    expect(fx.discord.channelMessages(CH.deleted)).toEqual([]);

    // The text so far stays in the conversation, as a stopped answer does.
    const next = fx.discord.slashCommand({
      channelId: CH.deleted,
      name: 'chat',
      options: { prompt: '继续 go on ▶️' },
    });
    await fx.discord.waitFor((d) => d.interaction(next.id).original?.content === '好的 OK 👍', 10_000);
    const messages = (chatRequests(fx.apicore).at(-1)!.json as ChatJson).messages;
    const assistant = messages.filter((m) => m.role === 'assistant');
    expect(assistant).toHaveLength(1);
    const kept = String(assistant[0]!.content);
    expect(kept.length).toBeGreaterThan(0);
    expect(LONG.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(LONG.length);
  });
});

describe('Telegram: deleting the answer message and the daily token quota', () => {
  const fx = useTelegramFakes();

  it('a deleted answer is found gone at the next edit: the upstream request is aborted, nothing is re-sent', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(-1001234500091, 'Delete 删除 🗑️');
    const amy = fx.tg.user(91, 'Amy 艾米', 'en');
    fx.api.enqueue(
      'POST /v1/chat/completions',
      { kind: 'sse', events: chatChunks(LONG, { pieces: 40 }), delayMs: 150 },
      { kind: 'sse', events: chatChunks('好的 OK 👍', { pieces: 2 }), delayMs: 10 },
    );
    fx.tg.sendText(group, amy, '/chat 长故事 a long story 📖');
    const growing = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.text.includes('第1句')),
      10_000,
    );
    fx.tg.deleteAsUser(group.id, growing.message_id);
    const deletedAt = fx.tg.calls.length;
    await vi.waitFor(() => expect(chatRequests(fx.api)[0]!.closedByClient).toBe(true), { timeout: 8000 });
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0, 8000);
    // One edit found it gone (400 "message to edit not found"); then nothing was sent to the chat.
    const later = fx.tg.calls.slice(deletedAt).filter((c) => c.chatId === group.id);
    const edits = later.filter((c) => c.method === 'editMessageText');
    expect(edits).toHaveLength(1);
    expect(edits[0]!.response).toMatchObject({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message to edit not found',
    });
    expect(later.filter((c) => c.method !== 'editMessageText' && c.method !== 'sendChatAction')).toEqual([]);
    expect(fx.tg.chatLog(group.id).filter((m) => m.from_bot)).toEqual([]);

    // Kept in history: replying continues with the text that was shown.
    fx.tg.sendText(group, amy, '/chat 继续 go on ▶️');
    await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text === '好的 OK 👍'), 10_000);
    const messages = (chatRequests(fx.api).at(-1)!.json as ChatJson).messages;
    const kept = String(messages.find((m) => m.role === 'assistant')?.content ?? '');
    expect(kept.length).toBeGreaterThan(0);
    expect(LONG.startsWith(kept)).toBe(true);
  });

  it('the daily token quota cuts an answer midway, in Chinese, and closes the upstream request', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: { DAILY_TOKEN_QUOTA: '150' } });
    const chat = fx.tg.groupChat(-1001234500092, 'Quota 额度 📊');
    const zed = fx.tg.user(92, 'Zed 泽德', 'zh-CN');
    fx.api.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(LONG, { pieces: 40 }),
      delayMs: 30,
    });
    fx.tg.sendText(chat, zed, '/chat 讲个长故事 tell a long story 📖');
    const line = `\n\n⚠️ ${QUOTA_CUT.zh}`;
    const answer = await fx.tg.waitFor(
      () => fx.tg.chatLog(chat.id).find((m) => m.from_bot && m.text.endsWith(line)),
      10_000,
    );
    const kept = answer.text.slice(0, -line.length);
    expect(kept.length).toBeGreaterThan(0);
    expect(LONG.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(LONG.length);
    await vi.waitFor(() => expect(chatRequests(fx.api)[0]!.closedByClient).toBe(true), { timeout: 5000 });
    // The day is used up: the next question is refused before anything is asked upstream.
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0, 8000);
    fx.tg.sendText(chat, zed, '/chat 再来 again 🔁');
    await fx.tg.waitFor(
      () => fx.tg.chatLog(chat.id).find((m) => m.from_bot && m.text.startsWith('你今天的对话额度已用完')),
      8000,
    );
    expect(chatRequests(fx.api)).toHaveLength(1);
  });
});

describe('Console: the daily token quota', () => {
  it('cuts a streaming answer with a clear line and keeps what was shown', async () => {
    const api = await FakeApiCore.start();
    try {
      api.enqueue('POST /v1/chat/completions', {
        kind: 'sse',
        events: chatChunks(LONG, { pieces: 40 }),
        delayMs: 5,
      });
      const run = await runConsole(api, ['/chat tell me a long story 讲故事 📖'], {
        env: { DAILY_TOKEN_QUOTA: '120' },
      });
      const line = `\n\n⚠️ ${QUOTA_CUT.en}\n`;
      expect(run.output.endsWith(line)).toBe(true);
      const kept = run.output.slice(0, -line.length);
      expect(kept.length).toBeGreaterThan(0);
      expect(LONG.startsWith(kept)).toBe(true);
      expect(kept.length).toBeLessThan(LONG.length);
      await vi.waitFor(() => expect(chatRequests(api)[0]!.closedByClient).toBe(true));
    } finally {
      await api.close();
    }
  });
});
