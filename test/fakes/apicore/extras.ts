/**
 * Routes beyond chat: the Responses API (o3-pro), embeddings, and redirects for result downloads.
 *
 * - `POST /v1/responses` `{model, input, instructions?, reasoning?, max_output_tokens?}` (catalogue §6.4)
 *   → `{id, object:"response", status:"completed", output:[reasoning, message{output_text}], usage}`;
 *   the text is `Echo: <last input text>`.
 * - `POST /v1/embeddings` `{model, input (string|string[])}` → `{object:"list", data:[{object:"embedding",
 *   index, embedding}], model, usage}`; vectors are deterministic ({@link fakeEmbedding}).
 * - `GET /redirect/N/<file>` (public): 302 to `/redirect/N-1/<file>`, and at N = 1 to `/files/<file>`:
 *   N hops on this origin.
 * - `GET /redirect-to?url=<absolute url>` (public): one 302 to any address (e.g. a second fake, another origin).
 */
import { firstProblem, isNonEmptyString, isObject, type JsonBody, json, type Route } from './route.js';
import type { Scripted } from './types.js';

const CREATED = 1767268800;
export const EMBEDDING_DIMENSIONS = 8;

/** A deterministic unit vector for a text (code points hashed into a few buckets). */
export function fakeEmbedding(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const [i, ch] of Array.from(text).entries()) v[(ch.codePointAt(0)! + i) % dimensions]! += 1;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

function responsesInputProblem(input: unknown): string | undefined {
  if (isNonEmptyString(input)) return undefined;
  if (!Array.isArray(input) || input.length === 0) return 'input must be a string or a non-empty array';
  for (const item of input) {
    if (!isObject(item) || !['user', 'assistant', 'system', 'developer'].includes(String(item.role)))
      return 'input[].role must be user, assistant, system or developer';
    if (typeof item.content === 'string') continue;
    if (!Array.isArray(item.content)) return 'input[].content must be a string or parts';
    for (const part of item.content) {
      const ok =
        isObject(part) &&
        ((['input_text', 'output_text'].includes(String(part.type)) && typeof part.text === 'string') ||
          (part.type === 'input_image' && typeof part.image_url === 'string'));
      if (!ok) return 'input[].content[] must be input_text {text} or input_image {image_url}';
    }
  }
  return undefined;
}

function lastInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  const items = Array.isArray(input) ? input.filter(isObject) : [];
  const last = [...items].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (Array.isArray(last.content) ? last.content : [])
    .filter((p): p is { text: string } => isObject(p) && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

const tokens = (text: string): number => Math.max(1, Math.ceil(Array.from(text).length / 2));

const redirect = (location: string): Scripted => ({
  kind: 'json',
  status: 302,
  body: { redirect: location },
  headers: { location },
});

export const extraRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/responses$/,
    family: 'openai',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.model), 'model is required'],
        [j.stream === undefined || j.stream === false, 'this fake answers /v1/responses without streaming'],
        [
          j.max_output_tokens === undefined ||
            (Number.isInteger(j.max_output_tokens) && Number(j.max_output_tokens) > 0),
          'max_output_tokens must be a positive integer',
        ],
        [
          j.reasoning === undefined ||
            (isObject(j.reasoning) && ['low', 'medium', 'high'].includes(String(j.reasoning.effort))),
          'reasoning.effort must be low, medium or high',
        ],
        [j.instructions === undefined || typeof j.instructions === 'string', 'instructions must be a string'],
        // Chat-completions fields on the wrong endpoint are a client bug.
        [j.messages === undefined, 'messages is not a /v1/responses field (use input)'],
      ) ?? responsesInputProblem(j.input),
    handle: (j: JsonBody) => {
      const text = `Echo: ${lastInputText(j.input)}`;
      const input = tokens(JSON.stringify(j.input) + String(j.instructions ?? ''));
      const output = tokens(text);
      return json({
        id: 'resp_fake_1',
        object: 'response',
        created_at: CREATED,
        status: 'completed',
        model: String(j.model),
        output: [
          {
            id: 'rs_fake_1',
            type: 'reasoning',
            summary: [{ type: 'summary_text', text: 'Thought 思考 🤔' }],
          },
          {
            id: 'msg_fake_1',
            type: 'message',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ],
        usage: {
          input_tokens: input,
          output_tokens: output + 64,
          total_tokens: input + output + 64,
          output_tokens_details: { reasoning_tokens: 64 },
        },
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/embeddings$/,
    family: 'openai',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.model), 'model is required'],
        [
          typeof j.input === 'string' ||
            (Array.isArray(j.input) && j.input.length > 0 && j.input.every((x) => typeof x === 'string')),
          'input must be a string or a non-empty array of strings',
        ],
      ),
    handle: (j) => {
      const inputs = typeof j.input === 'string' ? [j.input] : (j.input as string[]);
      const dims = typeof j.dimensions === 'number' ? j.dimensions : EMBEDDING_DIMENSIONS;
      const used = inputs.reduce((n, s) => n + tokens(s), 0);
      return json({
        object: 'list',
        // Deliberately out of order: clients must sort by index.
        data: inputs
          .map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dims) }))
          .reverse(),
        model: String(j.model),
        usage: { prompt_tokens: used, total_tokens: used },
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/redirect\/(\d+)\/([^/]+)$/,
    family: 'openai',
    body: 'none',
    public: true,
    handle: (_j, _rec, ctx, [n, file]) =>
      redirect(Number(n) <= 1 ? `${ctx.url}/files/${file}` : `/redirect/${Number(n) - 1}/${file}`),
  },
  {
    method: 'GET',
    pattern: /^\/redirect-to$/,
    family: 'openai',
    body: 'none',
    public: true,
    validate: (_j, rec) =>
      firstProblem([/^https?:\/\//.test(rec.query.get('url') ?? ''), 'url query parameter is required']),
    handle: (_j, rec) => redirect(rec.query.get('url')!),
  },
];
