import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mjModalOf, SHORTEN_PROMPTS, setMjRemix } from '../fakes/apicore/mj.js';
import { FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';

// Midjourney's every button, blend, face swap, shorten and seed, through the console with the real
// client against the strict fake (a MODAL task never moves without /modal; /modal needs a prompt).

let fake: FakeApiCore;
let dir: string;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  dir = mkdtempSync(join(tmpdir(), 'bot-mj-'));
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.unexpected.length = 0;
  setMjRemix(fake, false);
});

const FAST = { TASK_POLL_INTERVAL_MS: '100' };
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies are read loosely
const bodies = (path: string): any[] => fake.requestsTo('POST', path).map((r) => r.json);

const lastTask = (action: string) => [...fake.mjTasks.values()].filter((t) => t.action === action).at(-1)!;

function photo(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, TINY_PNG);
  return path;
}

describe('Midjourney window buttons in the console', () => {
  it('Custom Zoom asks for the prompt, then the modal reaches the gateway with it', async () => {
    const run = await runConsole(
      fake,
      [
        '/imagine 山间小屋 a cabin in the hills 🏔️ --ar 3:2',
        { after: /\[U1\]/ },
        '[U1]',
        { after: /\[🔍 Custom Zoom\]/ },
        '[🔍 Custom Zoom]',
        { after: /Prompt with --zoom/ },
        '山间小屋 a cabin in the hills 🏔️ at dusk 黄昏 --ar 3:2 --zoom 1.5',
        { after: /Midjourney · done[\s\S]*Midjourney · done[\s\S]*Midjourney · done/ },
      ],
      { env: FAST },
    );
    expect(run.output).toContain('Now: 山间小屋 a cabin in the hills 🏔️ --ar 3:2 --zoom 2');
    const [modal] = bodies('/mj/submit/modal');
    const zoomTask = lastTask('CUSTOM_ZOOM');
    expect(modal).toEqual({
      taskId: zoomTask.id,
      prompt: '山间小屋 a cabin in the hills 🏔️ at dusk 黄昏 --ar 3:2 --zoom 1.5',
    });
    expect(mjModalOf(zoomTask)).toEqual(modal);
    expect(run.output).not.toContain('MODAL');
    expect(run.output).toContain(`🎨 山间小屋 a cabin in the hills 🏔️ at dusk 黄昏 --ar 3:2 --zoom 1.5`);
    expect(fake.unexpected).toEqual([]);
  });

  it('Vary (Region) offers presets; the bottom half sends a mask of the image’s size', async () => {
    const run = await runConsole(
      fake,
      [
        '/imagine 猫 a cat on a sofa 🛋️ --ar 2:3',
        { after: /\[U1\]/ },
        '[U2]',
        { after: /\[🖌️ Vary \(Region\)\]/ },
        '[🖌️ Vary (Region)]',
        { after: /\[⬇️ Bottom half\]/ },
        '[⬇️ Bottom half]',
        { after: /What to paint there/ },
        'a sleeping dog 小狗 🐶',
        { after: /Midjourney · done[\s\S]*Midjourney · done[\s\S]*Midjourney · done/ },
      ],
      { env: FAST },
    );
    expect(run.output).toContain('which part should Midjourney repaint?');
    const [modal] = bodies('/mj/submit/modal');
    expect(modal.prompt).toBe('a sleeping dog 小狗 🐶');
    expect(modal.maskBase64.startsWith('data:image/png;base64,')).toBe(true);
    const mask = Buffer.from(modal.maskBase64.split(',')[1], 'base64');
    const { data, info } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true });
    // --ar 2:3 → 683×1024, as the fake served the upscale.
    expect([info.width, info.height]).toEqual([683, 1024]);
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
    expect(at(300, 100)).toBe(0); // top half kept
    expect(at(300, 900)).toBe(255); // bottom half repainted
    // The mask was drawn from the image the button belongs to: fetched once to deliver, once to size it.
    const upscale = lastTask('UPSCALE');
    expect(fake.requestsTo('GET', `/mj/image/${upscale.id}`)).toHaveLength(2);
    expect(fake.unexpected).toEqual([]);
  });

  it('Remix mode: a V button that waits in MODAL asks the prompt instead of failing', async () => {
    setMjRemix(fake, true);
    const run = await runConsole(
      fake,
      [
        '/imagine 灯塔 a lighthouse 🌊',
        { after: /\[V1\]/ },
        '[V1]',
        { after: /\[✏️ Write the prompt\]/ },
        '[✏️ Write the prompt]',
        { after: /Prompt \(parameters/ },
        'a lighthouse in a storm 暴风雨 ⛈️',
        { after: /🎨 a lighthouse in a storm/ },
      ],
      { env: FAST },
    );
    expect(run.output).toContain('Midjourney is waiting for your prompt (Remix mode');
    expect(run.output).toContain('✏️ Midjourney · waiting for your prompt');
    expect(run.output).not.toMatch(/task failed/i);
    const variation = lastTask('VARIATION');
    expect(bodies('/mj/submit/modal')).toEqual([
      { taskId: variation.id, prompt: 'a lighthouse in a storm 暴风雨 ⛈️' },
    ]);
    expect(fake.unexpected).toEqual([]);
  });

  it('a Custom Zoom out of range is refused before anything is paid', async () => {
    const run = await runConsole(
      fake,
      [
        '/imagine a red fox 狐狸',
        { after: /\[U1\]/ },
        '[U1]',
        { after: /\[🔍 Custom Zoom\]/ },
        '[🔍 Custom Zoom]',
        { after: /Prompt with --zoom/ },
        'a red fox --zoom 3',
      ],
      { env: FAST },
    );
    expect(run.output).toContain('--zoom must be between 1 and 2 (got “3”).');
    expect(bodies('/mj/submit/action')).toHaveLength(1);
  });
});

