import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedController, timeoutReason } from '../../../src/core/abort.js';
import { chatChunks } from '../../fakes/apicore.js';
import { botError, collect, ManualClock, textOf, useFake } from './helpers.js';

const h = useFake();

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('linkedController', () => {
  it('follows its parent, with the parent’s reason, then lets go of it', () => {
    const parent = new AbortController();
    const link = linkedController([parent.signal]);
    expect(listeners(parent.signal)).toBe(1);
    parent.abort(new Error('shutdown 关闭 🛑'));
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe('shutdown 关闭 🛑');
    expect(listeners(parent.signal)).toBe(0);
  });

  it('starts aborted when a parent already is, and subscribes to nothing', () => {
    const other = new AbortController();
    const link = linkedController([AbortSignal.abort('gone'), other.signal]);
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('gone');
    expect(listeners(other.signal)).toBe(0);
  });

  it('skips undefined parents and follows several', () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkedController([undefined, a.signal, b.signal]);
    expect([listeners(a.signal), listeners(b.signal)]).toEqual([1, 1]);
    b.abort('b');
    expect(link.signal.reason).toBe('b');
    expect([listeners(a.signal), listeners(b.signal)]).toEqual([0, 0]);
  });

  it('a deadline aborts with a TimeoutError and is cleared on dispose', () => {
    const clock = new ManualClock();
    const link = linkedController([], { timeoutMs: 5_000, timers: clock });
    clock.advance(4_999);
    expect(link.signal.aborted).toBe(false);
    clock.advance(1);
    expect((link.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(timeoutReason(1).name).toBe('TimeoutError');

    const kept = linkedController([], { timeoutMs: 5_000, timers: clock });
    expect(clock.pending).toBe(1);
    kept.dispose();
    kept.dispose(); // idempotent
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(kept.signal.aborted).toBe(false);
  });

  it('100k requests under one long-lived signal leave no listener on it (the AbortSignal.any leak)', () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 100_000; i++) {
      const perRequest = new AbortController();
      const link = linkedController([shutdown.signal, perRequest.signal], { timeoutMs: 60_000 });
      if (i % 1000 === 0) perRequest.abort();
      link.dispose();
      // While it was live it was subscribed; after dispose, nothing is left behind.
      if (i === 99_999) expect(listeners(perRequest.signal)).toBe(0);
    }
    expect(listeners(shutdown.signal)).toBe(0);
    // And the parent still works for whoever subscribes next.
    const last = linkedController([shutdown.signal]);
    shutdown.abort('stop');
    expect(last.signal.reason).toBe('stop');
  });
});

describe('the client links each call to the caller’s signal and unsubscribes at its end', () => {
  it('after JSON calls, streams, errors and downloads, the long-lived signal has no listeners', async () => {
    const shutdown = new AbortController();
    const signal = shutdown.signal;
    for (let i = 0; i < 50; i++) {
      await h.client.listModels({ signal });
      await h.client.chat(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `第${i}次 🔁` }] },
        { signal },
      );
      const events = await collect(
        h.client.chatStream(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi 你好' }] },
          { signal },
        ),
      );
      expect(textOf(events)).toBe('Echo: hi 你好');
      await h.client.download(`${h.fake.url}/redirect/1/x.png`, { signal });
      await botError(
        h.client.chat({ model: 'fault-overloaded', messages: [{ role: 'user', content: 'x' }] }, { signal }),
      );
    }
    expect(listeners(signal)).toBe(0);
  });

  it('a stream the caller stops early unsubscribes too', async () => {
    const shutdown = new AbortController();
    h.fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('one 一 two 二 three 三 🎉', { pieces: 6 }),
      delayMs: 20,
    });
    for await (const event of h.client.chatStream(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { signal: shutdown.signal },
    )) {
      if (event.type === 'text') break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listeners(shutdown.signal)).toBe(0);
  });
});
