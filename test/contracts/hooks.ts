import type { AdapterHooks, Completer, Invocation } from '../../src/core/platform.js';

/** How long the contract waits for something a platform is expected to do (a bound, not a speed limit). */
export const WAIT_MS = 8_000;

/**
 * The router's side of `adapter.start(hooks)`: records every invocation the adapter dispatches and,
 * when `respond` is set, answers it the way a command would (through the invocation's own channel).
 */
export class RecordingHooks implements AdapterHooks {
  readonly invocations: Invocation[] = [];
  /** Errors thrown by `respond`, so a test can see its answer failed. */
  readonly failures: unknown[] = [];
  respond: ((invocation: Invocation) => Promise<void>) | undefined;
  readonly #waiters = new Set<() => void>();

  readonly dispatch = async (invocation: Invocation): Promise<void> => {
    this.invocations.push(invocation);
    for (const wake of [...this.#waiters]) wake();
    try {
      await this.respond?.(invocation);
    } catch (error) {
      this.failures.push(error);
    }
  };

  readonly complete: Completer = async () => [];

  /** The first invocation (already recorded or still to come) that matches, within `timeoutMs`. */
  next(match: (invocation: Invocation) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Invocation> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.invocations.find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        const seen = this.invocations.map((i) => i.event.type).join(', ') || 'none';
        reject(new Error(`no ${what} within ${timeoutMs} ms (invocations so far: ${seen})`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(wake);
    });
  }
}

/** `promise`, or a rejection naming `what` once `timeoutMs` passed without it settling. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
