import type { ChatMember, MessageEntity, User } from 'grammy/types';
import type { MethodContext } from './methods.js';
import { badRequest, type Params } from './params.js';
import type { ChatState, MemberStatus, StoredMessage } from './state.js';

/** Telegram's GroupAnonymousBot: the `from` of messages an anonymous group admin sends. */
export const GROUP_ANONYMOUS_BOT: User = {
  id: 1_087_968_824,
  is_bot: true,
  first_name: 'Group',
  username: 'GroupAnonymousBot',
};

/** Usernames Telegram recognises in text: 5–32 of a-z, 0-9 and `_`. */
const MENTION = /(^|[^\w@])(@[A-Za-z0-9_]{5,32})(?![\w@])/g;

/**
 * The entities Telegram gives a user's text: a `bot_command` for a leading `/command` (with its
 * `@bot` suffix) and a `mention` for each `@username` outside it. Offsets in UTF-16 units.
 */
export function userTextEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const command = /^\/\S+/.exec(text)?.[0];
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command.length });
  const from = command?.length ?? 0;
  for (const m of text.matchAll(MENTION)) {
    const offset = m.index + m[1]!.length;
    if (offset < from) continue;
    entities.push({ type: 'mention', offset, length: m[2]!.length });
  }
  return entities;
}

const isForum = (cs: ChatState): boolean => 'is_forum' in cs.chat && cs.chat.is_forum === true;

/**
 * The topic a send goes to. `message_thread_id` must name a topic of a forum supergroup: in any
 * other chat, or for an unknown topic (also 1, the "General" topic), Telegram answers 400
 * "message thread not found" (tdlib/telegram-bot-api issues 472 and 798; bots that copy a
 * non-forum reply's `message_thread_id` get it too). Without one, a reply lands in the replied
 * message's topic and anything else in "General".
 */
export function resolveThread(
  cs: ChatState,
  p: Params,
  replyTo: StoredMessage | undefined,
): number | undefined {
  const id = p.int('message_thread_id');
  if (id === undefined) {
    return replyTo?.message.is_topic_message ? replyTo.message.message_thread_id : undefined;
  }
  if (!isForum(cs) || !cs.topics.has(id)) throw badRequest('message thread not found', true);
  return id;
}

/** The Message fields of a message in topic `thread` (none for "General"). */
export function topicFields(thread: number | undefined): Record<string, unknown> {
  return thread === undefined ? {} : { message_thread_id: thread, is_topic_message: true };
}

/** The user `id` as the chat knows them: from a message they sent, else a stand-in. */
function knownUser(cs: ChatState, id: number): User {
  for (const sm of cs.messages.values()) if (sm.message.from?.id === id) return sm.message.from;
  return { id, is_bot: false, first_name: `User ${id}` };
}

function memberOf(status: MemberStatus, user: User): ChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator':
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_manage_topics: true,
      } as ChatMember;
    case 'restricted':
      return {
        status,
        user,
        is_member: true,
        can_send_messages: false,
        until_date: 0,
      } as ChatMember;
    case 'kicked':
      return { status, user, until_date: 0 };
    default:
      return { status, user } as ChatMember;
  }
}

/**
 * getChatMember: the status the test set with `setMemberStatus`, else `member` for someone who
 * wrote in the chat (or the other side of a private chat) and `left` for anyone else. A user id
 * that is not a user (a chat's negative id) is refused.
 */
export function getChatMember({ core, p }: MethodContext): ChatMember {
  const cs = core.resolveChat(p.json('chat_id'));
  const userId = p.requireInt('user_id', 'user_id is required');
  if (userId <= 0) throw badRequest('PARTICIPANT_ID_INVALID', true);
  const user = userId === core.botInfo.id ? core.botUser : knownUser(cs, userId);
  if (cs.chat.type === 'private') {
    if (userId !== cs.chat.id && userId !== core.botInfo.id) throw badRequest('user not found');
    return memberOf('member', user);
  }
  const set = cs.members.get(userId);
  if (set) return memberOf(set, user);
  const wrote = [...cs.messages.values()].some((sm) => sm.message.from?.id === userId);
  return memberOf(wrote ? 'member' : 'left', user);
}
