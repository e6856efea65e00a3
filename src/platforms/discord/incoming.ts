import {
  ApplicationCommandOptionType,
  type Attachment,
  type BaseInteraction,
  type Client,
  type CommandInteractionOption,
  type Message,
} from 'discord.js';
import type { Dispatcher } from 'undici';
import type { ChatRef, IncomingFile, MediaKind, RawArg, UserRef } from '../../core/platform.js';
import { downloadAttachment } from './download.js';

export const PLATFORM = 'discord';

const KIND_BY_EXTENSION: Record<string, MediaKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  mp3: 'audio',
  m4a: 'audio',
  ogg: 'audio',
  oga: 'audio',
  wav: 'audio',
  flac: 'audio',
  mp4: 'video',
  mov: 'video',
  webm: 'video',
};

/** The kind of an attachment, from its content type, else its file name. */
export function kindOf(contentType: string | null | undefined, name: string): MediaKind {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type) return 'file';
  return KIND_BY_EXTENSION[name.toLowerCase().split('.').pop() ?? ''] ?? 'file';
}

/** A Discord attachment as a file the core fetches only when a command needs its bytes. */
export function incomingFile(
  a: Pick<Attachment, 'url' | 'name' | 'contentType' | 'size'>,
  dispatcher: Dispatcher,
): IncomingFile {
  const mime = a.contentType?.split(';')[0]?.trim() || undefined;
  return {
    kind: kindOf(a.contentType, a.name),
    name: a.name,
    mime,
    size: a.size,
    fetch: (maxBytes) => downloadAttachment(dispatcher, a.url, a.name, a.size, maxBytes),
    publicUrl: a.url,
  };
}

/**
 * Slash command options → raw arguments by the core's option names (Discord's are lowercase;
 * `names` maps them back). Attachments become IncomingFiles; subcommands are flattened.
 */
export function optionArgs(
  options: readonly CommandInteractionOption[],
  names: ReadonlyMap<string, string> | undefined,
  dispatcher: Dispatcher,
): Record<string, RawArg> {
  const args: Record<string, RawArg> = {};
  for (const o of options) {
    if (o.options?.length) Object.assign(args, optionArgs(o.options, names, dispatcher));
    const name = names?.get(o.name) ?? o.name;
    if (o.type === ApplicationCommandOptionType.Attachment && o.attachment) {
      args[name] = incomingFile(o.attachment, dispatcher);
    } else if (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean') {
      args[name] = o.value;
    }
  }
  return args;
}

/** Who sent an interaction, with their Discord client's locale. */
export function interactionUser(i: BaseInteraction): UserRef {
  return { id: i.user.id, name: i.user.displayName, locale: i.locale };
}

/**
 * A chat with what it lives in, for allow lists: a thread's parent channel and the guild. `parentId`
 * is given when known (a thread the bot just started); else read from discord.js's channel cache.
 */
export function discordChat(
  client: Client,
  channelId: string,
  guildId: string | null,
  parentId?: string | undefined,
): ChatRef {
  if (!guildId) return { platform: PLATFORM, id: channelId, kind: 'private' };
  const cached = client.channels.cache.get(channelId);
  const parent = parentId ?? (cached?.isThread() ? (cached.parentId ?? undefined) : undefined);
  return {
    platform: PLATFORM,
    id: channelId,
    kind: 'group',
    guildId,
    ...(parent ? { parentId: parent } : {}),
  };
}

/** Where an interaction happened: a guild channel is a group, a DM with the bot is private. */
export function interactionChat(i: BaseInteraction, channelId: string): ChatRef {
  return discordChat(i.client, channelId, i.guildId);
}

export function messageChat(message: Message, channelId = message.channelId): ChatRef {
  // A thread started from this message lives in the message's channel.
  const parentId = channelId === message.channelId ? undefined : message.channelId;
  return discordChat(message.client, channelId, message.guildId, parentId);
}

/** A message's text without the mentions of the bot (and of its managed role, when given). */
export function stripMention(content: string, botId: string, botRoleId?: string | undefined): string {
  const role = botRoleId ? `|<@&${botRoleId}>` : '';
  return content
    .replace(new RegExp(`<@!?${botId}>${role}`, 'g'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** A thread name from the message that starts it (1–100 characters). */
export function threadName(text: string, fallback: string): string {
  const source = text.split('\n')[0]?.trim() || fallback;
  const cps = [...source];
  return cps.length > 90 ? `${cps.slice(0, 90).join('')}…` : source || 'chat';
}
