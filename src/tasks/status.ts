import type { Logger } from 'pino';
import type { MessageRef, ReplyChannel } from '../core/platform.js';

/**
 * Keeps one status message showing the newest text without ever waiting on it: a new text
 * replaces one not yet sent, only one edit is in flight, and an unchanged text is never sent.
 */
export class StatusMessage {
  #shown: string;
  #wanted: string;
  #running: Promise<void> | undefined;

  constructor(
    private readonly channel: ReplyChannel,
    private readonly ref: MessageRef,
    shown: string,
    private readonly log: Logger,
    private readonly onShown: (text: string) => void,
  ) {
    this.#shown = shown;
    this.#wanted = shown;
  }

  /** Asks for `text` to be shown; returns at once. */
  set(text: string): void {
    this.#wanted = text;
    if (!this.#running) this.#running = this.#pump().finally(() => (this.#running = undefined));
  }

  /** Shows `text` and waits until it is shown (or failed). */
  async settle(text: string): Promise<void> {
    this.set(text);
    while (this.#running) await this.#running;
  }

  async #pump(): Promise<void> {
    while (this.#wanted !== this.#shown) {
      const text = this.#wanted;
      try {
        await this.channel.edit(this.ref, { text });
        this.#shown = text;
        this.onShown(text);
      } catch (error) {
        this.log.warn({ err: error }, 'status message could not be edited');
        this.#shown = text; // don't retry a message that is gone; the result is sent as a new message
      }
    }
  }
}
