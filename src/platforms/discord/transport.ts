import { type APIMessage, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import { MessageGoneError } from '../../core/message-gone.js';
import type { MessageRef, OutgoingMessage } from '../../core/platform.js';
import { DiscordRequestError, toRequestError } from './errors.js';
import { BoundedMap } from './limits.js';
import { type BuiltMessage, buildEdit, buildSend } from './payload.js';

/** Per-message memory kept for this many messages. */
const REMEMBERED_MESSAGES = 10_000;
/** Discord's error code for a message that does not exist (deleted). */
const UNKNOWN_MESSAGE_CODE = 10008;

/** What a MessageRef carries when the message belongs to an interaction (all strings: refs are stored). */
export interface InteractionExtra {
  token: string;
  tokenExpiresAt: string;
  applicationId: string;
}

/** The interaction routing data of a ref, when it has a complete set. */
export function interactionExtra(ref: MessageRef): InteractionExtra | undefined {
  const e = ref.extra;
  if (!e?.token || !e.applicationId) return undefined;
  return { token: e.token, tokenExpiresAt: e.tokenExpiresAt ?? '0', applicationId: e.applicationId };
}

/**
 * Every REST call the adapter makes, through discord.js's REST manager (its queue keeps to
 * the rate-limit buckets and retries 429s; interaction webhook calls go on its second manager,
 * without the client-side global limit: see InteractionRoutingREST). Knows two ways to reach a message: the interaction
 * webhook while its token lives, the channel otherwise, and switches to the second when the
 * first is gone. Remembers what each message shows, so an unchanged edit is never sent.
 */
export class DiscordTransport {
  /** Refs whose interaction token died: later edits go to the channel message posted instead. */
  readonly #redirects = new BoundedMap<string, MessageRef>(REMEMBERED_MESSAGES);
  readonly #shown = new BoundedMap<string, string>(REMEMBERED_MESSAGES);
  readonly #deadTokens = new BoundedMap<string, true>(REMEMBERED_MESSAGES);
  /** Messages being re-posted in their channel right now. */
  readonly #moving = new Map<string, Promise<MessageRef>>();
  /** Who waits to hear that a message was deleted (a streaming answer), by message id. */
  readonly #deletionWatchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly rest: REST,
    private readonly log: Logger,
    /** The upload limit of a chat (from the last interaction seen there). */
    readonly uploadLimit: (channelId: string) => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while an interaction token may still be used for webhook calls. */
  tokenUsable(extra: InteractionExtra): boolean {
    return !this.#deadTokens.has(extra.token) && this.now() < Number(extra.tokenExpiresAt);
  }

  markTokenDead(token: string): void {
    this.#deadTokens.set(token, true);
  }

  /** Posts a message in a channel (several when the text is long); returns the last one's ref. */
  async post(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    let ref: MessageRef | undefined;
    for (const [i, part] of buildSend(message, this.uploadLimit(channelId)).entries()) {
      ref = await this.postPart(channelId, part, i === 0 ? message.replyTo : undefined);
    }
    return ref!;
  }

  /** Posts one prepared message in a channel, as a reply when `replyTo` is given. */
  async postPart(channelId: string, part: BuiltMessage, replyTo?: string): Promise<MessageRef> {
    const body = replyTo
      ? { ...part.body, message_reference: { message_id: replyTo, fail_if_not_exists: false } }
      : part.body;
    const msg = await this.#call<APIMessage>('POST', Routes.channelMessages(channelId), {
      body,
      files: part.files,
    });
    this.#shown.set(msg.id, part.signature);
    return { chatId: channelId, messageId: msg.id };
  }

  /** Edits the interaction's original response (`@original`) or one of its follow-ups, or posts a follow-up. */
  async webhook(
    method: 'PATCH' | 'POST',
    extra: InteractionExtra,
    messageId: string | undefined,
    part: BuiltMessage,
  ): Promise<APIMessage> {
    const route =
      method === 'PATCH'
        ? Routes.webhookMessage(extra.applicationId, extra.token, messageId ?? '@original')
        : Routes.webhook(extra.applicationId, extra.token);
    try {
      const msg = await this.#call<APIMessage>(method, route, {
        body: part.body,
        files: part.files,
        auth: false,
        ...(method === 'POST' ? { query: new URLSearchParams({ wait: 'true' }) } : {}),
      });
      this.#shown.set(msg.id, part.signature);
      return msg;
    } catch (error) {
      const e = toRequestError(method, route, error);
      if (e.tokenGone) this.markTokenDead(extra.token);
      throw e;
    }
  }

  /** Deletes the interaction's original response (a "thinking…" nobody filled). Best effort. */
  async deleteOriginal(extra: InteractionExtra): Promise<void> {
    if (!this.tokenUsable(extra)) return;
    const route = Routes.webhookMessage(extra.applicationId, extra.token, '@original');
    await this.#call('DELETE', route, { auth: false }).catch((error: unknown) =>
      this.log.debug({ err: toRequestError('DELETE', route, error) }, 'could not delete an empty response'),
    );
  }

  /**
   * Edits a message wherever it lives now: through the interaction webhook while the token
   * lives, else as a channel message; a message only reachable through a dead token is
   * replaced by a new channel message, and later edits go to that one.
   */
  async edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    try {
      await this.#edit(ref, message);
    } catch (error) {
      // 10008 Unknown Message: someone deleted it (the renderer then stops the answer).
      if (error instanceof DiscordRequestError && error.code === UNKNOWN_MESSAGE_CODE)
        throw new MessageGoneError(ref, { cause: error });
      throw error;
    }
  }

  /**
   * Calls `listener` once when the gateway reports the message deleted (MESSAGE_DELETE or
   * MESSAGE_DELETE_BULK, see messageDeleted); returns a function that stops listening.
   */
  watchDeleted(ref: MessageRef, listener: () => void): () => void {
    const ids = new Set([ref.messageId, this.#redirects.get(`${ref.chatId}:${ref.messageId}`)?.messageId]);
    const once = () => {
      stop();
      listener();
    };
    const stop = () => {
      for (const id of ids) {
        if (id === undefined) continue;
        const set = this.#deletionWatchers.get(id);
        set?.delete(once);
        if (set?.size === 0) this.#deletionWatchers.delete(id);
      }
    };
    for (const id of ids) {
      if (id === undefined) continue;
      const set = this.#deletionWatchers.get(id) ?? new Set();
      set.add(once);
      this.#deletionWatchers.set(id, set);
    }
    return stop;
  }

  /** The gateway says these messages were deleted: tell whoever watches them. */
  messageDeleted(messageIds: readonly string[]): void {
    for (const id of messageIds) {
      this.#shown.delete(id);
      for (const listener of [...(this.#deletionWatchers.get(id) ?? [])]) listener();
    }
  }

  async #edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    const key = `${ref.chatId}:${ref.messageId}`;
    const target = this.#redirects.get(key) ?? ref;
    const part = buildEdit(message, this.uploadLimit(target.chatId));
    if (part.files.length === 0 && this.#shown.get(target.messageId) === part.signature) return;
    const extra = interactionExtra(target);
    if (extra) {
      if (this.tokenUsable(extra)) {
        try {
          await this.webhook('PATCH', extra, target.messageId, part);
          return;
        } catch (error) {
          if (!toRequestError('PATCH', 'webhook', error).tokenGone) throw error;
        }
      }
      const moving = this.#moving.get(key);
      if (moving) {
        // Another edit is already moving this message: wait for it, then edit where it went.
        await moving.catch(() => undefined);
        if (this.#redirects.has(key)) return this.#edit(ref, message);
      }
      this.log.info({ chat: target.chatId }, 'interaction token expired; continuing in a channel message');
      const posting = this.post(target.chatId, message);
      this.#moving.set(key, posting);
      try {
        this.#redirects.set(key, await posting);
      } finally {
        this.#moving.delete(key);
      }
      return;
    }
    const route = Routes.channelMessage(target.chatId, target.messageId);
    await this.#call('PATCH', route, { body: part.body, files: part.files });
    this.#shown.set(target.messageId, part.signature);
  }

  /**
   * Deletes a message wherever it lives now: through the interaction webhook while the token lives
   * (the original response or a follow-up), else as a channel message (where an expired
   * interaction's message was re-posted, or the message itself). Rejects when Discord refuses.
   */
  async delete(ref: MessageRef): Promise<void> {
    const key = `${ref.chatId}:${ref.messageId}`;
    const target = this.#redirects.get(key) ?? ref;
    const extra = interactionExtra(target);
    if (extra && this.tokenUsable(extra)) {
      const route = Routes.webhookMessage(extra.applicationId, extra.token, target.messageId);
      try {
        await this.#call('DELETE', route, { auth: false });
        this.#shown.delete(target.messageId);
        return;
      } catch (error) {
        const e = toRequestError('DELETE', route, error);
        if (!e.tokenGone) throw e;
        this.markTokenDead(extra.token);
      }
    }
    await this.#call('DELETE', Routes.channelMessage(target.chatId, target.messageId), {});
    this.#shown.delete(target.messageId);
  }

  /** Shows "typing…" in a channel. Best effort. */
  async typing(channelId: string): Promise<void> {
    await this.#call('POST', Routes.channelTyping(channelId), {}).catch(() => undefined);
  }

  /** Starts a public thread on a message; returns the thread's id. */
  async startThread(channelId: string, messageId: string, name: string): Promise<string> {
    const thread = await this.#call<{ id: string }>('POST', Routes.threads(channelId, messageId), {
      body: { name, auto_archive_duration: 1440 },
    });
    return thread.id;
  }

  /** A message as Discord has it (to tell who wrote a replied-to message). */
  fetchMessage(channelId: string, messageId: string): Promise<APIMessage> {
    return this.#call<APIMessage>('GET', Routes.channelMessage(channelId, messageId), {});
  }

  async #call<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    route: `/${string}`,
    options: Parameters<REST['post']>[1],
  ): Promise<T> {
    try {
      switch (method) {
        case 'GET':
          return (await this.rest.get(route, options)) as T;
        case 'POST':
          return (await this.rest.post(route, options)) as T;
        case 'PATCH':
          return (await this.rest.patch(route, options)) as T;
        case 'DELETE':
          return (await this.rest.delete(route, options)) as T;
      }
    } catch (error) {
      throw toRequestError(method, route, error);
    }
  }
}
