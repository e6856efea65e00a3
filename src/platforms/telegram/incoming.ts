import type { Message, UserFromGetMe } from 'grammy/types';
import type { ChatRef, IncomingFile, Invocation, UserRef } from '../../core/platform.js';
import { type FileSource, telegramFile } from './files.js';

/** What a Telegram message becomes for the core, before a reply channel is attached. */
export type Incoming = Omit<Invocation, 'channel'>;

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/;

export function chatRef(chat: Message['chat']): ChatRef {
  return { platform: 'telegram', id: String(chat.id), kind: chat.type === 'private' ? 'private' : 'group' };
}

export function userRef(from: NonNullable<Message['from']>): UserRef {
  const name =
    [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id);
  return { id: String(from.id), name, locale: from.language_code };
}

/** The files a message carries: the largest photo size, a document, a voice note, audio, video. */
export function filesOf(message: Message, source: FileSource): IncomingFile[] {
  const files: IncomingFile[] = [];
  const photo = message.photo?.at(-1);
  if (photo)
    files.push(telegramFile(source, photo, 'image', `photo-${message.message_id}.jpg`, 'image/jpeg'));
  const doc = message.document;
  if (doc) {
    const mime = doc.mime_type;
    const kind = mime?.startsWith('image/')
      ? 'image'
      : mime?.startsWith('audio/')
        ? 'audio'
        : mime?.startsWith('video/')
          ? 'video'
          : 'file';
    files.push(telegramFile(source, doc, kind, doc.file_name ?? `file-${message.message_id}`, mime));
  }
  if (message.voice)
    files.push(
      telegramFile(
        source,
        message.voice,
        'audio',
        `voice-${message.message_id}.ogg`,
        message.voice.mime_type ?? 'audio/ogg',
      ),
    );
  if (message.audio) {
    const a = message.audio;
    files.push(
      telegramFile(source, a, 'audio', a.file_name ?? `audio-${message.message_id}.mp3`, a.mime_type),
    );
  }
  if (message.video)
    files.push(
      telegramFile(
        source,
        message.video,
        'video',
        `video-${message.message_id}.mp4`,
        message.video.mime_type,
      ),
    );
  return files;
}

/**
 * A message → an event for the core, or undefined when the bot must stay quiet. In groups the bot
 * answers commands (also `/cmd@thisbot`), mentions and replies to itself, and nothing else.
 */
export function translateMessage(
  message: Message,
  me: UserFromGetMe,
  source: FileSource,
): Incoming | undefined {
  if (!message.from || message.from.is_bot) return undefined;
  const chat = chatRef(message.chat);
  const text = (message.text ?? message.caption ?? '').trim();
  const replied = message.reply_to_message;
  const replyTo = replied
    ? {
        messageId: String(replied.message_id),
        fromBot: replied.from?.id === me.id,
        text: replied.text ?? replied.caption,
      }
    : undefined;
  let files = filesOf(message, source);
  const base = { user: userRef(message.from), chat, messageId: String(message.message_id), replyTo };

  const command = COMMAND.exec(text);
  if (command) {
    const [, name, target, rest] = command;
    if (target && target.toLowerCase() !== me.username.toLowerCase()) return undefined; // meant for another bot
    // `/describe` sent as a reply to a photo takes that photo.
    if (files.length === 0 && replied) files = filesOf(replied, source);
    return {
      ...base,
      event: { type: 'command', name: name!.toLowerCase(), args: {}, text: rest ?? '', files },
    };
  }

  const mention = `@${me.username}`;
  const mentioned = text.toLowerCase().includes(mention.toLowerCase());
  if (chat.kind === 'group' && !mentioned && !replyTo?.fromBot) return undefined;
  const clean = mentioned ? text.replace(new RegExp(`@${me.username}\\b`, 'gi'), '').trim() : text;
  if (!clean && files.length === 0) return undefined;
  return { ...base, event: { type: 'message', text: clean, files } };
}
