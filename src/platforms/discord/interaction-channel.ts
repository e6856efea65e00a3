import type { MessageRef, OutgoingMessage, ReplyChannel } from '../../core/platform.js';
import { DiscordRequestError } from './errors.js';
import { TOKEN_USABLE_MS } from './limits.js';
import { buildSend } from './payload.js';
import type { DiscordTransport, InteractionExtra } from './transport.js';

/** What an interaction channel needs to know about its (already deferred) interaction. */
export interface InteractionTarget {
  applicationId: string;
  token: string;
  channelId: string;
  /** When Discord created the interaction (ms); the token is used for 14 minutes from then. */
  createdAt: number;
  /**
   * Acknowledged as a deferred update (a quiet button press): nothing shows "thinking…", and the
   * original response is the message the button is on, so every message is a follow-up.
   */
  deferredUpdate?: boolean | undefined;
}

/**
 * Replies to a deferred interaction: the first message fills the deferred response, later ones
 * are follow-ups, and edits go through the interaction webhook. Refs carry the token and its
 * expiry, so a task can still edit them after a restart. Once the token is gone (15 minutes, or
 * Discord says so) replies continue as ordinary channel messages, so nothing is lost.
 */
export class InteractionChannel implements ReplyChannel {
  readonly #extra: InteractionExtra;
  #originalUsed: boolean;

  constructor(
    private readonly transport: DiscordTransport,
    private readonly target: InteractionTarget,
  ) {
    // After a deferred update the original is the button's message: never filled, never deleted.
    this.#originalUsed = target.deferredUpdate === true;
    this.#extra = {
      token: target.token,
      tokenExpiresAt: String(target.createdAt + TOKEN_USABLE_MS),
      applicationId: target.applicationId,
    };
  }

  /** True once a message filled the deferred response (from the start after a deferred update). */
  get originalUsed(): boolean {
    return this.#originalUsed;
  }

  /** The deferred response shows "thinking…" until the first message fills it (a deferred update shows none). */
  get showsPlaceholder(): boolean {
    return !this.#originalUsed;
  }

  async send(message: OutgoingMessage): Promise<MessageRef> {
    const channelId = this.target.channelId;
    let ref: MessageRef | undefined;
    for (const part of buildSend(message, this.transport.uploadLimit(channelId))) {
      ref = undefined;
      if (this.transport.tokenUsable(this.#extra)) {
        const fill = !this.#originalUsed;
        this.#originalUsed = true;
        try {
          const msg = await this.transport.webhook(fill ? 'PATCH' : 'POST', this.#extra, undefined, part);
          ref = { chatId: channelId, messageId: msg.id, extra: { ...this.#extra } };
        } catch (error) {
          if (fill) this.#originalUsed = false;
          if (!(error instanceof DiscordRequestError && error.tokenGone)) throw error;
        }
      }
      ref ??= await this.transport.postPart(channelId, part);
    }
    return ref!;
  }

  edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    return this.transport.edit(ref, message);
  }

  delete(ref: MessageRef): Promise<void> {
    return this.transport.delete(ref);
  }

  watchDeleted(ref: MessageRef, listener: () => void): () => void {
    return this.transport.watchDeleted(ref, listener);
  }

  async typing(): Promise<void> {
    // The deferred response already shows "thinking…".
  }

  /** Removes the deferred response when the command never filled it. */
  async finish(): Promise<void> {
    if (!this.#originalUsed) await this.transport.deleteOriginal(this.#extra);
  }
}
