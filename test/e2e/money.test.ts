import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { M } from '../../src/router/messages.js';
import { chatChunks, FakeApiCore, mjError } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';
import { startGuildApp } from '../helpers/discord-app.js';

/**
 * Every Midjourney/Suno task costs the user money: tool calls pay the daily task quota and the
 * rate limit like commands, one answer starts a bounded number of tasks, and a paid button
 * pressed twice starts one task.
 */

let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.unexpected.length = 0;
});

const FAST = { TASK_POLL_INTERVAL_MS: '100' };

type Call = { id: string; name: string; arguments: string };
type ChatBody = {
  tools?: { function: { name: string } }[];
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
};

/** One model round that asks for these tool calls. */
function toolRound(calls: Call[]): void {
  fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks('', { toolCalls: calls }) });
}

function finalAnswer(text: string): void {
  fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks(text) });
}

const images = (from: number, n: number, prompt = '一只猫 a cat 🐱'): Call[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `call_${from + i}`,
    name: 'make_image',
    arguments: JSON.stringify({ prompt: `${prompt} #${from + i}` }),
  }));

const chats = () => fake.requestsTo('POST', '/v1/chat/completions').map((r) => r.json as ChatBody);

/** What the model read back for its tool calls in a request, in order. */
const toolResults = (body: ChatBody | undefined) =>
  (body?.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content));

/** The rate tests count requests per wall-clock minute: start them away from a minute's edge. */
async function awayFromMinuteEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
}

