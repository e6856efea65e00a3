import type { MessageRef } from './platform.js';

/**
 * The message an edit named no longer exists: a user or a moderator deleted it (Discord 10008
 * "Unknown Message", Telegram 400 "message to edit not found"). `ReplyChannel.edit` rejects with
 * it, so the renderer can tell "the user threw the answer away" (stop it, send nothing more) from
 * "the edit failed" (carry the text in a new message). `cause` is the platform's own error.
 */
export class MessageGoneError extends Error {
  override readonly name = 'MessageGoneError';

  constructor(
    readonly ref: MessageRef,
    options: { cause?: unknown } = {},
  ) {
    super(`message ${ref.messageId} in ${ref.chatId} no longer exists`, options);
  }
}

export function isMessageGone(error: unknown): error is MessageGoneError {
  return error instanceof MessageGoneError;
}
