import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REASONING_RESERVE_TOKENS } from '../../src/conversations/request/params.js';
import { chatChunks, FakeApiCore } from '../fakes/apicore.js';
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
  fake.unexpected.length = 0;
});

type Json = Record<string, unknown>;
const bodies = (path: string) => fake.requestsTo('POST', path).map((r) => r.json as Json);
const FAST = { TASK_POLL_INTERVAL_MS: '100' };

/** The gateway's model list, with the families these tests use (answered once per app: it is cached). */
function listModels(...ids: string[]): void {
  fake.enqueue('GET /v1/models', {
    kind: 'json',
    body: { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'x' })) },
  });
}

const MID_TEXT =
  'R1 puts its reasoning in a `<think>` block… 中文 🎉 Then `</think>` closes it; <think>this</think> is text too.';

describe('<think> is reasoning only at the very start, and only for models that emit it', () => {
  it('prints a mid-text <think> verbatim and keeps it in history', async () => {
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(MID_TEXT, { model: 'deepseek-r1', pieces: 17 }),
      chunkBytes: 5,
    });
    const run = await runConsole(fake, ['/chat Where does R1 think? 思考在哪 🤔', 'and then? 然后呢'], {
      env: { DEFAULT_MODEL: 'deepseek-r1' },
    });
    expect(run.output).toBe(`${MID_TEXT}\nEcho: and then? 然后呢\n`);
    const second = bodies('/v1/chat/completions')[1]!;
    expect(second.messages).toEqual([
      { role: 'user', content: 'Where does R1 think? 思考在哪 🤔' },
      { role: 'assistant', content: MID_TEXT },
      { role: 'user', content: 'and then? 然后呢' },
    ]);
    expect(fake.unexpected).toEqual([]);
  });

  it('shows a leading <think> span of deepseek-r1 as reasoning, but as text for gpt-4o-mini', async () => {
    const content = '<think>\n用户在问 2+2 🤔\n</think>\n\n2 + 2 = 4 ✅';
    fake.enqueue(
      'POST /v1/chat/completions',
      { kind: 'sse', events: chatChunks(content, { pieces: 9 }) },
      { kind: 'sse', events: chatChunks(content, { pieces: 9 }) },
    );
    const r1 = await runConsole(fake, ['2+2?'], { env: { DEFAULT_MODEL: 'deepseek-r1' } });
    expect(r1.output).toBe('> 💭 用户在问 2+2 🤔\n\n2 + 2 = 4 ✅\n');
    const mini = await runConsole(fake, ['2+2?']);
    expect(mini.output).toBe(`${content}\n`);
  });
});

describe('reasoning_effort, verbosity and max_tokens per chat', () => {
  it('sends effort, verbosity and max_completion_tokens to gpt-5, and only max_tokens to gpt-4o-mini', async () => {
    listModels('gpt-4o-mini', 'gpt-5', 'o3');
    const run = await runConsole(fake, [
      '/model gpt-5 effort:high verbosity:low max_tokens:1500',
      '/chat 用一句话解释熵 entropy ✨',
      '/model gpt-4o-mini',
      '/chat 再说一遍 again 🔁',
    ]);
    expect(run.output).toContain(
      '✅ Model set to gpt-5\n📏 max_tokens: 1500\n🧠 reasoning_effort: high\n🗣️ verbosity: low\n',
    );
    expect(run.output).toContain(
      '✅ Model set to gpt-4o-mini\n🧠 reasoning_effort: high (not sent: gpt-4o-mini does not take it)\n' +
        '🗣️ verbosity: low (not sent: gpt-4o-mini does not take it)\n',
    );
    expect(run.output).toContain('Echo: 用一句话解释熵 entropy ✨\n');
    const [gpt5, mini] = bodies('/v1/chat/completions');
    expect(gpt5).toMatchObject({
      model: 'gpt-5',
      reasoning_effort: 'high',
      verbosity: 'low',
      max_completion_tokens: 1500 + REASONING_RESERVE_TOKENS,
    });
    expect(gpt5).not.toHaveProperty('max_tokens');
    expect(gpt5).not.toHaveProperty('temperature');
    expect(mini).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1500 });
    for (const key of ['reasoning_effort', 'verbosity', 'max_completion_tokens', 'temperature'])
      expect(mini).not.toHaveProperty(key);
    expect(fake.unexpected).toEqual([]);
  });

  it('sends o3 max_completion_tokens from DEFAULT_MAX_TOKENS, and nothing when it is 0', async () => {
    await runConsole(fake, ['/chat o3 你好 👋'], {
      env: { DEFAULT_MODEL: 'o3', DEFAULT_MAX_TOKENS: '2048' },
    });
    await runConsole(fake, ['/chat mini 你好 👋'], { env: { DEFAULT_MAX_TOKENS: '0' } });
    const [o3, mini] = bodies('/v1/chat/completions');
    expect(o3).toMatchObject({ model: 'o3', max_completion_tokens: 2048 + REASONING_RESERVE_TOKENS });
    expect(o3).not.toHaveProperty('max_tokens');
    expect(o3).not.toHaveProperty('reasoning_effort');
    for (const key of ['max_tokens', 'max_completion_tokens']) expect(mini).not.toHaveProperty(key);
  });

  it('says so when an answer stops at its max_tokens, in the user’s language', async () => {
    const events = chatChunks('Part one 第一部分 📖', { pieces: 4 });
    for (const e of events) {
      const choice = (e.data as { choices: { finish_reason: string | null }[] }).choices[0];
      if (choice?.finish_reason === 'stop') choice.finish_reason = 'length';
    }
    fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events });
    const run = await runConsole(fake, ['/model max_tokens:800', '写一本书 a book 📚'], {
      locale: 'zh_CN.UTF-8',
    });
    expect(run.output).toContain(
      'Part one 第一部分 📖\n✂️ 回答已达到长度上限（max_tokens 800）。发送“继续”获取后续内容，或用 /model max_tokens:<数字> 调高上限。\n',
    );
    expect(bodies('/v1/chat/completions')[0]).toMatchObject({ max_tokens: 800 });
  });

  it('refuses a bad value in the user’s language and changes nothing', async () => {
    const run = await runConsole(fake, ['/model effort:extreme', '/model max_tokens:999999', '/model'], {
      locale: 'zh_CN.UTF-8',
    });
    expect(run.output).toBe(
      [
        '“extreme” 不是有效的 reasoning_effort：可用 minimal, low, medium, high, default。',
        '“999999” 不是有效的 max_tokens：可用 0–200000 (0: the model’s own), default。',
        '🤖 本聊天当前模型：gpt-4o-mini',
        '',
      ].join('\n'),
    );
  });
});

