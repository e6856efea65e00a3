/**
 * Argument checks shared by every backend, so a bad TTL or count fails the same way everywhere
 * instead of, say, Redis deleting the key on `PEXPIRE 0` while SQLite keeps it.
 */

/** A TTL as whole milliseconds (Redis PX and PEXPIRE take integers), rounded up; refuses one that could never hold. */
export function wholeTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** Counters hold integers (Redis INCRBY refuses anything else); refuses fractions, NaN and unsafe integers. */
export function wholeStep(by: number): number {
  if (!Number.isSafeInteger(by)) throw new RangeError(`counters add whole numbers, got ${by}`);
  return by;
}

/** The key of one counter, set or claim: `<name>::<key>`, the scheme keyv namespaces use. */
export const scopedKey = (name: string, key: string): string => `${name}::${key}`;
