import { answerFor, questionFor } from '../lib/answers.js';
import type { BackToBackResult, BackToBackScenario } from '../lib/protocol.js';
import type { Session } from './session.js';
import { now } from './upstream.js';

/**
 * Short answers back to back in one private chat: each question is sent once the previous answer's
 * final message has arrived, as a person reading along would. What it measures is the chat's
 * message budget per answer: with drafts paced apart and no separate placeholder message, an
 * answer spends one slot (its final message) of the 3 per 3 s a private chat allows.
 */
export async function runBackToBack(session: Session, s: BackToBackScenario): Promise<BackToBackResult> {
  const { tg, upstream } = session;
  upstream.stream = { ttftMs: s.ttftMs, tokenIntervalMs: s.tokenIntervalMs };
  const uid = 100_000 + s.firstId;
  const user = tg.user(uid, `User ${uid}`, 'en');
  const chat = tg.privateChat(uid, user);
  const errorsBefore = tg.errors.filter((e) => e.error_code === 429).length;
  const botMessages = () => tg.chatLog(chat.id).filter((m) => m.from_bot);
  const perAnswerMs: number[] = [];
  let exact = 0;
  const startedAt = now();
  for (let i = 0; i < s.answers; i++) {
    const id = s.firstId + i;
    const before = botMessages().length;
    const askedAt = now();
    tg.sendText(chat, user, questionFor(id));
    await tg.waitFor(
      () => upstream.answers.get(id)?.done === true && botMessages().length > before,
      s.timeoutMs,
    );
    perAnswerMs.push(now() - askedAt);
    if (
      botMessages()
        .slice(before)
        .map((m) => m.text)
        .join('') === answerFor(id)
    )
      exact++;
  }
  const endedAt = now();
  const calls = tg.calls.filter((c) => c.at >= startedAt && c.chatId === chat.id);
  const count = (method: string) => calls.filter((c) => c.method === method).length;
  return {
    answers: s.answers,
    totalMs: endedAt - startedAt,
    perAnswerMs,
    exact,
    messages: count('sendMessage') + count('editMessageText'),
    drafts: count('sendMessageDraft'),
    errors429: tg.errors.filter((e) => e.error_code === 429).length - errorsBefore,
  };
}