describe('blend, face swap, shorten, seed, imagine extras in the console', () => {
  it('/blend with 1 image is refused with a clear line, before anything is sent', async () => {
    const run = await runConsole(fake, [`/blend ${photo('one.png')}`], { env: FAST, locale: 'zh_CN.UTF-8' });
    expect(run.output).toContain('融合需要 2–5 张图片，你发送了 1 张。');
    expect(bodies('/mj/submit/blend')).toHaveLength(0);
  });

  it('/blend sends both images and the shape, and delivers the grid', async () => {
    const a = photo('cat.png');
    const b = photo('dog.png');
    const run = await runConsole(fake, [`/blend ${a} ${b} landscape`], { env: FAST });
    const [blend] = bodies('/mj/submit/blend');
    expect(blend.dimensions).toBe('LANDSCAPE');
    expect(blend.base64Array).toHaveLength(2);
    expect(blend.base64Array[0]).toBe(`data:image/png;base64,${TINY_PNG.toString('base64')}`);
    expect(run.output).toContain('🧩 Blend of 2 images\n📎 image: ');
    expect(run.output).toContain('✅ Midjourney · done');
    expect(fake.unexpected).toEqual([]);
  });

  it('/swapface sends the face and the target and delivers the result', async () => {
    const face = photo('face_脸.png');
    const target = photo('target.png');
    const run = await runConsole(fake, [`/swapface ${face} ${target}`, `/swapface ${face}`], { env: FAST });
    const [swap] = bodies('/mj/insight-face/swap');
    expect(swap.sourceBase64.startsWith('data:image/png;base64,')).toBe(true);
    expect(swap.targetBase64.startsWith('data:image/png;base64,')).toBe(true);
    expect(bodies('/mj/insight-face/swap')).toHaveLength(1);
    expect(run.output).toContain('🎭 Face swap\n📎 image: ');
    expect(run.output).toContain('A face swap takes two images: first the face, then the picture');
    expect(fake.unexpected).toEqual([]);
  });

  it('/shorten shows the shorter prompts, each a button that starts /imagine', async () => {
    const long = 'a very misty bamboo forest 竹林 in the early morning, soft light 🌅, highly detailed';
    const run = await runConsole(
      fake,
      [`/shorten ${long}`, { after: /\[🎨 Imagine 3\]/ }, '[🎨 Imagine 3]', { after: /\[U1\]/ }],
      { env: FAST },
    );
    expect(bodies('/mj/submit/shorten')).toEqual([{ prompt: long }]);
    expect(run.output).toContain('✂️ Shorter prompts:');
    for (const [i, p] of SHORTEN_PROMPTS.entries()) expect(run.output).toContain(`${i + 1}️⃣ ${p}`);
    expect(run.output).not.toContain('IMPORTANT TOKENS');
    expect(bodies('/mj/submit/imagine')).toEqual([{ prompt: SHORTEN_PROMPTS[2] }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('an upscale has a seed button that shows the image seed', async () => {
    const run = await runConsole(
      fake,
      [
        '/imagine 星空 starry sky ✨',
        { after: /\[U1\]/ },
        '[U1]',
        { after: /\[🌱 Seed\]/ },
        '[🌱 Seed]',
        { after: /🌱 Seed: \d+/ },
      ],
      { env: FAST },
    );
    const upscale = lastTask('UPSCALE');
    expect(fake.requestsTo('GET', `/mj/task/${upscale.id}/image-seed`)).toHaveLength(1);
    expect(run.output).toMatch(/🌱 Seed: \d+\nAdd `--seed \d+` to a prompt/);
    expect(fake.unexpected).toEqual([]);
  });

  it('/imagine passes parameters through, takes reference images and picks the speed path', async () => {
    const ref = photo('ref.png');
    await runConsole(fake, [`/imagine 少女 a girl ${ref} ——ar 9:16 --niji 6 --relax`], { env: FAST });
    const [imagine] = fake.requestsTo('POST', '/mj/submit/imagine');
    expect(imagine!.path).toBe('/mj-relax/mj/submit/imagine');
    expect(imagine!.json).toEqual({
      prompt: '少女 a girl --ar 9:16 --niji 6 --relax',
      base64Array: [`data:image/png;base64,${TINY_PNG.toString('base64')}`],
    });
    expect(fake.unexpected).toEqual([]);
  });
});
