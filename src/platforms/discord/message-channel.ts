import type { MessageRef, OutgoingMessage, ReplyChannel } from '../../core/platform.js';
import type { DiscordTransport } from './transport.js';

/**
 * Posts into one channel (a text channel, a thread or a DM): a message with `replyTo` is a
 * Discord reply to it. Edits reach the message where it lives (an interaction ref through its
 * webhook while the token lives), so tasks reopen chats with this channel after a restart.
 */
export class MessageChannel implements ReplyChannel {
  constructor(
    private readonly transport: DiscordTransport,
    readonly channelId: string,
  ) {}

  send(message: OutgoingMessage): Promise<MessageRef> {
    return this.transport.post(this.channelId, message);
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

  typing(): Promise<void> {
    return this.transport.typing(this.channelId);
  }
}
