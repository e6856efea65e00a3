/**
 * Per-request cancellation without `AbortSignal.any`. On Node 20, `AbortSignal.any([longLived,
 * perRequest])` registers the combined signal as a dependant of `longLived` and never lets go
 * (500k calls → 500k dependants). A linked controller instead subscribes one listener to each
 * parent and removes it when the request ends, so a long-lived parent keeps nothing.
 */

/** Timers as the controller uses them; injectable so tests can run a scaled or manual clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LinkedController {
  /** Aborted when any parent aborts (with that parent's reason), on the deadline, or by `abort()`. */
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Unsubscribes from every parent and clears the deadline. Idempotent; call it when the request ends. */
  dispose(): void;
}

export interface LinkedOptions {
  /** Aborts with a `TimeoutError` DOMException after this many milliseconds. */
  timeoutMs?: number | undefined;
  timers?: Timers | undefined;
}

/** The reason a deadline aborts with: the same shape `AbortSignal.timeout()` uses. */
export function timeoutReason(ms: number): DOMException {
  return new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError');
}

/**
 * A controller that follows `parents` (undefined entries are skipped) for as long as it is not
 * disposed. Always `dispose()` it in a `finally`: that is what keeps long-lived parents clean.
 */
export function linkedController(
  parents: readonly (AbortSignal | undefined)[],
  options: LinkedOptions = {},
): LinkedController {
  const controller = new AbortController();
  const timers = options.timers ?? systemTimers;
  const subscribed: AbortSignal[] = [];
  let timer: unknown;
  let disposed = false;

  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    for (const parent of subscribed) parent.removeEventListener('abort', onParentAbort);
    subscribed.length = 0;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  const abort = (reason?: unknown): void => {
    if (!controller.signal.aborted) controller.abort(reason);
    // Nothing more can happen once aborted: let go of the parents straight away.
    dispose();
  };
  function onParentAbort(this: AbortSignal): void {
    abort(this.reason);
  }

  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
    subscribed.push(parent);
  }
  if (!controller.signal.aborted && options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
    const ms = options.timeoutMs;
    timer = timers.setTimeout(() => {
      timer = undefined;
      abort(timeoutReason(ms));
    }, ms);
  }
  return { signal: controller.signal, abort, dispose };
}
