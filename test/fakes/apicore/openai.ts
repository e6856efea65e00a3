import { FAKE_MP3, fileFor } from './assets.js';
import { chatChunks, claudeEvents } from './builders.js';
import { claudeContentProblem, claudeReply } from './claude.js';
import { faultFor } from './faults.js';
import { chatImageAnswer } from './images.js';
import { firstProblem, isNonEmptyString, isObject, type JsonBody, json, type Route } from './route.js';

const MODELS: [string, string][] = [
  ['gpt-4o-mini', 'openai'],
  ['gpt-4o', 'openai'],
  ['claude-sonnet-4-5', 'anthropic'],
  ['deepseek-r1', 'deepseek'],
  ['gpt-image-1', 'openai'],
  ['dall-e-3', 'openai'],
  ['suno-v3.5', 'suno'],
  ['vidu-video', 'vidu'],
  ['whisper-1', 'openai'],
  ['tts-1', 'openai'],
];

const CREATED = 1767268800;

/** Text of the last user message; content may be a string or an array of parts. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  const last = [...messages].reverse().find((m) => isObject(m) && m.role === 'user');
  const content = isObject(last) ? last.content : undefined;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is { text: string } => isObject(p) && p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

const countTokens = (text: string): number => Math.max(1, Math.ceil(Array.from(text).length / 2));

const messagesProblem = (j: JsonBody) =>
  firstProblem(
    [Array.isArray(j.messages) && j.messages.length > 0, 'messages must be a non-empty array'],
    [
      Array.isArray(j.messages) && j.messages.every((m) => isObject(m) && typeof m.role === 'string'),
      'every message needs a string role',
    ],
  );

export const openAiRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/v1\/models$/,
    family: 'openai',
    body: 'none',
    handle: () =>
      json({
        object: 'list',
        data: MODELS.map(([id, owned_by]) => ({ id, object: 'model', created: CREATED, owned_by })),
      }),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/chat\/completions$/,
    family: 'openai',
    body: 'json',
    validate: (j) =>
      firstProblem([isNonEmptyString(j.model), 'model is required']) ??
      messagesProblem(j) ??
      firstProblem([j.stream === undefined || typeof j.stream === 'boolean', 'stream must be a boolean']),
    handle: (j, _rec, ctx) => {
      const model = String(j.model);
      const fault = faultFor('openai', model, j.stream === true);
      if (fault) return fault;
      const image = chatImageAnswer(j, ctx);
      if (image) return image;
      const text = `Echo: ${lastUserText(j.messages)}`;
      const usage = {
        prompt_tokens: countTokens(JSON.stringify(j.messages)),
        completion_tokens: countTokens(text),
      };
      if (j.stream === true) {
        const includeUsage = isObject(j.stream_options) && j.stream_options.include_usage === true;
        return { kind: 'sse', events: chatChunks(text, { model, ...(includeUsage ? { usage } : {}) }) };
      }
      return json({
        id: 'chatcmpl-fake-1',
        object: 'chat.completion',
        created: CREATED,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/messages$/,
    family: 'claude',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.model), 'model is required'],
        [typeof j.max_tokens === 'number', 'max_tokens is required (number)'],
      ) ??
      messagesProblem(j) ??
      claudeContentProblem(j),
    handle: (j) => {
      const model = String(j.model);
      const fault = faultFor('claude', model, j.stream === true);
      if (fault) return fault;
      const reply = claudeReply(j, lastUserText(j.messages));
      const text = 'text' in reply ? reply.text : '';
      const usage = {
        input_tokens: countTokens(JSON.stringify(j.messages)),
        output_tokens: countTokens('text' in reply ? text : JSON.stringify(reply.toolUse)),
      };
      const toolUse = 'toolUse' in reply ? { toolUse: reply.toolUse } : {};
      if (j.stream === true)
        return { kind: 'sse', events: claudeEvents({ text, model, usage, ...toolUse }), done: false };
      return json({
        id: 'msg_fake_1',
        type: 'message',
        role: 'assistant',
        content: 'toolUse' in reply ? [{ type: 'tool_use', ...reply.toolUse }] : [{ type: 'text', text }],
        model,
        stop_reason: 'toolUse' in reply ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage,
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/audio\/speech$/,
    family: 'openai',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.model), 'model is required'],
        [isNonEmptyString(j.input), 'input is required'],
        [isNonEmptyString(j.voice), 'voice is required'],
      ),
    handle: () => ({ kind: 'binary', contentType: 'audio/mpeg', body: FAKE_MP3 }),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/audio\/transcriptions$/,
    family: 'openai',
    body: 'multipart',
    validate: (_j, rec) => {
      const file = rec.parts?.find((p) => p.name === 'file');
      const model = rec.parts?.find((p) => p.name === 'model');
      return firstProblem(
        [file !== undefined && file.filename !== undefined && file.data.length > 0, 'file part is required'],
        [model !== undefined && model.data.length > 0, 'model part is required'],
      );
    },
    handle: (_j, rec) =>
      json({ text: `transcribed: ${rec.parts?.find((p) => p.name === 'file')?.filename}` }),
  },
  ...['/v1', ''].flatMap((prefix): Route[] => [
    {
      method: 'GET',
      pattern: new RegExp(`^${prefix}/dashboard/billing/subscription$`),
      family: 'openai',
      body: 'none',
      handle: () =>
        json({
          object: 'billing_subscription',
          has_payment_method: true,
          soft_limit_usd: 100,
          hard_limit_usd: 100,
          system_hard_limit_usd: 100,
          access_until: 0,
        }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${prefix}/dashboard/billing/usage$`),
      family: 'openai',
      body: 'none',
      handle: () => json({ object: 'list', total_usage: 1234.5 }),
    },
  ]),
  {
    method: 'GET',
    pattern: /^\/files\/([^/]+)$/,
    family: 'openai',
    body: 'none',
    public: true,
    validate: (_j, _rec, _ctx, [name]) =>
      firstProblem([
        fileFor(name ?? '') !== undefined,
        { message: `no such file: ${name}`, code: 'not_found', status: 404 },
      ]),
    handle: (_j, _rec, _ctx, [name]) => {
      const file = fileFor(name ?? '')!;
      return { kind: 'binary', contentType: file.contentType, body: file.body };
    },
  },
];
