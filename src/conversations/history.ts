import { randomUUID } from 'node:crypto';
import type { ChatRef, MessageRef, UserRef } from '../core/platform.js';
import type { KeyValue, Store } from '../core/store.js';

/** Conversations nobody touched for this long are forgotten. */
export const CONVERSATION_TTL_MS = 30 * 24 * 3600_000;
/** Images older than this many user turns are replaced by a marker to keep the store small. */
export const IMAGE_TURNS_KEPT = 2;

export interface Turn {
  role: 'user' | 'assistant';
  text: string;
  /** Data URLs of images sent with a user turn. */
  images?: string[] | undefined;
  /**
   * PDFs sent with a user turn to a model that reads them itself (Claude, Gemini), kept for as
   * many user turns as images are, then replaced by a marker in the text (inputs/files.ts).
   */
  documents?: TurnDocument[] | undefined;
  /** The name of the user who wrote it, in groups. */
  author?: string | undefined;
  /** An answer's id (on its Regenerate button), so asking again replaces exactly this turn. */
  id?: string | undefined;
}

/** A PDF as a model reads it natively. */
export interface TurnDocument {
  name: string;
  mime: 'application/pdf';
  /** The file, base64. */
  data: string;
  pages: number;
}

export interface Conversation {
  id: string;
  turns: Turn[];
}

/**
 * Conversations in the store: each chat (each member, in groups) has a current one; every answer
 * message is linked to its conversation, so replying to it continues that conversation.
 */
export class ConversationStore {
  readonly #conversations: KeyValue<Conversation>;
  readonly #current: KeyValue<string>;
  readonly #answers: KeyValue<string>;

  constructor(store: Store) {
    this.#conversations = store.namespace('conversations');
    this.#current = store.namespace('conversation-current');
    this.#answers = store.namespace('conversation-answers');
  }

  /**
   * Whose current conversation an event continues: the chat's in a private chat, each member's in
   * a group, and within a topic (a forum thread) the topic's own, so topics never share context.
   * Chats without topics keep the keys they always had.
   */
  static currentKey(chat: ChatRef, user: UserRef): string {
    const where =
      chat.threadId !== undefined
        ? `${chat.platform}:${chat.id}:topic:${chat.threadId}`
        : `${chat.platform}:${chat.id}`;
    return chat.kind === 'private' ? where : `${where}:${user.id}`;
  }

  static answerKey(chat: ChatRef, messageId: string): string {
    return `${chat.platform}:${chat.id}:${messageId}`;
  }

  /** The conversation an event belongs to: the answered message's, or the current one. */
  async resolve(chat: ChatRef, user: UserRef, replyToBotMessage: string | undefined): Promise<Conversation> {
    if (replyToBotMessage) {
      const id = await this.#answers.get(ConversationStore.answerKey(chat, replyToBotMessage));
      const conversation = id ? await this.#conversations.get(id) : undefined;
      if (conversation) return conversation;
    }
    const currentKey = ConversationStore.currentKey(chat, user);
    const id = await this.#current.get(currentKey);
    const conversation = id ? await this.#conversations.get(id) : undefined;
    if (conversation) return conversation;
    const fresh = { id: randomUUID(), turns: [] };
    await this.#current.set(currentKey, fresh.id, CONVERSATION_TTL_MS);
    return fresh;
  }

  /** A conversation by its id, while it is kept. */
  get(id: string): Promise<Conversation | undefined> {
    return this.#conversations.get(id);
  }

  /** Saves a conversation and links the answer's messages to it. */
  async save(conversation: Conversation, chat: ChatRef, answerRefs: readonly MessageRef[]): Promise<void> {
    const userTurns = conversation.turns.filter((t) => t.role === 'user').length;
    let seen = 0;
    for (const turn of conversation.turns) {
      if (turn.role !== 'user') continue;
      seen++;
      if (turn.images?.length && userTurns - seen >= IMAGE_TURNS_KEPT) {
        turn.text = `${turn.text}\n[${turn.images.length} image(s)]`.trim();
        turn.images = undefined;
      }
    }
    await this.#conversations.set(conversation.id, conversation, CONVERSATION_TTL_MS);
    await Promise.all(
      answerRefs.map((ref) =>
        this.#answers.set(
          ConversationStore.answerKey(chat, ref.messageId),
          conversation.id,
          CONVERSATION_TTL_MS,
        ),
      ),
    );
  }

  /** Starts over: the next message opens a new conversation (old answers can still be replied to). */
  async reset(chat: ChatRef, user: UserRef): Promise<void> {
    await this.#current.delete(ConversationStore.currentKey(chat, user));
  }
}
