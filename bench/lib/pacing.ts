/**
 * Arrival times at a fake jitter against the bot's grant times (the request leaves after the
 * grant, later when the event loop is busy): gaps short of the budget by up to 5 % are not counted.
 */
export const PACE_TOLERANCE = 0.05;

export interface Op {
  at: number;
  /** Operations on one message (or draft) that must keep the per-message interval. */
  key: string;
  /** The placeholder is paced by the chat's window only, by design: what follows it need not wait. */
  placeholder: boolean;
  /** The final text: the scheduler lets it skip the per-message interval (the chat window holds). */
  final?: boolean;
}

export interface Budget {
  count: number;
  perMs: number;
  minEditIntervalMs: number;
}

/**
 * What the pacing allows between the first text and the final one `ms` later: the placeholder,
 * the first text, one intermediate edit per interval, and the final text (which need not wait).
 */
export function opsAllowed(budget: Budget, ms: number): number {
  return 3 + Math.floor(ms / budget.minEditIntervalMs + PACE_TOLERANCE);
}

/** Checks each chat's operations against the chat window and each message's own interval. */
export function checkPacing(
  opsByChat: Map<number | string, Op[]>,
  budget: Budget,
): { violations: number; worstShortMs: number; examples: string[] } {
  let violations = 0;
  let worstShortMs = 0;
  const examples: string[] = [];
  let timeline = '';
  const check = (gap: number, limit: number, text: string) => {
    if (gap >= limit) return;
    worstShortMs = Math.max(worstShortMs, limit - gap);
    if (gap >= limit * (1 - PACE_TOLERANCE)) return;
    violations++;
    if (examples.length < 5) examples.push(`${text} ${gap.toFixed(0)} ms (${timeline})`);
  };
  for (const [chatId, ops] of opsByChat) {
    const keys = [...new Set(ops.map((o) => o.key))];
    timeline = ops
      .map(
        (o) =>
          `+${(o.at - ops[0]!.at).toFixed(0)} #${keys.indexOf(o.key)}${o.placeholder ? 'p' : ''}${o.final ? 'f' : ''}`,
      )
      .join(' ');
    ops.sort((x, y) => x.at - y.at);
    for (let i = budget.count; i < ops.length; i++) {
      const gap = ops[i]!.at - ops[i - budget.count]!.at;
      check(gap, budget.perMs, `chat ${chatId}: ${budget.count + 1} operations within`);
    }
    const lastByKey = new Map<string, Op>();
    for (const op of ops) {
      const last = lastByKey.get(op.key);
      if (last !== undefined && !last.placeholder && !op.final)
        check(
          op.at - last.at,
          budget.minEditIntervalMs,
          `chat ${chatId} message #${keys.indexOf(op.key)}: two operations`,
        );
      lastByKey.set(op.key, op);
    }
  }
  return { violations, worstShortMs, examples };
}

/**
 * The earliest time the declared budget allowed operation `index` of a chat (sorted by time),
 * given the operations before it: a free place in the chat's window, and (except for a final
 * text) one interval after the previous operation on the same message, unless that was the
 * placeholder.
 */
export function earliestSlot(ops: readonly Op[], index: number, budget: Budget): number {
  const op = ops[index]!;
  let at = Number.NEGATIVE_INFINITY;
  if (index >= budget.count) at = Math.max(at, ops[index - budget.count]!.at + budget.perMs);
  for (let i = index - 1; i >= 0 && !op.final; i--) {
    const prev = ops[i]!;
    if (prev.key !== op.key) continue;
    if (!prev.placeholder) at = Math.max(at, prev.at + budget.minEditIntervalMs);
    break;
  }
  return at;
}

/** The most operations any one-second window saw, across every chat. */
export function peakPerSecond(opsByChat: Map<number | string, Op[]>): number {
  const times = [...opsByChat.values()].flatMap((ops) => ops.map((o) => o.at)).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}
