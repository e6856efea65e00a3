import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { claudeRequest } from '../../../src/conversations/request/claude.js';
import {
  CLAUDE_MAX_TOKENS,
  CLAUDE_MIN_THINKING_BUDGET_TOKENS,
  chatParams,
  claudeLimits,
  isGizmoModel,
  REASONING_RESERVE_TOKENS,
  responsesParams,
  routeOf,
  takesReasoningEffort,
  takesTemperature,
  takesVerbosity,
  usesMaxCompletionTokens,
} from '../../../src/conversations/request/params.js';
import { responsesRequest } from '../../../src/conversations/request/responses.js';
import { toClaudeTools, toolSpecs } from '../../../src/conversations/tools.js';

const all = { maxTokens: 2000, reasoningEffort: 'high', verbosity: 'low' } as const;

describe('which endpoint answers a model', () => {
  it('sends o3-pro and the other Responses-only models to /v1/responses, Claude to /v1/messages', () => {
    expect(routeOf('o3-pro')).toBe('responses');
    expect(routeOf('o3-pro-2025-06-10')).toBe('responses');
    expect(routeOf('openai/o1-pro')).toBe('responses');
    expect(routeOf('gpt-5-pro')).toBe('responses');
    expect(routeOf('claude-sonnet-4-5')).toBe('claude');
    expect(routeOf('claude-3-7-sonnet-thinking')).toBe('claude');
    for (const m of ['o3', 'o3-mini', 'gpt-5', 'gpt-4o-mini', 'gpt-4-gizmo-g-bo0FiWLY7', 'deepseek-r1'])
      expect(routeOf(m), m).toBe('chat');
  });
});

describe('chat-completions parameters', () => {
  it('gives gpt-5 reasoning_effort, verbosity and max_completion_tokens with the reasoning reserve', () => {
    expect(chatParams('gpt-5', all)).toEqual({
      max_completion_tokens: 2000 + REASONING_RESERVE_TOKENS,
      reasoning_effort: 'high',
      verbosity: 'low',
    });
    expect(chatParams('gpt-5-mini', { reasoningEffort: 'minimal' })).toEqual({ reasoning_effort: 'minimal' });
  });

  it('gives o3 effort and max_completion_tokens but no verbosity; minimal becomes low', () => {
    expect(chatParams('o3', all)).toEqual({
      max_completion_tokens: 2000 + REASONING_RESERVE_TOKENS,
      reasoning_effort: 'high',
    });
    expect(chatParams('o4-mini', { reasoningEffort: 'minimal' })).toEqual({ reasoning_effort: 'low' });
    expect(chatParams('o1-mini', all)).toEqual({ max_completion_tokens: 2000 + REASONING_RESERVE_TOKENS });
  });

  it('gives gpt-4o-mini only max_tokens, and sends no cap at 0', () => {
    expect(chatParams('gpt-4o-mini', all)).toEqual({ max_tokens: 2000 });
    expect(chatParams('gpt-4o-mini', { ...all, maxTokens: 0 })).toEqual({});
    expect(chatParams('gpt-5', { maxTokens: 0 })).toEqual({});
    expect(chatParams('deepseek-r1', {})).toEqual({});
  });

  it('never sends temperature to the o-series or gpt-5 (gpt-5-chat takes it)', () => {
    expect(chatParams('gpt-4o', {}, 0.7)).toEqual({ temperature: 0.7 });
    expect(chatParams('gpt-5', {}, 0.7)).toEqual({});
    expect(chatParams('o3-mini', {}, 0.7)).toEqual({});
    expect(takesTemperature('gpt-5-chat-latest')).toBe(true);
    expect(takesReasoningEffort('gpt-5-chat-latest')).toBe(false);
    expect(takesVerbosity('gpt-5-chat-latest')).toBe(false);
    expect(usesMaxCompletionTokens('gpt-5-chat-latest')).toBe(true);
  });
});

