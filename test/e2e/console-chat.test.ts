import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chatChunks,
  claudeEvents,
  FAKE_API_KEY,
  FakeApiCore,
  openAiError,
  TINY_PNG,
} from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';

let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

type ChatBody = { model: string; stream: boolean; messages: { role: string; content: unknown }[] };
const chatBodies = () => fake.requestsTo('POST', '/v1/chat/completions').map((r) => r.json as ChatBody);

describe('console platform, end to end against the fake APICore', () => {
  it('streams a /chat answer and prints exactly the final text', async () => {
    const answer = '你好！Hello 👋 这是流式回答 🌏👨‍👩‍👧, streamed.';
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(answer, { pieces: 12 }),
      chunkBytes: 7,
    });
    const run = await runConsole(fake, ['/chat 你好 🌏']);
    expect(run.output).toBe(`${answer}\n`);
    const [request] = fake.requestsTo('POST', '/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${FAKE_API_KEY}`);
    expect(chatBodies()[0]).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: '你好 🌏' }],
    });
    expect(fake.unexpected).toEqual([]);
  });

  it('treats plain text as chat and carries the first exchange into the second request', async () => {
    const run = await runConsole(fake, ['What is 2+2? 二加二', '/chat and doubled? 再乘二']);
    expect(run.output).toBe('Echo: What is 2+2? 二加二\nEcho: and doubled? 再乘二\n');
    const second = chatBodies()[1]!;
    expect(second.messages).toEqual([
      { role: 'user', content: 'What is 2+2? 二加二' },
      { role: 'assistant', content: 'Echo: What is 2+2? 二加二' },
      { role: 'user', content: 'and doubled? 再乘二' },
    ]);
  });

  it('/new forgets the conversation', async () => {
    const run = await runConsole(fake, ['first 第一', '/new', 'second 第二']);
    expect(run.output).toContain('New conversation started');
    expect(chatBodies()[1]!.messages).toEqual([{ role: 'user', content: 'second 第二' }]);
  });

  it('routes a Claude model to /v1/messages and shows its thinking apart from the answer', async () => {
    fake.enqueue('POST /v1/messages', {
      kind: 'sse',
      done: false,
      events: claudeEvents({
        text: 'Paris 巴黎 🇫🇷',
        thinking: 'The capital of France… 法国首都',
        model: 'claude-sonnet-4-5',
      }),
    });
    const run = await runConsole(fake, ['/model claude-sonnet-4-5', '/chat Capital of France? 法国首都？']);
    expect(run.output).toContain('✅ Model set to claude-sonnet-4-5');
    expect(run.output).toContain('> 💭 The capital of France… 法国首都\n\nParis 巴黎 🇫🇷\n');
    const [request] = fake.requestsTo('POST', '/v1/messages');
    expect(request?.json).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: 'Capital of France? 法国首都？' }],
    });
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });

  it('shows a clear message for an upstream 500 and answers the next request', async () => {
    fake.enqueue(
      'POST /v1/chat/completions',
      openAiError(500, 'upstream exploded', 'bad_response_status_code', 'upstream_error'),
    );
    const run = await runConsole(fake, ['/chat one', '/chat two'], { locale: 'zh_CN.UTF-8' });
    expect(run.output).toBe('⚠️ AI 服务出错（upstream exploded），请重试。\nEcho: two\n');
    // A chat request is never sent twice, even after a 500.
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(2);
    expect(run.logs.join('')).not.toContain(FAKE_API_KEY);
  });

  it('/usage shows the user’s own use and the key’s usage and limit', async () => {
    const run = await runConsole(fake, ['/chat count my tokens', '/usage']);
    expect(run.output).toMatch(
      /^Echo: count my tokens\n👤 Your use today\nTokens: \d+\nMedia tasks: 0\n\n📊 APICore key usage\nUsed: 12\.35\nLimit: 100\.00 · Remaining: 87\.66\n$/,
    );
    expect(Number(/Tokens: (\d+)/.exec(run.output)?.[1])).toBeGreaterThan(0);
    expect(fake.requestsTo('GET', '/v1/dashboard/billing/subscription')).toHaveLength(1);
  });

  it('sends a local image to a vision model as an image part', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-'));
    const photo = join(dir, 'photo.png');
    writeFileSync(photo, TINY_PNG);
    const run = await runConsole(fake, [`/chat what is this? 这是什么？ ${photo}`]);
    expect(run.output).toBe('Echo: what is this? 这是什么？\n');
    const content = chatBodies()[0]!.messages[0]!.content as { type: string; image_url?: { url: string } }[];
    expect(content[0]).toEqual({ type: 'text', text: 'what is this? 这是什么？' });
    const url = content[1]!.image_url!.url;
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(url.split(',')[1]!, 'base64').equals(Buffer.from(TINY_PNG))).toBe(true);
  });

  it('refuses bad input in the user’s language without calling upstream', async () => {
    const run = await runConsole(fake, ['/chat', '/model no such model!', '/nothing'], {
      locale: 'zh_CN.UTF-8',
    });
    expect(run.output).toBe(
      [
        '请输入要问的内容，例如：/chat 什么是黑洞？',
        '“no such model!” 不是有效的模型 ID。发送 /models 查看列表。',
        '未知命令 /nothing。发送 /help 查看可用命令。',
        '',
      ].join('\n'),
    );
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });
});