describe('o3-pro through the Responses API', () => {
  it('shows a thinking line while it waits, then the answer; system prompt as instructions', async () => {
    const hold = fake.holdRequests('/v1/responses');
    const running = runConsole(
      fake,
      ['/system 用中文简短回答 🙂', '/model effort:high max_tokens:3000', '/chat 宇宙有多大? How big 🌌'],
      { env: { DEFAULT_MODEL: 'o3-pro' }, tty: true },
    );
    const start = Date.now();
    while (hold.held() === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    // Long enough for the terminal to draw the status line (its edits are 80 ms apart).
    await new Promise((r) => setTimeout(r, 300));
    hold.release();
    const run = await running;
    expect(run.output).toContain('🤔 o3-pro is thinking (can take minutes)…');
    expect(run.output).toMatch(/> 💭 Thought 思考 🤔\n\nEcho: 宇宙有多大\? How big 🌌\n$/);
    const [request] = bodies('/v1/responses');
    expect(request).toEqual({
      model: 'o3-pro',
      input: [{ role: 'user', content: '宇宙有多大? How big 🌌' }],
      instructions: '用中文简短回答 🙂',
      reasoning: { effort: 'high' },
      max_output_tokens: 3000 + REASONING_RESERVE_TOKENS,
      stream: false,
    });
    expect(bodies('/v1/chat/completions')).toHaveLength(0);
    expect(fake.unexpected).toEqual([]);
  });

  it('says it in Chinese too', async () => {
    const hold = fake.holdRequests('/v1/responses');
    const running = runConsole(fake, ['你好 🌏'], {
      env: { DEFAULT_MODEL: 'o3-pro' },
      tty: true,
      locale: 'zh_CN.UTF-8',
    });
    const start = Date.now();
    while (hold.held() === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    hold.release();
    const run = await running;
    expect(run.output).toContain('🤔 o3-pro 正在思考（可能需要几分钟）…');
    expect(run.output).toContain('Echo: 你好 🌏\n');
  });
});

describe('GPTs', () => {
  it('accepts a gpt-4-gizmo id the model list does not name, and lists GPTs as a group', async () => {
    listModels('gpt-4o-mini', 'gpt-4-gizmo-g-2fkFE8rbu', 'claude-sonnet-4-5');
    const run = await runConsole(fake, [
      '/models',
      '/model gpt-4-gizmo-g-bo0FiWLY7',
      '/chat 你是哪个 GPT? which GPT 🤖',
    ]);
    expect(run.output).toContain('**GPTs**\n`gpt-4-gizmo-g-2fkFE8rbu`\n');
    expect(run.output).toContain('/model gpt-4-gizmo-g-<id>');
    expect(run.output).toContain('✅ Model set to gpt-4-gizmo-g-bo0FiWLY7\n');
    expect(run.output).toContain('Echo: 你是哪个 GPT? which GPT 🤖\n');
    const [chat] = bodies('/v1/chat/completions');
    expect(chat).toMatchObject({ model: 'gpt-4-gizmo-g-bo0FiWLY7' });
    expect(chat).not.toHaveProperty('tools');
  });
});

describe('tools on the Claude route', () => {
  it('runs a tool_use call, sends its tool_result back and shows the answer under the status line', async () => {
    const run = await runConsole(
      fake,
      [
        '/system Answer briefly 简短',
        '/model claude-sonnet-4-5',
        '画一只雪中的狐狸 a fox in snow 🦊 [tool:make_image]',
      ],
      { env: FAST },
    );
    const [first, second] = bodies('/v1/messages');
    expect(first).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Answer briefly 简短',
    });
    const tools = first!.tools as { name: string; input_schema: Json }[];
    expect(tools.map((t) => t.name)).toContain('make_image');
    expect(tools[0]!.input_schema).toMatchObject({ type: 'object' });
    const messages = second!.messages as { role: string; content: Json[] }[];
    const call = messages[1]!.content[0]!;
    expect(messages[1]!.role).toBe('assistant');
    expect(call).toMatchObject({
      type: 'tool_use',
      name: 'make_image',
      input: { prompt: '画一只雪中的狐狸 a fox in snow 🦊' },
    });
    expect(messages[2]).toMatchObject({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id }],
    });
    expect(String(messages[2]!.content[0]!.content)).toMatch(/^submitted Midjourney task /);
    expect(fake.requestsTo('POST', '/mj/submit/imagine')[0]?.json).toMatchObject({
      prompt: '画一只雪中的狐狸 a fox in snow 🦊',
    });
    expect(run.output).toContain('🔧 make_image\n\nTool result: submitted Midjourney task ');
    expect(fake.unexpected).toEqual([]);
  });
});
