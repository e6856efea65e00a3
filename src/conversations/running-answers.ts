/** An answer streaming in this process. */
export interface RunningAnswer {
  controller: AbortController;
  /** Who asked: only they (or an admin) may stop it. */
  userId: string;
}

/**
 * The answers streaming in this process, by their Stop button's id and by their draft id. A stop
 * that reaches another process (or comes after the end) finds nothing and is told so.
 */
export class RunningAnswers {
  readonly #byKey = new Map<string, RunningAnswer>();

  /** Registers `answer` under `keys`; the returned function forgets it. */
  add(keys: string[], answer: RunningAnswer): () => void {
    for (const key of keys) this.#byKey.set(key, answer);
    return () => {
      for (const key of keys) if (this.#byKey.get(key) === answer) this.#byKey.delete(key);
    };
  }

  get(key: string): RunningAnswer | undefined {
    return this.#byKey.get(key);
  }
}
