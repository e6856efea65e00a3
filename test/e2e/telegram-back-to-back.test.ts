import { describe, expect, it } from 'vitest';
import { chatChunks } from '../fakes/apicore.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

const fx = useTelegramFakes();

const ANSWERS = Array.from({ length: 6 }, (_, i) => `Answer ${i}: 简短的回答 short and quick ✅ 🚀`);

describe('Telegram: short answers back to back in one private chat', () => {
  it('each answer spends one message of the chat budget; drafts spend none; exact answers, no 429', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const eve = fx.tg.user(77, 'Eve', 'en');
    const chat = fx.tg.privateChat(77, eve);
    fx.api.enqueue(
      'POST /v1/chat/completions',
      ...ANSWERS.map((a) => ({ kind: 'sse' as const, events: chatChunks(a, { pieces: 4 }), delayMs: 20 })),
    );
    const botTexts = () =>
      fx.tg
        .chatLog(chat.id)
        .filter((m) => m.from_bot)
        .map((m) => m.text);
    for (const [i, answer] of ANSWERS.entries()) {
      fx.tg.sendText(chat, eve, `question ${i} 问题`);
      // The next question is sent when the answer is there, as someone reading along would.
      await fx.tg.waitFor(() => botTexts().includes(answer), 15_000);
    }
    expect(botTexts()).toEqual(ANSWERS);
    const calls = fx.tg.calls.filter((c) => c.chatId === chat.id);
    // One sendMessage per answer (its final text): no placeholder message, no edits.
    expect(calls.filter((c) => c.method === 'sendMessage')).toHaveLength(ANSWERS.length);
    expect(calls.filter((c) => c.method === 'editMessageText')).toHaveLength(0);
    // Each answer opened with a "Thinking…" draft before its lookups and streamed under that id.
    const drafts = fx.tg.draftRecords(chat.id);
    expect(new Set(drafts.map((d) => d.draft_id)).size).toBe(ANSWERS.length);
    expect(drafts.filter((d) => d.text === '')).toHaveLength(ANSWERS.length);
    // The messages keep the private budget (3 per 3 s) with drafts left out of it.
    const sends = calls.filter((c) => c.method === 'sendMessage').map((c) => c.at);
    for (let i = 3; i < sends.length; i++)
      expect(sends[i]! - sends[i - 3]!).toBeGreaterThanOrEqual(3000 * 0.95);
    expect(fx.tg.errors.filter((e) => e.error_code === 429)).toEqual([]);
    expect(fx.tg.expiredDrafts(chat.id)).toEqual([]);
  });
});
