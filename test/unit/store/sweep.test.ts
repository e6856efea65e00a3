import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../../src/core/store.js';
import { memoryStore, STORE_SWEEP_INTERVAL_MS, sweepPeriodically } from '../../../src/store/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('sweepPeriodically', () => {
  it('sweeps every interval, logs a failure and goes on, and stops when told', async () => {
    vi.useFakeTimers();
    const store = memoryStore();
    const sweep = vi
      .spyOn(store, 'sweep')
      .mockRejectedValueOnce(new Error('disk full'))
      .mockResolvedValueOnce(3)
      .mockResolvedValue(0);
    const log = { warn: vi.fn(), debug: vi.fn() };
    const stop = sweepPeriodically(store as Store, { log: log as unknown as Logger });

    await vi.advanceTimersByTimeAsync(STORE_SWEEP_INTERVAL_MS - 1);
    expect(sweep).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      'store sweep failed',
    );
    await vi.advanceTimersByTimeAsync(STORE_SWEEP_INTERVAL_MS);
    expect(log.debug).toHaveBeenCalledWith({ swept: 3 }, 'store sweep');
    await vi.advanceTimersByTimeAsync(STORE_SWEEP_INTERVAL_MS);
    expect(sweep).toHaveBeenCalledTimes(3);

    stop();
    await vi.advanceTimersByTimeAsync(3 * STORE_SWEEP_INTERVAL_MS);
    expect(sweep).toHaveBeenCalledTimes(3);
  });

  it('does not start a sweep while the last one still runs', async () => {
    vi.useFakeTimers();
    const store = memoryStore();
    let finish: (swept: number) => void = () => {};
    const sweep = vi.spyOn(store, 'sweep').mockImplementation(
      () =>
        new Promise<number>((resolve) => {
          finish = resolve;
        }),
    );
    const stop = sweepPeriodically(store, { intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(350);
    expect(sweep).toHaveBeenCalledTimes(1);
    finish(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(sweep).toHaveBeenCalledTimes(2);
    stop();
  });
});
