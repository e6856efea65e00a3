import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiCoreClient } from '../../../src/apicore/client.js';
import type { ChatRef } from '../../../src/core/platform.js';
import type { Store } from '../../../src/core/store.js';
import type { TaskKind, TaskPurpose } from '../../../src/core/tasks.js';
import { silentLogger } from '../../../src/log.js';
import { SchedulerRegistry } from '../../../src/render/scheduler.js';
import { ButtonRegistry } from '../../../src/store/buttons.js';
import { memoryStore, sqliteStore } from '../../../src/store/index.js';
import { DEADLINE_MS, TaskPoller } from '../../../src/tasks/poller.js';
import { FAKE_API_KEY, FakeApiCore, gridButtons } from '../../fakes/apicore.js';
import { RecordingAdapter } from '../../helpers/recording-adapter.js';

let fake: FakeApiCore;
let client: ApiCoreClient;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  client = new ApiCoreClient({
    baseUrl: fake.url,
    apiKey: FAKE_API_KEY,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const chat: ChatRef = { platform: 'test', id: 'chat-1', kind: 'group' };
const user = { id: 'u1', name: '小明' };

/** A clock that moves only when a test says so; timers due by then fire (retries, ticks). */
class HandClock {
  t = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.#timers.delete(id as number);
  };
  /** Moves time on and fires what fell due, without the ticks (tests run those by hand). */
  advance(ms: number, fire: (fn: () => void) => boolean = () => true): void {
    this.t += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.at <= this.t && fire(timer.fn)) {
        this.#timers.delete(id);
        timer.fn();
      }
    }
  }
}

/** A poller on a hand-moved clock: time passes only when a test says so. */
function setup(store: Store = memoryStore(), adapter = new RecordingAdapter()) {
  const clock = new HandClock();
  const poller = new TaskPoller({
    store,
    apicore: client,
    buttons: new ButtonRegistry(store),
    schedulers: new SchedulerRegistry(),
    log: silentLogger(),
    // Longer than any test moves the clock: ticks run only when a test calls tick().
    intervalMs: 24 * 3600_000,
    clock,
  });
  return { clock, adapter, poller, store };
}

async function submitted(
  s: ReturnType<typeof setup>,
  kind: TaskKind,
  purpose: TaskPurpose,
  upstreamId: string,
  meta: Record<string, string> = {},
) {
  const ch = s.adapter.channel(chat);
  const status = await ch.send({ text: '✅ accepted' });
  return s.poller.track(
    { kind, purpose, upstreamId, statusMessage: status, meta },
    { chat, user, lang: 'en', replyTo: undefined },
  );
}

const status = (s: ReturnType<typeof setup>) => s.adapter.messages[0]!;
const count = (path: string) => fake.requests.filter((r) => r.path === path).length;

