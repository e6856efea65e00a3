import type { Message, MessageEntity, UserFromGetMe } from 'grammy/types';
import type { ChatRef, IncomingFile, Invocation, UserRef } from '../../core/platform.js';
import { type FileSource, telegramFile } from './files.js';

/** What a Telegram message becomes for the core, before a reply channel is attached. */
export type Incoming = Omit<Invocation, 'channel'>;

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/;

/**
 * The chat, and the forum topic a message is in. Only a topic message (`is_topic_message`) names
 * a topic: in a supergroup without topics a reply also carries `message_thread_id` (the root of its
 * reply thread), and sending into that id would be refused ("message thread not found").
 */
export function chatRef(chat: Message['chat'], message?: TopicFields): ChatRef {
  const thread = message?.is_topic_message ? message.message_thread_id : undefined;
  return {
    platform: 'telegram',
    id: String(chat.id),
    kind: chat.type === 'private' ? 'private' : 'group',
    ...(thread !== undefined ? { threadId: String(thread) } : {}),
  };
}

/** The fields of a message that say which topic it is in. */
export interface TopicFields {
  is_topic_message?: boolean | undefined;
  message_thread_id?: number | undefined;
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

/** The parts of an album the adapter saw (by chat and `media_group_id`), or undefined. */
export type AlbumLookup = (chatId: number, mediaGroupId: string) => readonly Message[] | undefined;

/**
 * The files of the message a command replies to. Telegram names one message of an album as the
 * reply target, so for a part of an album the adapter saw, every part's files come along (a reply
 * to an album is a reply to all of it: `/blend`, `/draw`); otherwise that message's own.
 */
function repliedFiles(
  replied: Message,
  chatId: number,
  source: FileSource,
  albums: AlbumLookup | undefined,
): IncomingFile[] {
  const group = replied.media_group_id;
  const parts = group ? albums?.(chatId, group) : undefined;
  if (!parts?.length) return filesOf(replied, source);
  return [...parts].sort((a, b) => a.message_id - b.message_id).flatMap((m) => filesOf(m, source));
}

/**
 * Who a message is from. An anonymous group admin writes as the group itself (`sender_chat` is
 * the chat; `from` is Telegram's GroupAnonymousBot) and is served, as an admin; a member posting
 * as one of their channels is served as that channel. Channel posts forwarded into a discussion
 * group automatically, and other bots, are not.
 */
export function senderOf(message: Message): { user: UserRef; anonymousAdmin: boolean } | undefined {
  const sender = message.sender_chat;
  if (sender) {
    if (message.is_automatic_forward) return undefined;
    const name = ('title' in sender ? sender.title : undefined) ?? sender.username ?? String(sender.id);
    return { user: { id: String(sender.id), name }, anonymousAdmin: sender.id === message.chat.id };
  }
  if (!message.from || message.from.is_bot) return undefined;
  return { user: userRef(message.from), anonymousAdmin: false };
}

/**
 * The parts of `text` that mention this bot: a `mention` entity naming exactly `@username` (so
 * `@thisbot2` is someone else), or a `text_mention` of the bot's user. Offsets are UTF-16, as in JS.
 */
function botMentions(
  text: string,
  entities: readonly MessageEntity[] | undefined,
  me: UserFromGetMe,
): MessageEntity[] {
  const handle = `@${me.username}`.toLowerCase();
  return (entities ?? []).filter(
    (e) =>
      (e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle) ||
      (e.type === 'text_mention' && e.user.id === me.id),
  );
}

/** `text` without the given entities' spans. */
function without(text: string, spans: readonly MessageEntity[]): string {
  let out = text;
  for (const e of [...spans].sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, e.offset) + out.slice(e.offset + e.length);
  }
  return out.replace(/[ \t]{2,}/g, ' ');
}

/**
 * A message → an event for the core, or undefined when the bot must stay quiet. In groups the bot
 * answers commands (also `/cmd@thisbot`), mentions of itself and replies to itself, and nothing
 * else; a forum topic's messages carry their topic.
 */
export function translateMessage(
  message: Message,
  me: UserFromGetMe,
  source: FileSource,
  albums?: AlbumLookup,
): Incoming | undefined {
  const sender = senderOf(message);
  if (!sender) return undefined;
  const chat = chatRef(message.chat, message);
  const raw = message.text ?? message.caption ?? '';
  const text = raw.trim();
  const replied = message.reply_to_message;
  // In a forum, a message that is not a reply still points at its topic's opening service message.
  const realReply = replied && !replied.forum_topic_created ? replied : undefined;
  const replyTo = realReply
    ? {
        messageId: String(realReply.message_id),
        fromBot: realReply.from?.id === me.id,
        text: realReply.text ?? realReply.caption,
      }
    : undefined;
  let files = filesOf(message, source);
  const base = {
    user: sender.user,
    chat,
    messageId: String(message.message_id),
    replyTo,
    ...(sender.anonymousAdmin ? { senderIsChatAdmin: async () => true } : {}),
  };

  const command = COMMAND.exec(text);
  if (command) {
    const [, name, target, rest] = command;
    if (target && target.toLowerCase() !== me.username.toLowerCase()) return undefined; // meant for another bot
    // `/describe` sent as a reply to a photo takes that photo (a reply to an album, the album's).
    if (files.length === 0 && realReply) files = repliedFiles(realReply, message.chat.id, source, albums);
    return {
      ...base,
      event: {
        type: 'command',
        name: name!.toLowerCase(),
        args: {},
        text: rest ?? '',
        files,
        addressed: target !== undefined,
      },
    };
  }

  const mentions = botMentions(raw, message.entities ?? message.caption_entities, me);
  if (chat.kind === 'group' && mentions.length === 0 && !replyTo?.fromBot) return undefined;
  const clean = mentions.length > 0 ? without(raw, mentions).trim() : text;
  if (!clean && files.length === 0) return undefined;
  return { ...base, event: { type: 'message', text: clean, files } };
}

/**
 * An album (the messages of one `media_group_id`, which arrive as separate updates) → one event:
 * the part with the caption speaks for the album (in groups it must address the bot), and every
 * part's files come along, so the album is described or answered once.
 */
export function translateAlbum(
  parts: readonly Message[],
  me: UserFromGetMe,
  source: FileSource,
  albums?: AlbumLookup,
): Incoming | undefined {
  const sorted = [...parts].sort((a, b) => a.message_id - b.message_id);
  const first = sorted[0];
  if (!first) return undefined;
  const lead = sorted.find((m) => (m.caption ?? m.text ?? '').trim() !== '') ?? first;
  const incoming = translateMessage(lead, me, source, albums);
  if (!incoming) return undefined;
  const files = sorted.flatMap((m) => filesOf(m, source));
  const e = incoming.event;
  if (e.type === 'message') {
    return { ...incoming, event: { ...e, files, album: first.media_group_id } };
  }
  if (e.type === 'command') return { ...incoming, event: { ...e, files } };
  return incoming;
}
