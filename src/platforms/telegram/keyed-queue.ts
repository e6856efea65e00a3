/**
 * Runs tasks one after another per key and in parallel across keys: a member's messages are
 * answered in order (the second sees the first's conversation), while other members and chats
 * never wait for them.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task).catch(() => {});
    this.#tails.set(key, next);
    void next.then(() => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    });
    return next;
  }
}
