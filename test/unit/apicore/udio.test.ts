import { describe, expect, it } from 'vitest';
import { toUdioTask } from '../../../src/apicore/tasks.js';
import type { SunoTask } from '../../../src/core/apicore.js';
import { botError, expectJsonRequest, useFake } from './helpers.js';

const h = useFake();

async function finish(id: string): Promise<SunoTask> {
  for (let i = 0; i < 10; i++) {
    const t = await h.client.udioFetch(id);
    if (t.status === 'SUCCESS' || t.status === 'FAILURE') return t;
  }
  throw new Error('never finished');
}

describe('Udio', () => {
  for (const [name, prompt, lyrics] of [
    ['ASCII', 'a calm piano song', 'Moon over the sea'],
    ['Chinese', '安静的钢琴曲', '月亮在海上'],
    ['emoji', 'party 🎉 dance', 'jump 🕺 jump 💃'],
  ] as const) {
    it(`${name}: submit with user lyrics, fetch songs as clips`, async () => {
      const id = await h.client.udioMusic({ prompt, lyrics, model_type: 'udio130-v1.5' });
      expect(id).toMatch(/^udio-task-\d+$/);
      expect(expectJsonRequest(h.fake, 'POST', '/udio/submit/music')).toEqual({
        gen_params: {
          prompt,
          lyrics,
          lyrics_type: 'user',
          model_type: 'udio130-v1.5',
          config: { mode: 'regular' },
        },
      });
      const first = await h.client.udioFetch(id);
      expect(first).toMatchObject({ id, status: 'SUBMITTED', clips: [] });
      const done = await finish(id);
      expect(done.clips).toHaveLength(2);
      expect(done.clips[0]).toMatchObject({
        status: 'complete',
        lyrics,
        tags: 'udio, pop',
        durationSeconds: 130,
        audioUrl: expect.stringMatching(/\/files\/udio-\d+\.mp3$/),
        imageUrl: expect.stringMatching(/\.png$/),
        videoUrl: expect.stringMatching(/\.mp4$/),
        type: 'udio',
      });
    });
  }

  it('defaults: generated lyrics on udio32; instrumental has none', async () => {
    await h.client.udioMusic({ prompt: 'lofi beats' });
    expect(expectJsonRequest(h.fake, 'POST', '/udio/submit/music').gen_params).toMatchObject({
      lyrics: '',
      lyrics_type: 'generate',
      model_type: 'udio32-v1.5',
    });
    const inst = await finish(
      await h.client.udioMusic({ prompt: 'ambient 🌊', lyrics_type: 'instrumental' }),
    );
    expect(inst.clips[0]).toMatchObject({ lyrics: '', durationSeconds: 32 });
  });

  it('an unknown task is not_found; a bad model_type is a malformed request', async () => {
    expect(await botError(h.client.udioFetch('udio-task-0'))).toMatchObject({ kind: 'not_found' });
    const bad = await botError(h.client.udioMusic({ prompt: 'x', model_type: 'udio-9' }));
    expect(bad.kind).toBe('bad_request');
    expect(h.fake.unexpected).toEqual([expect.stringContaining('model_type must be one of')]);
    h.fake.unexpected.splice(0);
  });

  it('maps statuses and a failed song', () => {
    const t = toUdioTask({
      task_id: 'u1',
      status: 'failed',
      fail_reason: 'moderation',
      songs: [
        {
          id: 's',
          title: '坏',
          error_type: 'moderation',
          error_detail: 'blocked 🚫',
          tags: 'x',
          duration: 0,
        },
      ],
    });
    expect(t).toMatchObject({
      id: 'u1',
      status: 'FAILURE',
      failReason: 'moderation',
      action: 'udio-generate',
    });
    expect(t.clips[0]).toMatchObject({
      status: 'error',
      errorMessage: 'blocked 🚫',
      tags: 'x',
      durationSeconds: undefined,
    });
    expect(toUdioTask({ status: 'IN_PROGRESS' }).status).toBe('IN_PROGRESS');
  });
});
