import { describe, expect, it } from 'vitest';
import { claudeWithTools } from '../../../src/conversations/tool-loop.js';
import type { ClaudeRequest, StreamEvent } from '../../../src/core/apicore.js';
import type { AnswerPiece, CommandContext } from '../../../src/core/command.js';
import { BotError } from '../../../src/errors.js';

type Round = StreamEvent[] | Error;

/** A context whose APICore answers Claude rounds from a script and records each request. */
function context(rounds: Round[]) {
  const sent: ClaudeRequest[] = [];
  const ctx = {
    lang: 'zh',
    signal: new AbortController().signal,
    log: { info() {}, warn() {}, debug() {} },
    usage: { toolTasksPerAnswer: 3 },
    apicore: {
      claudeStream(req: ClaudeRequest): AsyncIterable<StreamEvent> {
        sent.push(structuredClone(req));
        const round = rounds.shift() ?? [{ type: 'text', text: 'done' }];
        return (async function* () {
          if (round instanceof Error) throw round;
          yield* round;
        })();
      },
    },
  } as unknown as CommandContext<unknown>;
  return { ctx, sent };
}

const call = (id: string, timezone: string): StreamEvent => ({
  type: 'tool_call',
  call: { id, type: 'function', function: { name: 'current_time', arguments: JSON.stringify({ timezone }) } },
});

async function run(gen: AsyncGenerator<AnswerPiece>) {
  const out = { text: '', status: '' };
  for await (const p of gen) {
    if (p.type === 'text') out.text += p.text;
    if (p.type === 'status') out.status = p.text;
  }
  return out;
}

const base: ClaudeRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  system: '简短 🙂',
  messages: [{ role: 'user', content: '几点了? what time 🕐' }],
};

describe('the tool loop on the Claude route', () => {
  it('answers tool_use with tool_result, folds repeated status lines, and forbids calls in the last round', async () => {
    const { ctx, sent } = context([
      [{ type: 'text', text: '我查一下 ' }, call('toolu_1', 'Asia/Shanghai')],
      [call('toolu_2', 'Europe/Paris')],
      [call('toolu_3', 'UTC')],
      [{ type: 'text', text: '上海 🕐 Paris 🗼' }],
    ]);
    const out = await run(claudeWithTools(ctx, base, undefined));
    expect(out.text).toBe('我查一下 \n\n上海 🕐 Paris 🗼');
    expect(out.status).toBe('🔧 current_time ×3');
    expect(sent).toHaveLength(4);
    for (const r of sent) {
      expect(r.tools?.map((t) => t.name)).toEqual(['make_image', 'write_song', 'current_time']);
      expect(r.system).toBe('简短 🙂');
    }
    expect(sent.slice(0, 3).every((r) => r.tool_choice === undefined)).toBe(true);
    expect(sent[3]!.tool_choice).toEqual({ type: 'none' });
    const last = sent[3]!.messages;
    expect(last[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: '我查一下 ' },
        { type: 'tool_use', id: 'toolu_1', name: 'current_time', input: { timezone: 'Asia/Shanghai' } },
      ],
    });
    expect(last[2]).toMatchObject({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: expect.stringContaining('Asia/Shanghai') },
      ],
    });
    expect(last.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    // The caller's request is not changed.
    expect(base.messages).toHaveLength(1);
  });

  it('asks again without tools when Claude refuses them, and offers none to a thinking model', async () => {
    const refused = new BotError('bad_request', 'tools not supported');
    const { ctx, sent } = context([refused, [{ type: 'text', text: 'ok 好' }]]);
    expect((await run(claudeWithTools(ctx, base, undefined))).text).toBe('ok 好');
    expect(sent.map((r) => r.tools === undefined)).toEqual([false, true]);

    const thinking = context([[{ type: 'text', text: 'hmm 嗯' }]]);
    const request = { ...base, thinking: { type: 'enabled' as const, budget_tokens: 4096 } };
    await run(claudeWithTools(thinking.ctx, request, undefined));
    expect(thinking.sent[0]!.tools).toBeUndefined();
  });
});
