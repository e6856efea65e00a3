import type { MessageEntity } from 'grammy/types';
import type { ChatRef, MediaKind } from '../../src/core/platform.js';
import { createLogger } from '../../src/log.js';
import { TelegramPlatform } from '../../src/platforms/telegram/telegram-platform.js';
import { FakeTelegram, type LoggedMessage, type MessageKind } from '../fakes/telegram.js';
import type { Backend, Harness, Seen } from './harness.js';
import { RecordingHooks, WAIT_MS } from './hooks.js';

/** How each entity Telegram shows is written in markdown (the form the bot sent it in). */
function markers(e: MessageEntity): [string, string] | undefined {
  switch (e.type) {
    case 'bold':
      return ['**', '**'];
    case 'italic':
      return ['*', '*'];
    case 'strikethrough':
      return ['~~', '~~'];
    case 'code':
      return ['`', '`'];
    case 'pre':
      return [`\`\`\`${e.language ?? ''}\n`, '\n```'];
    case 'text_link':
      return ['[', `](${e.url})`];
    default:
      return undefined;
  }
}

/**
 * The visible text of a Telegram message with its formatting entities written back as markdown:
 * what the user sees, in the form the contract's expected texts are written in. Offsets are UTF-16
 * code units, as the Bot API gives them; entities nest.
 */
export function markdownOf(text: string, entities: readonly MessageEntity[] = []): string {
  const opens = new Map<number, string[]>();
  const closes = new Map<number, string[]>();
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const e of sorted) {
    const m = markers(e) ?? [`<${e.type}>`, `</${e.type}>`];
    opens.set(e.offset, [...(opens.get(e.offset) ?? []), m[0]]);
    // The entity opened last closes first.
    closes.set(e.offset + e.length, [m[1], ...(closes.get(e.offset + e.length) ?? [])]);
  }
  let out = '';
  for (let i = 0; i <= text.length; i++) {
    out += (closes.get(i) ?? []).join('') + (opens.get(i) ?? []).join('');
    if (i < text.length) out += text[i];
  }
  return out;
}

const KINDS: Record<MessageKind, MediaKind | undefined> = {
  text: undefined,
  photo: 'image',
  audio: 'audio',
  voice: 'audio',
  video: 'video',
  document: 'file',
};

function toSeen(m: LoggedMessage): Seen {
  const kind = KINDS[m.kind];
  return {
    text: markdownOf(m.text, m.entities),
    length: [...m.text].length,
    buttons: (m.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => b.text)),
    files: kind ? [{ kind, size: m.file?.bytes?.length, name: m.file?.filename }] : [],
    replyTo: m.reply_to_message_id === undefined ? undefined : String(m.reply_to_message_id),
  };
}

/**
 * The real grammY bot (TelegramPlatform) against the loopback fake Bot API, long polling, in a
 * private chat or a supergroup.
 */
function telegramBackend(kind: 'private' | 'group'): Backend {
  return {
    name: `telegram (${kind})`,
    cannot: {},
    knownBugs: [],
    async start(): Promise<Harness> {
      const tg = await FakeTelegram.start({ botUsername: 'contract_bot' });
      const logs: string[] = [];
      const log = createLogger({
        level: 'warn',
        secrets: [tg.token],
        destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
      });
      const make = () =>
        new TelegramPlatform({
          token: tg.token,
          apiRoot: tg.apiRoot,
          commands: [],
          log,
          botInfo: tg.botInfo,
          retry: { maxRetryAttempts: 1, maxDelaySeconds: 1 },
          pollTimeoutSeconds: 1,
        });
      let adapter = make();
      const user = tg.user(501, 'Ada', 'en');
      const tgChat = kind === 'private' ? tg.privateChat(501, user) : tg.groupChat(-100_501, 'Contract 合约');
      const chat: ChatRef = { platform: 'telegram', id: String(tgChat.id), kind };
      const hooks = new RecordingHooks();
      /** Starts the adapter and waits until it polls for updates. */
      const start = async () => {
        const polls = tg.callsTo('getUpdates').length;
        await adapter.start(hooks);
        await tg.waitFor(() => tg.callsTo('getUpdates').length > polls, WAIT_MS);
      };
      await start();
      const botMessages = () => tg.chatLog(tgChat.id);
      const presses: string[] = [];
      return {
        get adapter() {
          return adapter;
        },
        chat,
        hooks,
        channel: () => adapter.channel(chat),
        view(ref) {
          const m = tg.message(Number(ref.chatId), Number(ref.messageId));
          return m?.from_bot ? toSeen(m) : undefined;
        },
        mark() {
          const last = Math.max(0, ...tg.chatLog(tgChat.id, { includeUser: true }).map((m) => m.message_id));
          return () =>
            botMessages()
              .filter((m) => m.message_id > last)
              .map(toSeen);
        },
        screen: () =>
          botMessages()
            .map((m) => m.text)
            .join('\n\n'),
        waitFor: (check) => tg.waitFor(() => check(), WAIT_MS) as never,
        async press(ref, label) {
          const m = tg.message(Number(ref.chatId), Number(ref.messageId));
          const button = m?.reply_markup?.inline_keyboard.flat().find((b) => b.text === label);
          if (!button || !('callback_data' in button))
            throw new Error(`no button "${label}" under the message`);
          presses.push(tg.pressButton(tgChat, user, Number(ref.messageId), button.callback_data));
        },
        busy: () => presses.some((id) => !tg.callbackAnswers.some((a) => a.callback_query_id === id)),
        typings: () => tg.actions(tgChat.id).filter((a) => a === 'typing').length,
        async userMessage(text) {
          return String(tg.sendText(tgChat, user, text).message_id);
        },
        missingMessageId: '999999',
        problems: () => [...tg.unexpected, ...logs.filter((l) => /can't parse|refused the HTML/.test(l))],
        async restart() {
          await adapter.stop();
          adapter = make();
          await start();
        },
        async stop() {
          await adapter.stop();
          await tg.close();
        },
      };
    },
  };
}

export const telegramPrivate = telegramBackend('private');
export const telegramGroup = telegramBackend('group');
