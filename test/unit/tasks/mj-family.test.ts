import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { regionBox, regionMask } from '../../../commands/midjourney/mask.js';
import { toMjTask } from '../../../src/apicore/tasks.js';
import type { ApiCore, MjTask } from '../../../src/core/apicore.js';
import type { TaskRecord } from '../../../src/core/tasks.js';
import {
  customZoomPrompt,
  keycapPrompts,
  midjourney,
  mjButtons,
  shortenPrompts,
} from '../../../src/tasks/families/mj.js';

// The Midjourney family: which button runs what, MODAL never read as a failure, prompts parsed.

const hash = '00000001-0000-4000-8000-000000000001';
const upscaled = (over: Record<string, unknown> = {}): MjTask =>
  toMjTask({
    id: '42',
    action: 'UPSCALE',
    status: 'SUCCESS',
    progress: '100%',
    prompt: '猫 a cat 🐱 --ar 2:3',
    imageUrl: 'https://cdn/u.png',
    buttons: [
      { customId: `MJ::JOB::high_variation::1::${hash}::SOLO`, emoji: '🪄', label: 'Vary (Strong)' },
      { customId: `MJ::Inpaint::1::${hash}::SOLO`, emoji: '🖌️', label: 'Vary (Region)' },
      { customId: `MJ::CustomZoom::${hash}`, emoji: '🔍', label: 'Custom Zoom' },
      { customId: `MJ::BOOKMARK::${hash}`, emoji: '❤️', label: '' },
      { customId: '', emoji: '', label: 'Web' },
    ],
    ...over,
  });

const record = (over: Partial<TaskRecord> = {}): TaskRecord =>
  ({ lang: 'en', purpose: 'action', meta: {}, parts: [], ...over }) as TaskRecord;

async function viewOf(task: MjTask, rec: TaskRecord) {
  const api = { mjFetchMany: async () => [task] } as unknown as ApiCore;
  const [answer] = await midjourney.fetchMany!(api, [task.id]);
  return answer!.view(rec);
}

describe('Midjourney buttons', () => {
  it('Custom Zoom carries a form, Vary (Region) opens the presets, ❤️ and link buttons are left out', () => {
    const rows = mjButtons(upscaled(), record({ meta: { speed: 'relax' } }));
    const flat = rows.flat();
    expect(flat.map((b) => [b.label, b.command])).toEqual([
      ['🪄 Vary (Strong)', 'mj-action'],
      ['🖌️ Vary (Region)', 'mj-region'],
      ['🔍 Custom Zoom', 'mj-action'],
      ['🌱 Seed', 'mj-seed'],
    ]);
    expect(flat[0]!.args).toEqual({
      taskId: '42',
      customId: expect.stringContaining('high_variation'),
      speed: 'relax',
    });
    expect(flat[2]!.form?.fields[0]).toMatchObject({
      name: 'prompt',
      value: '猫 a cat 🐱 --ar 2:3 --zoom 2',
    });
  });

  it('a grid gets no seed button (its U buttons lead to one)', () => {
    const grid = upscaled({
      action: 'IMAGINE',
      buttons: [{ customId: `MJ::JOB::upsample::1::${hash}`, emoji: '', label: 'U1' }],
    });
    expect(
      mjButtons(grid)
        .flat()
        .map((b) => b.label),
    ).toEqual(['U1']);
  });

  it('the Custom Zoom prompt keeps an --ar, adds one when missing, and replaces an old --zoom', () => {
    expect(customZoomPrompt('a fox 狐狸 --zoom 1.5 --ar 3:2')).toBe('a fox 狐狸 --ar 3:2 --zoom 2');
    expect(customZoomPrompt('a fox', '2:3')).toBe('a fox --ar 2:3 --zoom 2');
  });
});

describe('Midjourney results', () => {
  it('a task waiting in MODAL asks the user for a prompt instead of failing', async () => {
    const waiting = upscaled({ status: 'MODAL', progress: '0%', imageUrl: '', buttons: [] });
    const view = await viewOf(waiting, record({ meta: { prompt: '灯塔 lighthouse 🌊' } }));
    expect(view.state).toBe('success');
    if (view.state !== 'success') return;
    const [part] = view.parts;
    expect(part!.id).toBe('modal');
    const button = part!.buttons![0]![0]!;
    expect(button.command).toBe('mj-modal');
    expect(button.form?.fields[0]?.value).toBe('灯塔 lighthouse 🌊');
    expect(midjourney.doneText({ ...record(), parts: view.parts }, 1)).toBe(
      '✏️ Midjourney · waiting for your prompt',
    );
  });

  it('MODAL after the bot confirmed the window is still running', async () => {
    const view = await viewOf(upscaled({ status: 'MODAL' }), record({ meta: { modal: 'sent' } }));
    expect(view.state).toBe('running');
  });

  it('an animate task delivers its videos', async () => {
    const video = upscaled({
      action: 'VIDEO',
      imageUrl: '',
      videoUrl: 'https://cdn/1.mp4',
      videoUrls: [{ url: 'https://cdn/1.mp4' }, { url: 'https://cdn/2.mp4' }],
    });
    const view = await viewOf(video, record({ lang: 'zh' }));
    if (view.state !== 'success') throw new Error('expected success');
    expect(view.parts.map((p) => [p.text, p.file?.kind, p.file?.url])).toEqual([
      ['🎬 Midjourney 视频 1', 'video', 'https://cdn/1.mp4'],
      ['🎬 Midjourney 视频 2', 'video', 'https://cdn/2.mp4'],
    ]);
  });

  it('shorten: the prompts after the heading, bold marks dropped, each a button to /imagine', async () => {
    const text = [
      '**IMPORTANT TOKENS**',
      '**bamboo** ~~very~~ 竹林',
      '**SHORTENED OPTIONS**',
      '1️⃣ bamboo **forest**, mist',
      '2️⃣ 竹林 bamboo 🎋',
    ].join('\n\n');
    const task = upscaled({ action: 'SHORTEN', imageUrl: '', properties: { finalPrompt: text } });
    expect(shortenPrompts(task)).toEqual(['bamboo forest, mist', '竹林 bamboo 🎋']);
    const view = await viewOf(task, record({ purpose: 'describe', meta: { mode: 'shorten' } }));
    if (view.state !== 'success') throw new Error('expected success');
    expect(view.parts[0]!.buttons![0]!.map((b) => [b.command, b.args.prompt])).toEqual([
      ['imagine', 'bamboo forest, mist'],
      ['imagine', '竹林 bamboo 🎋'],
    ]);
    expect(keycapPrompts('no numbers here', 4)).toEqual([]);
  });
});

describe('Vary (Region) masks', () => {
  it('each preset is drawn at the image size, white where Midjourney repaints', async () => {
    const [w, h] = [300, 200];
    for (const region of ['left', 'right', 'top', 'bottom', 'center', 'border'] as const) {
      const url = await regionMask(region, w, h);
      const png = Buffer.from(url.split(',')[1]!, 'base64');
      const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([w, h]);
      const box = regionBox(region, w, h);
      const inside =
        data[
          (Math.floor((box.top + box.bottom) / 2) * w + Math.floor((box.left + box.right) / 2)) *
            info.channels
        ];
      expect(inside).toBe(region === 'border' ? 0 : 255);
      const white = data.filter((v) => v === 255).length / info.channels;
      const area = (box.right - box.left) * (box.bottom - box.top);
      expect(white).toBe(region === 'border' ? w * h - area : area);
    }
  });
});