describe('tool calls pay the daily task quota and the rate limit', () => {
  it('with DAILY_TASK_QUOTA=1, a model asking for 8 images a round starts exactly one', async () => {
    toolRound(images(1, 8));
    toolRound(images(9, 8));
    toolRound(images(17, 8));
    finalAnswer('Only one image could start 🐱 今天的额度用完了。');
    const run = await runConsole(
      fake,
      ['/model gpt-4o', 'Draw 24 cats 画二十四只猫 🐱🐱', '/imagine 一只狗 a dog 🐶'],
      { env: { ...FAST, DAILY_TASK_QUOTA: '1', MAX_TOOL_TASKS_PER_ANSWER: '20' } },
    );
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(1);
    expect(fake.requestsTo('POST', '/mj/submit/imagine')[0]!.json).toEqual({ prompt: '一只猫 a cat 🐱 #1' });
    const bodies = chats();
    const first = toolResults(bodies[1]);
    expect(first).toHaveLength(8);
    expect(first[0]).toMatch(/^submitted Midjourney task /);
    for (const result of [...first.slice(1), ...toolResults(bodies[3]).slice(8)]) {
      expect(result).toMatch(/^refused: the user's daily quota of media tasks is used up \(1 of 1 today\)/);
      expect(result).toContain('Do not call make_image, write_song or describe_image again');
    }
    expect(run.output).toContain(
      '🔧 make_image\n🚫 make_image ×23: You have used today’s allowance of media tasks (1 of 1). It resets at midnight UTC.',
    );
    expect(run.output).toContain('Only one image could start 🐱 今天的额度用完了。');
    // The tool's task counted: the user's own /imagine is refused, before anything goes upstream.
    expect(run.output).toContain(
      'You have used today’s allowance of media tasks (1 of 1). It resets at midnight UTC.\n',
    );
    expect(run.output.match(/✅ Midjourney · done/g)).toHaveLength(1);
    expect(fake.unexpected).toEqual([]);
  });

  it('a task a tool call starts takes a rate-limit request; the refusal is in the user’s language', async () => {
    await awayFromMinuteEdge();
    toolRound([
      {
        id: 'call_a',
        name: 'write_song',
        arguments: '{"prompt":"春天 spring 🌸","tags":"城市流行 city pop"}',
      },
      { id: 'call_b', name: 'make_image', arguments: '{"prompt":"樱花 cherry blossoms 🌸"}' },
    ]);
    finalAnswer('歌已经在写了 🎶 but the image must wait.');
    // /model, the message and the song: three requests; the image would be the fourth.
    const run = await runConsole(fake, ['/model gpt-4o', '写一首春天的歌，再画一张图 🌸'], {
      env: { ...FAST, RATE_LIMIT_PER_MINUTE: '3' },
      locale: 'zh_CN.UTF-8',
    });
    expect(fake.requestsTo('POST', '/suno/submit/music')).toHaveLength(1);
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(0);
    const [song, image] = toolResults(chats()[1]);
    expect(song).toMatch(/^submitted Suno task /);
    expect(image).toMatch(/^refused: the user is over the rate limit \(3 requests a minute\)/);
    expect(run.output).toContain('🔧 write_song\n🚫 make_image: 请求太频繁（每分钟最多 3 次），请稍等片刻。');
    expect(run.output).toContain('歌已经在写了 🎶 but the image must wait.');
  });

  it('a command’s own task pays the rate limit once, at the router', async () => {
    await awayFromMinuteEdge();
    const run = await runConsole(fake, ['/imagine 一只狗 a dog 🐶'], {
      env: { ...FAST, RATE_LIMIT_PER_MINUTE: '1' },
    });
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(1);
    expect(run.output).toContain('✅ Midjourney · done');
    expect(run.output).not.toContain('too fast');
  });

  it('a submit the upstream refuses gives its task back', async () => {
    fake.enqueue('POST /mj/submit/imagine', mjError(200, 24, 'banned prompt 禁用词 🚫'));
    const run = await runConsole(fake, ['/imagine 禁止的 forbidden 🚫', '/imagine 一只狗 a dog 🐶'], {
      env: { ...FAST, DAILY_TASK_QUOTA: '1' },
    });
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(2);
    expect(run.output).toContain('✅ Midjourney · done');
    expect(run.output).not.toContain('allowance of media tasks');
  });

  it('admins are not held to the quota or the rate limit', async () => {
    await awayFromMinuteEdge();
    toolRound(images(1, 2, '管理员 admin 👑'));
    finalAnswer('Both started 👑 两张都开始了。');
    await runConsole(fake, ['/model gpt-4o', 'two crowns 两顶王冠'], {
      env: { ...FAST, ADMIN_USERS: 'console:local', DAILY_TASK_QUOTA: '1', RATE_LIMIT_PER_MINUTE: '1' },
    });
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(2);
  });
});

describe('MAX_TOOL_TASKS_PER_ANSWER', () => {
  it('12 tool calls in one answer start 3 tasks; the model and the user are told why the rest did not', async () => {
    toolRound(images(1, 12));
    finalAnswer('Three cats are on their way 🐱🐱🐱 其余的没有开始。');
    const run = await runConsole(fake, ['/model gpt-4o', 'Twelve cats 十二只猫 🐱'], { env: FAST });
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(3);
    const second = chats()[1]!;
    // At most 8 calls are run from one round; the rest are left out of the exchange.
    expect(second.messages.find((m) => m.role === 'assistant')?.tool_calls).toHaveLength(8);
    const results = toolResults(second);
    expect(results).toHaveLength(8);
    for (const r of results.slice(0, 3)) expect(r).toMatch(/^submitted Midjourney task /);
    for (const r of results.slice(3)) {
      expect(r).toMatch(/^not started: at most 3 media tasks \(make_image, write_song, describe_image\)/);
    }
    expect(run.output).toContain(
      '🔧 make_image ×3\n🚫 make_image ×5: Not started: at most 3 media tasks per answer.\n\nThree cats are on their way 🐱🐱🐱 其余的没有开始。',
    );
    expect(run.output.match(/✅ Midjourney · done/g)).toHaveLength(3);
  });

  it('counts across every round of the tool loop; free tools do not count', async () => {
    toolRound([...images(1, 2, '晨 morning ☀️'), { id: 'call_t', name: 'current_time', arguments: '{}' }]);
    toolRound([
      { id: 'call_s1', name: 'write_song', arguments: '{"prompt":"早安 good morning ☀️"}' },
      { id: 'call_s2', name: 'write_song', arguments: '{"prompt":"晚安 good night 🌙"}' },
    ]);
    toolRound(images(3, 2, '夜 night 🌙'));
    finalAnswer('完成 ✅');
    const run = await runConsole(fake, ['/model gpt-4o', 'A day in pictures and songs 一天 ☀️🌙'], {
      env: FAST,
      locale: 'zh_CN.UTF-8',
    });
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(2);
    expect(fake.requestsTo('POST', '/suno/submit/music')).toHaveLength(1);
    // The images of round 1, the time, the songs of round 2, the images of round 3.
    const results = toolResults(chats()[3]);
    expect(results).toHaveLength(7);
    expect(results.slice(0, 4)).toEqual([
      expect.stringMatching(/^submitted Midjourney task /),
      expect.stringMatching(/^submitted Midjourney task /),
      expect.stringMatching(/\(server time\); UTC /),
      expect.stringMatching(/^submitted Suno task /),
    ]);
    for (const r of results.slice(4)) expect(r).toMatch(/^not started: at most 3 media tasks/);
    expect(run.output).toContain(
      [
        '🔧 make_image ×2',
        '🔧 current_time',
        '🔧 write_song',
        '🚫 write_song: 未启动：每次回答最多启动 3 个媒体任务。',
        '🚫 make_image ×2: 未启动：每次回答最多启动 3 个媒体任务。',
        '',
        '完成 ✅',
      ].join('\n'),
    );
  });

  it('0 offers the model no media tools at all', async () => {
    await runConsole(fake, ['/model gpt-4o', 'What time is it? 几点了？⏰'], {
      env: { MAX_TOOL_TASKS_PER_ANSWER: '0' },
    });
    expect(chats()[0]!.tools?.map((t) => t.function.name)).toEqual(['current_time']);
  });
});

describe('a paid button pressed twice starts one task', () => {
  it('a double tap on U1 in the console runs one upscale', async () => {
    const run = await runConsole(
      fake,
      ['/imagine 一只猫 a cat 🐱 --ar 1:1', { after: /\[U1\]/ }, '[U1]', '[U1]'],
      { env: FAST },
    );
    expect(fake.requestsTo('POST', '/mj/submit/action')).toHaveLength(1);
    expect(run.output).toContain(`${M.alreadyStarted.en}\n`);
  });

  it('two members pressing U1 at once on Discord make one upstream action; the second sees why', async () => {
    setGlobalDispatcher(new Agent());
    const channel = '1300000000000000031';
    const app = await startGuildApp(fake, { money: channel });
    try {
      const { discord } = app;
      discord.slashCommand({
        name: 'imagine',
        options: { prompt: '两只猫 two cats 🐱🐱' },
        channelId: channel,
      });
      const grid = await discord.waitFor(
        (d) => d.channelMessages(channel).find((m) => m.attachments.length > 0),
        15_000,
      );
      const u1 = (grid.components as { components: { label: string; custom_id: string }[] }[])[0]!
        .components[0]!;
      expect(u1.label).toBe('U1');
      const presses = [
        discord.pressButton({
          messageId: grid.id,
          customId: u1.custom_id,
          user: { id: '501', username: 'amy' },
        }),
        discord.pressButton({
          messageId: grid.id,
          customId: u1.custom_id,
          user: { id: '502', username: 'bo' },
          locale: 'zh-CN',
        }),
      ];
      // The winner's press shows the upscale's status; the loser is told, to them alone (an ephemeral
      // follow-up, the public "thinking…" deleted), that the press already started it.
      const alone = (d: typeof discord, id: string) =>
        d.interaction(id).followUps.find((m) => (m.flags & 64) !== 0)?.content;
      const texts = await discord.waitFor((d) => {
        const t = presses.map((p) => alone(d, p.id));
        const won = presses.some((p) => d.interaction(p.id).original?.content?.startsWith('✅ Midjourney'));
        return won && t.some((x) => x !== undefined) && t;
      }, 15_000);
      expect(fake.requestsTo('POST', '/mj/submit/action')).toHaveLength(1);
      const told = texts.filter((x) => x === M.alreadyStarted.en || x === M.alreadyStarted.zh);
      expect(told).toHaveLength(1);
      const loser = texts.findIndex((x) => x !== undefined);
      expect(texts[loser]).toBe(loser === 0 ? M.alreadyStarted.en : M.alreadyStarted.zh);
      expect(discord.interaction(presses[loser]!.id).original?.deleted).toBe(true);
    } finally {
      await app.stop();
    }
  });
});
