import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamEvents } from '../../../src/apicore/sse.js';
import type { SseEventReader } from '../../../src/apicore/sse-reader.js';
import type { StreamEvent } from '../../../src/core/apicore.js';
import { chatChunks } from '../../fakes/apicore.js';
import { sseBytes } from './helpers.js';

const ENDPOINT = 'POST /v1/chat/completions';

function reader(body: PassThrough, fail: (e: unknown) => unknown = (e) => e): SseEventReader {
  return streamEvents('chat', ENDPOINT, body, fail);
}

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe('SseEventReader', () => {
  it('delivers every event that came before a cut, then the mapped failure', async () => {
    const body = new PassThrough();
    const events: StreamEvent[] = [];
    const r = reader(body, (e) => new Error(`mapped: ${(e as Error).message}`));
    body.write(sseBytes(chatChunks('前半 half 🌗', { pieces: 3 }), false));
    setImmediate(() => body.destroy(new Error('socket hang up')));
    await expect(
      (async () => {
        for await (const e of r) events.push(e);
      })(),
    ).rejects.toThrow('mapped: socket hang up');
    expect(textOf(events)).toBe('前半 half 🌗');
  });

  it('a stream that ends before [DONE] is an error, never a short answer', async () => {
    const body = new PassThrough();
    const r = reader(body);
    body.end(sseBytes(chatChunks('短 short 🌱'), false));
    const events: StreamEvent[] = [];
    await expect(
      (async () => {
        for await (const e of r) events.push(e);
      })(),
    ).rejects.toThrow(`${ENDPOINT} stream ended before [DONE]`);
    expect(textOf(events)).toBe('短 short 🌱');
  });

  it('pauses the body while events wait unread, resumes as they are read, and loses nothing', async () => {
    const text = Array.from({ length: 400 }, (_, i) => `${i}字🎵 `).join('');
    // 800 events (text and reasoning by turns, so none is joined to the one before), unread.
    const many = new PassThrough();
    const r2 = reader(many);
    for (let i = 0; i < 400; i++) {
      many.write(sseBytes([{ data: { choices: [{ delta: { content: `${i}字🎵 ` } }] } }], false));
      many.write(sseBytes([{ data: { choices: [{ delta: { reasoning_content: '·' } }] } }], false));
    }
    many.end('data: [DONE]\n\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(many.isPaused()).toBe(true);
    const events: StreamEvent[] = [];
    for await (const e of r2) events.push(e);
    expect(textOf(events)).toBe(text);
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('leaving early destroys an unfinished body (the upstream request is closed)', async () => {
    const body = new PassThrough();
    const r = reader(body);
    body.write(sseBytes(chatChunks('one 一 ☝️'), false));
    const first = await r.next();
    expect(first).toMatchObject({ done: false, value: { type: 'text' } });
    await r.return();
    expect(body.destroyed).toBe(true);
    expect(await r.next()).toEqual({ value: undefined, done: true });
  });

  it('after [DONE] the rest of the body is read and dropped, so its connection can be reused', async () => {
    const body = new PassThrough();
    const r = reader(body);
    body.write(sseBytes(chatChunks('完 done ✅')));
    const events: StreamEvent[] = [];
    for await (const e of r) events.push(e);
    expect(events.at(-1)).toEqual({ type: 'done' });
    expect(body.destroyed).toBe(false);
    body.end(': trailing comment\n\n');
    await new Promise((resolve) => body.once('end', resolve));
  });
});
