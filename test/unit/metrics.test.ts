import { describe, expect, it } from 'vitest';
import { answerMetrics, firstTextClock, noMetrics } from '../../src/core/metrics.js';
import { PromMetrics } from '../../src/metrics.js';

const line = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.slice(series.length + 1) ?? Number.NaN,
  );

describe('PromMetrics', () => {
  it('records every series with bounded labels, in the Prometheus text format', async () => {
    const m = new PromMetrics();
    m.declarePlatforms(['telegram', 'discord']);
    m.firstText('telegram', 420);
    m.firstText('telegram', 80);
    m.edit('telegram');
    m.edit('telegram');
    m.edit('discord');
    m.tokens(120);
    m.tokens(0);
    m.taskClosed('mj', 'done');
    m.taskClosed('suno', 'failed');
    m.upstreamError('timeout');
    m.upstreamError('cancelled');
    m.platform429('telegram');
    m.pendingFrom(async () => ({ mj: 2, suno: 0 }));
    const text = await m.text();
    expect(m.contentType).toContain('text/plain');
    expect(line(text, 'apicore_bot_first_text_seconds_count{platform="telegram"}')).toBe(2);
    expect(line(text, 'apicore_bot_first_text_seconds_bucket{le="0.1",platform="telegram"}')).toBe(1);
    expect(line(text, 'apicore_bot_first_text_seconds_bucket{le="0.5",platform="telegram"}')).toBe(2);
    expect(line(text, 'apicore_bot_first_text_seconds_count{platform="discord"}')).toBe(0);
    expect(line(text, 'apicore_bot_answer_edits_total{platform="telegram"}')).toBe(2);
    expect(line(text, 'apicore_bot_answer_edits_total{platform="discord"}')).toBe(1);
    expect(line(text, 'apicore_bot_answer_tokens_total')).toBe(120);
    expect(line(text, 'apicore_bot_tasks_delivered_total{kind="mj"}')).toBe(1);
    expect(line(text, 'apicore_bot_tasks_failed_total{kind="suno"}')).toBe(1);
    expect(line(text, 'apicore_bot_tasks_pending{kind="mj"}')).toBe(2);
    expect(line(text, 'apicore_bot_tasks_pending{kind="suno"}')).toBe(0);
    expect(line(text, 'apicore_bot_upstream_errors_total{kind="timeout"}')).toBe(1);
    expect(text).not.toContain('kind="cancelled"');
    expect(line(text, 'apicore_bot_platform_429_total{platform="telegram"}')).toBe(1);
    expect(line(text, 'apicore_bot_platform_429_total{platform="discord"}')).toBe(0);
    // No process series until asked for (tests make many apps; only a served registry needs them).
    expect(text).not.toContain('process_resident_memory_bytes');
  });

  it('adds the process series, event-loop delay included, once', async () => {
    const m = new PromMetrics().withProcess().withProcess();
    const text = await m.text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text.match(/^# TYPE process_resident_memory_bytes/gm)).toHaveLength(1);
  });

  it('keeps its registry to itself: two instances never share counts', async () => {
    const a = new PromMetrics();
    const b = new PromMetrics();
    a.tokens(5);
    expect(line(await a.text(), 'apicore_bot_answer_tokens_total')).toBe(5);
    expect(line(await b.text(), 'apicore_bot_answer_tokens_total')).toBe(0);
  });

  it('a pending count that fails makes the scrape fail (a 500 at /metrics), not hang', async () => {
    const m = new PromMetrics();
    m.pendingFrom(() => Promise.reject(new Error('store down')));
    await expect(m.text()).rejects.toThrow('store down');
  });
});

describe('the metrics contract', () => {
  it('firstTextClock records once, from when it was made', () => {
    let now = 1_000;
    const seen: number[] = [];
    const clock = firstTextClock({ firstText: (ms) => seen.push(ms), edit() {}, tokens() {} }, () => now);
    now = 1_250;
    clock();
    now = 2_000;
    clock();
    expect(seen).toEqual([250]);
  });

  it('answerMetrics binds the platform; without metrics nothing is made', () => {
    const calls: string[] = [];
    const m = {
      ...noMetrics,
      firstText: (p: string, ms: number) => calls.push(`first ${p} ${ms}`),
      edit: (p: string) => calls.push(`edit ${p}`),
      tokens: (n: number) => calls.push(`tokens ${n}`),
    };
    const bound = answerMetrics(m, 'telegram')!;
    bound.firstText(12);
    bound.edit();
    bound.tokens(3);
    expect(calls).toEqual(['first telegram 12', 'edit telegram', 'tokens 3']);
    expect(answerMetrics(undefined, 'telegram')).toBeUndefined();
    expect(() => firstTextClock(undefined)()).not.toThrow();
  });
});
