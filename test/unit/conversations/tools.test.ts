import { describe, expect, it } from 'vitest';
import { MEDIA_TOOLS, ToolAllowance, toolSpecs } from '../../../src/conversations/tools.js';

describe('the tools offered to a model', () => {
  it('leaves the media tools out when no media task may start', () => {
    const names = (hasImage: boolean, media: boolean) =>
      toolSpecs(hasImage, media).map((s) => s.function.name);
    expect(names(true, true)).toEqual(['make_image', 'write_song', 'current_time', 'describe_image']);
    expect(names(false, true)).toEqual(['make_image', 'write_song', 'current_time']);
    expect(names(true, false)).toEqual(['current_time']);
    expect([...MEDIA_TOOLS].sort()).toEqual(['describe_image', 'make_image', 'write_song']);
  });
});

describe('ToolAllowance', () => {
  it('lets `cap` media calls through, then refuses with a reason for the model and the user', () => {
    const allowance = new ToolAllowance(2);
    expect(allowance.admit('make_image')).toBeUndefined();
    expect(allowance.admit('write_song')).toBeUndefined();
    const third = allowance.admit('make_image');
    expect(third?.result).toMatch(/^not started: at most 2 media tasks/);
    expect(third?.refused).toEqual({
      en: 'Not started: at most 2 media tasks per answer.',
      zh: '未启动：每次回答最多启动 2 个媒体任务。',
    });
    expect(allowance.admitted).toBe(2);
  });

  it('after a quota refusal, refuses every later media call the same way without asking the store', () => {
    const allowance = new ToolAllowance(20);
    const message = { en: 'quota 用完 🚫', zh: '额度用完 🚫' };
    const first = allowance.refuse('make_image', { reason: 'tasks', used: 1, quota: 1, message });
    expect(first.result).toMatch(
      /^refused: the user's daily quota of media tasks is used up \(1 of 1 today\)/,
    );
    const next = allowance.admit('write_song');
    expect(next).toEqual({ name: 'write_song', result: first.result, refused: message });
    expect(allowance.admitted).toBe(0);
  });

  it('tells the model a rate refusal is about the per-minute limit', () => {
    const allowance = new ToolAllowance(3);
    const run = allowance.refuse('describe_image', {
      reason: 'rate',
      perMinute: 20,
      message: { en: 'slow down', zh: '慢一点' },
    });
    expect(run.result).toMatch(/^refused: the user is over the rate limit \(20 requests a minute\)/);
  });
});
