/** Nearest-rank percentile (p in 0–100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** `1.234` → "1.2", keeping `digits` decimals; "–" for NaN. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export /** The most operations in any window of `windowMs`, over sorted times, and when that window began. */
function peakInWindow(times: number[], windowMs: number): { peak: number; at: number } {
  let peak = 0;
  let at = Number.NaN;
  let from = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[from]! >= windowMs) from++;
    if (i - from + 1 > peak) {
      peak = i - from + 1;
      at = times[from]!;
    }
  }
  return { peak, at };
}

/** A sleep that keeps the process alive. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