describe('TaskPoller', () => {
  let current: ReturnType<typeof setup> | undefined;
  /** Remembers the poller so it is stopped after the test. */
  const using_ = (s: ReturnType<typeof setup>) => {
    current = s;
    return s;
  };
  afterEach(async () => {
    await current?.poller.stop();
    current = undefined;
  });

  it('asks each batch endpoint once a tick, however many are pending, and reaches every task in turn', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    for (let i = 0; i < 250; i++) await submitted(s, 'mj', 'imagine', `mj-${i}`);
    for (let i = 0; i < 250; i++) await submitted(s, 'suno', 'song', `suno-${i}`);
    fake.requests.length = 0;
    const asked = new Set<string>();
    for (let tick = 1; tick <= 3; tick++) {
      await s.poller.tick();
      // One request per kind per tick, at most 100 ids each.
      expect(count('/mj/task/list-by-condition')).toBe(tick);
      expect(count('/suno/fetch')).toBe(tick);
      expect(fake.requests).toHaveLength(2 * tick);
    }
    for (const r of fake.requests) for (const id of (r.json as { ids: string[] }).ids) asked.add(id);
    const sizes = fake.requests.map((r) => (r.json as { ids: string[] }).ids.length);
    expect(sizes.every((n) => n === 100)).toBe(true);
    // In three ticks every one of the 500 pending tasks was asked about.
    expect(asked.size).toBe(500);
  });

  it('edits the status only when progress changed, then delivers the grid with its buttons', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    fake.mjStages.push([
      { status: 'SUBMITTED', progress: '0%' },
      { status: 'IN_PROGRESS', progress: '30%' },
      { status: 'IN_PROGRESS', progress: '30%' },
      { status: 'IN_PROGRESS', progress: '60%' },
      {
        status: 'SUCCESS',
        progress: '100%',
        imageUrl: `${fake.url}/files/grid.png`,
        buttons: gridButtons('hash'),
      },
    ]);
    const id = await client.mjImagine({ prompt: '一只猫 a cat 🐱' });
    await submitted(s, 'mj', 'imagine', id, { prompt: '一只猫 a cat 🐱' });
    for (let i = 0; i < 6; i++) await s.poller.tick();
    expect(status(s).texts).toEqual([
      '✅ accepted',
      '🎨 Midjourney · queued…',
      '🎨 Midjourney · ▰▰▰▱▱▱▱▱▱▱ 30%',
      '🎨 Midjourney · ▰▰▰▰▰▰▱▱▱▱ 60%',
      '✅ Midjourney · done',
    ]);
    const images = s.adapter.withFiles('image');
    expect(images).toHaveLength(1);
    expect(images[0]!.text).toBe('🎨 一只猫 a cat 🐱');
    expect(images[0]!.buttons.flat()).toEqual(expect.arrayContaining(['U1', 'U4', 'V1', 'V4']));
    expect(Buffer.from(images[0]!.files[0]!.data!).subarray(1, 4).toString()).toBe('PNG');
    expect(s.poller.pending).toBe(0);
  });

  it('shows the upstream’s reason when a task fails', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    fake.mjStages.push([{ status: 'FAILURE', progress: '', failReason: 'Banned prompt: 违禁词' }]);
    await submitted(s, 'mj', 'imagine', await client.mjImagine({ prompt: 'x' }));
    fake.sunoStages.push([
      {
        status: 'FAILURE',
        fail_reason: '',
        data: [
          { id: 'c1', status: 'error', metadata: { error_message: 'Lyrics rejected 歌词被拒' } },
        ] as never,
      },
    ]);
    await submitted(s, 'suno', 'song', await client.sunoMusic({ gpt_description_prompt: 'x' }));
    await s.poller.tick();
    const texts = s.adapter.messages.map((m) => m.text);
    expect(texts).toContain('❌ The task failed: Banned prompt: 违禁词');
    expect(texts).toContain('❌ The task failed: Lyrics rejected 歌词被拒');
    expect(s.poller.pending).toBe(0);
  });

  it('gives up after the deadline and stops asking', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    fake.sunoStages.push([{ status: 'IN_PROGRESS', progress: '0%', data: null }]);
    await submitted(s, 'suno', 'song', await client.sunoMusic({ gpt_description_prompt: 'slow' }));
    await s.poller.tick();
    s.clock.t += DEADLINE_MS.suno + 1;
    fake.requests.length = 0;
    await s.poller.tick();
    expect(status(s).text).toBe(
      '⌛ Gave up waiting after 15 minutes. The gateway refunds failed tasks; please try again.',
    );
    // One last look before giving up, then no more.
    expect(count('/suno/fetch')).toBe(1);
    fake.requests.length = 0;
    await s.poller.tick();
    expect(count('/suno/fetch')).toBe(0);
  });

  it('resumes pending tasks from the same store file after a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'poller-')), 'bot.sqlite');
    const first = setup(sqliteStore(file));
    await first.poller.start([first.adapter]);
    const id = await client.sunoMusic({ gpt_description_prompt: '重启之后 after restart' });
    await submitted(first, 'suno', 'song', id);
    await first.poller.tick(); // SUBMITTED
    await first.poller.stop();
    await first.store.close();

    const second = using_(setup(sqliteStore(file)));
    await second.poller.start([second.adapter]);
    expect(second.poller.pending).toBe(1);
    await second.poller.tick(); // IN_PROGRESS
    await second.poller.tick(); // SUCCESS → delivered
    expect(second.adapter.withFiles('audio')).toHaveLength(2);
    expect(second.poller.pending).toBe(0);
    await second.store.close();
  });

  it('delivers a task that finished upstream while the bot was down past its deadline', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    const id = await client.sunoMusic({ gpt_description_prompt: '停机 downtime 💤' });
    await submitted(s, 'suno', 'song', id);
    await s.poller.tick(); // SUBMITTED
    await s.poller.tick(); // IN_PROGRESS
    s.clock.t += DEADLINE_MS.suno + 60_000; // the bot was down; upstream finished meanwhile
    await s.poller.tick();
    expect(s.adapter.withFiles('audio')).toHaveLength(2);
    expect(status(s).text).toBe('✅ Suno · 2 clip(s) delivered');
    expect(s.poller.pending).toBe(0);
  });

  it('never sends a part twice when the process died between sending it and marking it sent', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'poller-')), 'bot.sqlite');
    // The platform outlives the bot's process, so both runs share it.
    const platform = new RecordingAdapter();
    const first = setup(sqliteStore(file), platform);
    await first.poller.start([platform]);
    const id = await client.sunoMusic({ gpt_description_prompt: 'crash 崩溃' });
    const record = await submitted(first, 'suno', 'song', id);
    await first.poller.tick(); // SUBMITTED
    await first.poller.tick(); // IN_PROGRESS
    // The platform refuses audio, so both clips wait for a retry when the process "dies"...
    platform.refuseSendWhen = (m) => (m.files ?? []).some((f) => f.kind === 'audio');
    await first.poller.tick(); // SUCCESS
    expect(platform.withFiles('audio')).toHaveLength(0);
    await first.poller.stop();
    // ...right after it had begun sending the first clip, which did reach the chat.
    const { TaskStore } = await import('../../../src/tasks/task-store.js');
    const saved = (await new TaskStore(first.store).get(record.id))!;
    const [clipA, clipB] = saved.parts;
    await new TaskStore(first.store).setMark(record.id, clipA!.id, 'sending');
    platform.refuseSendWhen = undefined;
    await platform
      .channel(chat)
      .send({ text: clipA!.text, files: [{ kind: 'audio', name: 'a.mp3', url: clipA!.file!.url }] });
    await first.store.close();

    const second = using_(setup(sqliteStore(file), platform));
    await second.poller.start([platform]);
    await second.poller.tick();
    const audio = platform.withFiles('audio').map((m) => m.files[0]!.url);
    expect(audio).toEqual([clipA!.file!.url, clipB!.file!.url]);
    const texts = platform.messages.map((m) => m.text);
    expect(texts).toContain(`If a result is missing above, here is its link: ${clipA!.file!.url}`);
    expect(platform.messages[0]!.text).toBe(
      '✅ Suno · 1 clip(s) delivered\n🔗 1 result(s) could not be sent as files; their links are above.',
    );
    expect(second.poller.pending).toBe(0);
    await second.store.close();
  });

  it('retries a send the platform refused, and the part arrives once', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    const id = await client.sunoMusic({ gpt_description_prompt: '重试 retry 🔁' });
    await submitted(s, 'suno', 'song', id);
    await s.poller.tick();
    await s.poller.tick();
    let refusals = 1;
    s.adapter.refuseSendWhen = (m) => (m.files ?? []).length > 0 && refusals-- > 0;
    await s.poller.tick(); // SUCCESS: one clip refused once
    expect(s.adapter.refused).toBe(1);
    expect(s.adapter.withFiles('audio')).toHaveLength(1);
    s.clock.advance(60_000); // the retry's backoff passes
    await s.poller.tick();
    const audio = s.adapter.withFiles('audio').map((m) => m.files[0]!.url);
    expect(audio).toHaveLength(2);
    expect(new Set(audio).size).toBe(2);
    expect(status(s).text).toBe('✅ Suno · 2 clip(s) delivered');
  });

  it('posts the link and the buttons when a file keeps failing', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    fake.mjStages.push([
      {
        status: 'SUCCESS',
        progress: '100%',
        imageUrl: `${fake.url}/files/grid.png`,
        buttons: gridButtons('h2'),
      },
    ]);
    const id = await client.mjImagine({ prompt: '总是失败 always fails ❌' });
    await submitted(s, 'mj', 'imagine', id, { prompt: '总是失败 always fails ❌' });
    s.adapter.refuseSendWhen = (m) => (m.files ?? []).length > 0;
    await s.poller.tick();
    for (let i = 0; i < 4; i++) {
      s.clock.advance(60_000);
      await s.poller.tick();
    }
    expect(s.adapter.refused).toBe(4); // every attempt tried the file
    expect(s.adapter.withFiles('image')).toHaveLength(0);
    const fallback = s.adapter.messages.filter((m) => m.text.includes(`${fake.url}/files/grid.png`));
    expect(fallback).toHaveLength(1);
    expect(fallback[0]!.text).toBe(`🎨 总是失败 always fails ❌\n${fake.url}/files/grid.png`);
    expect(fallback[0]!.buttons.flat()).toEqual(expect.arrayContaining(['U1', 'U4', 'V1', 'V4']));
    expect(status(s).text).toBe(
      '✅ Midjourney · done\n🔗 1 result(s) could not be sent as files; their links are above.',
    );
    expect(s.poller.pending).toBe(0);
  });

  it('closes a delivering record past its deadline with a clear status', async () => {
    const s = using_(setup());
    await s.poller.start([s.adapter]);
    const id = await client.sunoMusic({ gpt_description_prompt: '送不出去 undeliverable 📭' });
    await submitted(s, 'suno', 'song', id);
    await s.poller.tick();
    await s.poller.tick();
    // Nothing can be sent into the chat any more (even links); edits still work.
    s.adapter.refuseSendWhen = () => true;
    await s.poller.tick(); // SUCCESS → delivering; every send fails
    s.clock.t += DEADLINE_MS.suno + 31 * 60_000;
    await s.poller.tick();
    expect(status(s).text).toBe(
      '✅ Suno · 0 clip(s) delivered\n⚠️ 2 result(s) could not be sent to this chat.',
    );
    expect(s.poller.pending).toBe(0);
  });

  it('never orphans a submitted task whose first write failed: it is kept and written at the next tick', async () => {
    const inner = memoryStore();
    let failures = 3; // every attempt track() makes
    const flaky: Store = {
      ...inner,
      namespace: (name) => inner.namespace(name),
      counters: (name) => inner.counters(name),
      claims: (name) => inner.claims(name),
      sweep: () => inner.sweep(),
      close: () => inner.close(),
      sets: (name) => {
        const sets = inner.sets(name);
        return {
          ...sets,
          members: (key) => sets.members(key),
          remove: (key, member) => sets.remove(key, member),
          add: async (key, member) => {
            if (failures-- > 0) throw new Error('READONLY You can’t write against a read only replica 只读');
            return sets.add(key, member);
          },
        };
      },
    };
    const s = using_(setup(flaky));
    await s.poller.start([s.adapter]);
    const id = await client.sunoMusic({ gpt_description_prompt: '写入失败 write failed 💾' });
    const record = await submitted(s, 'suno', 'song', id);
    expect(record.upstreamId).toBe(id);
    expect(s.poller.pending).toBe(1);
    for (let i = 0; i < 4; i++) await s.poller.tick();
    expect(s.adapter.withFiles('audio')).toHaveLength(2);
    expect(status(s).text).toBe('✅ Suno · 2 clip(s) delivered');
    expect(s.poller.pending).toBe(0);
  });

  it('tells the chat a video was cut when the process streaming it is gone', async () => {
    const store = memoryStore();
    const first = setup(store);
    await first.poller.start([first.adapter]);
    const record = await submitted(first, 'video', 'video', 'vid-1');
    await first.poller.tick();
    expect(first.adapter.messages[0]!.text).toBe('✅ accepted'); // its process is alive: left alone
    await first.poller.stop();
    // The process died; its heartbeat lapses.
    await store.namespace('instances').delete(record.owner!);
    const second = using_(setup(store, first.adapter));
    await second.poller.start([first.adapter]);
    await second.poller.tick();
    expect(first.adapter.messages[0]!.text).toBe(
      '❌ The bot restarted while this video was generating; please send it again.',
    );
    expect(second.poller.pending).toBe(0);
  });

  it('keeps every one of many concurrent submits from two task systems on one store', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'poller-')), 'bot.sqlite');
    const a = setup(sqliteStore(file));
    const b = setup(sqliteStore(file));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => submitted(i % 2 ? a : b, 'suno', 'song', `并发-${i}-🎵`)),
    );
    const third = using_(setup(sqliteStore(file)));
    await third.poller.start([third.adapter]);
    expect(third.poller.pending).toBe(20);
    await a.store.close();
    await b.store.close();
    await third.poller.stop();
    await third.store.close();
  });
});
