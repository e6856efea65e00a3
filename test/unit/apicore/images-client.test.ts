import { describe, expect, it } from 'vitest';
import { TINY_PNG } from '../../fakes/apicore.js';
import { botError, only, useFake } from './helpers.js';

const h = useFake();

/** A JPEG's first bytes and filler: gpt-image-1 takes JPEG, dall-e-2 does not. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 7)]);
const png = { data: TINY_PNG, mime: 'image/png', filename: 'cat.png' };

const part = (rec: ReturnType<typeof only>, name: string) => rec.parts?.filter((p) => p.name === name) ?? [];
const text = (rec: ReturnType<typeof only>, name: string) => part(rec, name)[0]?.data.toString('utf8');

describe('images: edits, variations, flux-kontext, Kling', () => {
  it('an edit sends the image bytes as multipart and returns gpt-image-1’s base64', async () => {
    const prompt = '戴上帽子 add a hat 🎩';
    const images = await h.client.editImages({
      model: 'gpt-image-1',
      prompt,
      images: [png],
      n: 1,
      size: '1024x1024',
    });
    expect(images).toHaveLength(1);
    expect('data' in images[0]! && Buffer.from(images[0].data).equals(TINY_PNG)).toBe(true);
    const rec = only(h.fake, 'POST', '/v1/images/edits');
    expect(String(rec.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(rec.headers.authorization).toMatch(/^Bearer /);
    expect(part(rec, 'image')[0]).toMatchObject({ filename: 'cat.png', contentType: 'image/png' });
    expect(part(rec, 'image')[0]!.data.equals(TINY_PNG)).toBe(true);
    expect([text(rec, 'model'), text(rec, 'prompt'), text(rec, 'n'), text(rec, 'size')]).toEqual([
      'gpt-image-1',
      prompt,
      '1',
      '1024x1024',
    ]);
  });

  it('several images go as image[] (gpt-image-1); dall-e-2 answers with a link', async () => {
    await h.client.editImages({
      model: 'gpt-image-1',
      prompt: 'merge them',
      images: [png, { data: JPEG, mime: 'image/jpeg', filename: 'b.jpg' }],
    });
    expect(part(only(h.fake, 'POST', '/v1/images/edits'), 'image[]')).toHaveLength(2);
    const images = await h.client.editImages({ model: 'dall-e-2', prompt: 'a red door', images: [png] });
    expect(images).toEqual([{ url: `${h.fake.url}/files/edit-1.png` }]);
  });

  it('a variation (dall-e-2) sends the image and no prompt', async () => {
    const images = await h.client.imageVariations({ model: 'dall-e-2', image: png, n: 1, size: '512x512' });
    expect(images).toEqual([{ url: `${h.fake.url}/files/variation-1.png` }]);
    const rec = only(h.fake, 'POST', '/v1/images/variations');
    expect(part(rec, 'image')[0]!.data.equals(TINY_PNG)).toBe(true);
    expect(part(rec, 'prompt')).toEqual([]);
  });

  it('the fake is as strict as the gateway: no image, a variation of another model, a JPEG to dall-e-2', async () => {
    const noImage = await botError(h.client.editImages({ model: 'gpt-image-1', prompt: 'x', images: [] }));
    expect(noImage.kind).toBe('bad_request');
    expect(noImage.upstreamMessage).toContain("'image' is a required property");
    const wrong = await botError(h.client.imageVariations({ model: 'gpt-image-1', image: png }));
    expect(wrong.upstreamMessage).toContain('variations are only for dall-e-2');
    const jpeg = await botError(
      h.client.editImages({
        model: 'dall-e-2',
        prompt: 'x',
        images: [{ data: JPEG, mime: 'image/jpeg', filename: 'a.jpg' }],
      }),
    );
    expect(jpeg.upstreamMessage).toContain('square PNG');
    expect(h.fake.unexpected).toHaveLength(3);
    h.fake.unexpected.splice(0);
  });

  it('flux-kontext takes the image as raw base64 input_image with an aspect ratio', async () => {
    const images = await h.client.generateImages({
      model: 'flux-kontext-pro',
      prompt: '变成油画 oil painting 🎨',
      n: 1,
      aspect_ratio: '16:9',
      input_image: TINY_PNG.toString('base64'),
    });
    expect(images[0]).toMatchObject({ url: `${h.fake.url}/files/kontext-edit-1.png` });
    expect(only(h.fake, 'POST', '/v1/images/generations').json).toMatchObject({
      model: 'flux-kontext-pro',
      aspect_ratio: '16:9',
      input_image: TINY_PNG.toString('base64'),
    });
  });

  it('Kling: submit, then the task answers with its images', async () => {
    const id = await h.client.klingImageSubmit({
      model: 'kling-v1',
      prompt: '山水 mountains ⛰️',
      image: `data:image/png;base64,${TINY_PNG.toString('base64')}`,
      aspectRatio: '1:1',
    });
    expect(only(h.fake, 'POST', '/kling/v1/images/generations').json).toEqual({
      model_name: 'kling-v1',
      prompt: '山水 mountains ⛰️',
      image: TINY_PNG.toString('base64'),
      aspect_ratio: '1:1',
      n: 1,
    });
    expect(await h.client.klingImageFetch(id)).toEqual({
      state: 'success',
      urls: [`${h.fake.url}/files/${id}-0.png`],
    });
  });

  it('a refused Kling submit carries the gateway’s words', async () => {
    h.fake.enqueue('POST /kling/v1/images/generations', {
      kind: 'json',
      body: { code: 1301, message: '触发内容安全策略 risk', request_id: 'r', data: null },
    });
    const e = await botError(h.client.klingImageSubmit({ model: 'kling-v1', prompt: 'x' }));
    expect(e.upstreamMessage).toContain('触发内容安全策略 risk');
  });
});
