import { describe, expect, it } from 'vitest';
import { BotError } from '../../../src/errors.js';
import { mjSeedOf } from '../../fakes/apicore/mj.js';
import { TINY_PNG } from '../../fakes/apicore.js';
import { type Json, useFake } from './helpers.js';

// The Midjourney extras of the client (modal, shorten, face swap, image seed, speed paths) against
// the strict fake: real envelopes, and the refusals a real gateway gives.

const h = useFake();
const PNG = `data:image/png;base64,${TINY_PNG.toString('base64')}`;

async function refused(p: Promise<unknown>): Promise<BotError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BotError);
  return e as BotError;
}

/** Polls a task until it is SUCCESS (the fake moves one stage a fetch). */
async function finish(id: string) {
  for (let i = 0; i < 10; i++) {
    const t = await h.client.mjFetch(id);
    if (t.status === 'SUCCESS') return t;
  }
  throw new Error(`task ${id} never finished`);
}

describe('Midjourney extras', () => {
  it('a speed goes into the path prefix; none keeps the plain path', async () => {
    await h.client.mjImagine({ prompt: '快 fast 🐇 --v 6.1' }, { speed: 'turbo' });
    await h.client.mjImagine({ prompt: 'plain' });
    expect(h.fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/mj-turbo/mj/submit/imagine',
      '/mj/submit/imagine',
    ]);
  });

  it('a window button waits in MODAL until /modal, which needs a prompt', async () => {
    const grid = await finish(await h.client.mjImagine({ prompt: 'a cabin 小屋 🏠' }));
    const up = await finish(await h.client.mjAction(grid.id, grid.buttons[0]!.customId));
    const zoomId = up.buttons.find((b) => b.customId.startsWith('MJ::CustomZoom::'))!.customId;
    const child = await h.client.mjAction(up.id, zoomId);
    for (let i = 0; i < 4; i++) expect((await h.client.mjFetch(child)).status).toBe('MODAL');
    const noPrompt = await refused(h.client.mjModal({ taskId: child }));
    expect(noPrompt.upstreamMessage).toContain('prompt_is_required');
    h.fake.unexpected.splice(0);
    expect(await h.client.mjModal({ taskId: child, prompt: 'a cabin 小屋 🏠 --ar 1:1 --zoom 2' })).toBe(
      child,
    );
    const done = await finish(child);
    expect(done.imageUrl).not.toBe('');
  });

  it('/modal on a task that is not waiting is refused', async () => {
    const id = await h.client.mjImagine({ prompt: 'x' });
    const e = await refused(h.client.mjModal({ taskId: id, prompt: 'y' }));
    expect(e.upstreamMessage).toContain('task_status_not_modal');
    h.fake.unexpected.splice(0);
  });

  it('shorten and face swap submit their bodies; the seed needs a finished task', async () => {
    const shortenId = await h.client.mjShorten('a very long prompt 很长的提示词 🌈');
    expect(h.fake.requestsTo('POST', '/mj/submit/shorten')[0]!.json).toEqual({
      prompt: 'a very long prompt 很长的提示词 🌈',
    });
    const shorten = await finish(shortenId);
    expect(shorten.action).toBe('SHORTEN');
    expect(shorten.finalPrompt).toContain('5️⃣');

    const swapId = await h.client.mjSwapFace({ sourceBase64: PNG, targetBase64: PNG });
    const body = h.fake.requestsTo('POST', '/mj/insight-face/swap')[0]!.json as Json;
    expect(Object.keys(body).sort()).toEqual(['sourceBase64', 'targetBase64']);
    const early = await refused(h.client.mjImageSeed(swapId));
    expect(early.upstreamMessage).toContain('task_status_not_success');
    h.fake.unexpected.splice(0);
    await finish(swapId);
    expect(await h.client.mjImageSeed(swapId)).toBe(mjSeedOf(swapId));
  });

  it('a blend of 1 or 6 images is refused by the gateway', async () => {
    for (const n of [1, 6]) {
      const e = await refused(h.client.mjBlend(Array(n).fill(PNG), 'SQUARE'));
      expect(e.upstreamMessage).toContain('2-5');
    }
    h.fake.unexpected.splice(0);
    expect(await h.client.mjBlend([PNG, PNG], 'PORTRAIT', { speed: 'relax' })).toMatch(/^\d+$/);
    expect(h.fake.requestsTo('POST', '/mj/submit/blend').at(-1)!.path).toBe('/mj-relax/mj/submit/blend');
  });

  it('videoUrls of an animate task are read', async () => {
    const { toMjTask } = await import('../../../src/apicore/tasks.js');
    const t = toMjTask({
      id: '1',
      status: 'SUCCESS',
      videoUrls: [{ url: 'https://cdn/a.mp4' }, { url: '' }],
    });
    expect(t.videoUrls).toEqual(['https://cdn/a.mp4']);
    expect('videoUrls' in toMjTask({ id: '2', videoUrls: null })).toBe(false);
  });
});
