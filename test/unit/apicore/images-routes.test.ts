import { describe, expect, it } from 'vitest';
import {
  completeImageModel,
  imageRoute,
  inlineDrawOptions,
  resolveSize,
  routeOrRefuse,
} from '../../../commands/images/models.js';
import type { CommandContext } from '../../../src/core/command.js';
import { createLogger } from '../../../src/log.js';
import { makeClient, useFake } from './helpers.js';

const h = useFake();

describe('the image routing table', () => {
  it.each([
    ['gpt-image-1', 'generations', 'edits'],
    ['dall-e-2', 'generations', 'edits'],
    ['dall-e-3', 'generations', 'none'],
    ['gpt-4o-image', 'chat', 'chat'],
    ['sora_image', 'chat', 'chat'],
    ['flux-kontext-max', 'generations', 'kontext'],
    ['flux-1.1-pro', 'generations', 'none'],
    ['grok-2-image', 'generations', 'none'],
    ['doubao-seedream-3-0-t2i-250415', 'generations', 'none'],
    ['kling-v1-5', 'kling', 'kling'],
    ['stable-diffusion-3-5-large', 'generations', 'none'],
  ])('%s → %s, image: %s', (model, endpoint, imageInput) => {
    expect(imageRoute(model)).toMatchObject({ endpoint, imageInput });
  });

  it('video models and chat models are not image models', () => {
    for (const id of ['jimeng-video', 'kling-v1-6', 'gpt-4o-mini', 'vidu-video'])
      expect(imageRoute(id)).toBeUndefined();
  });

  it('an unknown model names the closest ones, in both languages', () => {
    try {
      routeOrRefuse('dalle3');
      expect.unreachable();
    } catch (e) {
      const err = e as { userMessage: { en: string; zh: string } };
      expect(err.userMessage.en).toMatch(/Unknown image model “dalle3”\. Closest: .*dall-e-3/);
      expect(err.userMessage.zh).toContain('未知的图片模型“dalle3”');
    }
  });

  it('sizes per model: listed, a ratio mapped to the closest size, others refused clearly', () => {
    expect(resolveSize('gpt-image-1', imageRoute('gpt-image-1')!, undefined)).toBe('1024x1024');
    expect(resolveSize('gpt-image-1', imageRoute('gpt-image-1')!, '3:2')).toBe('1536x1024');
    expect(resolveSize('dall-e-3', imageRoute('dall-e-3')!, '16:9')).toBe('1792x1024');
    expect(resolveSize('flux-kontext-pro', imageRoute('flux-kontext-pro')!, '21:9')).toBe('21:9');
    expect(resolveSize('sdxl', imageRoute('sdxl')!, '1344X768')).toBe('1344x768');
    expect(() => resolveSize('dall-e-3', imageRoute('dall-e-3')!, '512x512')).toThrow(
      'dall-e-3 takes sizes 1024x1024, 1792x1024, 1024x1792 (got “512x512”).',
    );
    expect(() => resolveSize('grok-2-image', imageRoute('grok-2-image')!, '1024x1024')).toThrow(
      'grok-2-image picks its own size',
    );
  });

  it('inline options: model:, --ar, a model id as the first word', () => {
    expect(inlineDrawOptions('model:flux-dev 一只猫 a cat 🐱 --ar 16:9')).toEqual({
      prompt: '一只猫 a cat 🐱',
      model: 'flux-dev',
      size: '16:9',
    });
    expect(inlineDrawOptions('dall-e-2')).toEqual({ prompt: '', model: 'dall-e-2' });
    expect(inlineDrawOptions('flux is a word')).toEqual({ prompt: 'flux is a word' });
  });
});

describe('autocomplete', () => {
  it('lists the gateway’s image models (from /v1/models) and the table’s, never chat models', async () => {
    const client = makeClient(h.fake);
    h.fake.enqueue('GET /v1/models', {
      kind: 'json',
      body: {
        object: 'list',
        data: ['gpt-4o-mini', 'flux-1.1-pro-ultra', 'sora_image', 'kling-v1-6'].map((id) => ({
          id,
          object: 'model',
          owned_by: 'x',
        })),
      },
    });
    const ctx = {
      apicore: client,
      signal: new AbortController().signal,
      log: createLogger({ level: 'silent', secrets: [] }),
    } as unknown as CommandContext<unknown>;
    const all = await completeImageModel(ctx, '');
    const ids = all.map((c) => c.value);
    expect(ids.slice(0, 2)).toEqual(['flux-1.1-pro-ultra', 'sora_image']);
    expect(ids).toEqual(
      expect.arrayContaining(['gpt-image-1', 'dall-e-2', 'flux-kontext-pro', 'grok-2-image', 'kling-v1']),
    );
    expect(ids).not.toContain('gpt-4o-mini');
    expect(ids).not.toContain('kling-v1-6');
    expect(all.find((c) => c.value === 'dall-e-2')?.label).toBe('dall-e-2 — DALL·E 2 (text·edit·variations)');
    expect((await completeImageModel(ctx, 'FLUX')).every((c) => c.value.includes('flux'))).toBe(true);
    await client.close();
  });
});