describe('Responses-API parameters (o3-pro)', () => {
  it('puts the cap in max_output_tokens, effort in reasoning, the system prompt in instructions', () => {
    expect(responsesParams('o3-pro', all)).toEqual({
      max_output_tokens: 2000 + REASONING_RESERVE_TOKENS,
      reasoning: { effort: 'high' },
    });
    const request = responsesRequest(
      'o3-pro',
      '用中文回答 🙂',
      [
        { role: 'user', text: 'Hi 你好', author: 'Ann' },
        { role: 'assistant', text: 'Hello 👋' },
        { role: 'user', text: 'What is this? 这是什么', images: ['data:image/png;base64,AAAA'] },
      ],
      true,
      { maxTokens: 0, reasoningEffort: 'minimal' },
    );
    expect(request).toEqual({
      model: 'o3-pro',
      instructions: '用中文回答 🙂',
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'Ann: Hi 你好' },
        { role: 'assistant', content: 'Hello 👋' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this? 这是什么' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
          ],
        },
      ],
    });
  });
});

describe('Claude limits', () => {
  it('always sends max_tokens: the chat’s cap, else 8192', () => {
    expect(claudeLimits('claude-sonnet-4-5', { maxTokens: 1500 })).toEqual({ max_tokens: 1500 });
    expect(claudeLimits('claude-sonnet-4-5', { maxTokens: 0 })).toEqual({ max_tokens: CLAUDE_MAX_TOKENS });
    expect(claudeLimits('claude-sonnet-4-5', {})).toEqual({ max_tokens: CLAUDE_MAX_TOKENS });
  });

  it('puts a thinking budget of at least 1024, below max_tokens, on top of the cap', () => {
    for (const maxTokens of [1, 100, 1024, 4096, 0]) {
      const l = claudeLimits('claude-3-7-sonnet-thinking', { maxTokens });
      expect(l.thinking!.budget_tokens).toBeGreaterThanOrEqual(CLAUDE_MIN_THINKING_BUDGET_TOKENS);
      expect(l.thinking!.budget_tokens).toBeLessThan(l.max_tokens);
      expect(l.max_tokens - l.thinking!.budget_tokens).toBe(maxTokens || CLAUDE_MAX_TOKENS);
    }
  });

  it('builds the request with system, and never reasoning_effort or verbosity', () => {
    const r = claudeRequest(
      'claude-sonnet-4-5',
      [{ role: 'user', content: 'hi 你好' }],
      'Be brief 简洁',
      all,
    );
    expect(r).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 2000,
      system: 'Be brief 简洁',
      messages: [{ role: 'user', content: 'hi 你好' }],
    });
  });

  it('converts the tools to {name, description, input_schema}', () => {
    const tools = toClaudeTools(toolSpecs(false));
    expect(tools.map((t) => t.name)).toEqual(['make_image', 'write_song', 'current_time']);
    expect(tools[0]).toEqual({
      name: 'make_image',
      description: expect.stringContaining('Midjourney'),
      input_schema: { type: 'object', properties: expect.any(Object), required: ['prompt'] },
    });
  });
});

describe('GPTs ids', () => {
  it('matches gpt-4-gizmo-g-<id> only', () => {
    expect(isGizmoModel('gpt-4-gizmo-g-bo0FiWLY7')).toBe(true);
    expect(isGizmoModel('gpt-4-gizmo-g-2fkFE8rbu')).toBe(true);
    expect(isGizmoModel('gpt-4-gizmo')).toBe(false);
    expect(isGizmoModel('gpt-4-gizmo-g-')).toBe(false);
    expect(isGizmoModel('gpt-4-gizmo-g-a b')).toBe(false);
  });
});

describe('DEFAULT_MAX_TOKENS', () => {
  const load = (v?: string) =>
    loadConfig({ APICORE_API_KEY: 'sk-x', ...(v === undefined ? {} : { DEFAULT_MAX_TOKENS: v }) });

  it('defaults to 4096, takes 0–200000, and names itself when wrong', () => {
    expect(load().defaultMaxTokens).toBe(4096);
    expect(load('').defaultMaxTokens).toBe(4096);
    expect(load('0').defaultMaxTokens).toBe(0);
    expect(load('200000').defaultMaxTokens).toBe(200_000);
    for (const bad of ['-1', '200001', '1.5', 'lots'])
      expect(() => load(bad), bad).toThrow(
        /^DEFAULT_MAX_TOKENS is invalid: expected a whole number of tokens/,
      );
  });
});
