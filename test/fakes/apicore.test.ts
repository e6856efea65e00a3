import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chatChunks,
  claudeEvents,
  FAKE_API_KEY,
  FakeApiCore,
  MJ_TASK_KEYS,
  openAiError,
  type SseEvent,
} from './apicore.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected loosely in assertions
type Json = any;

let fake: FakeApiCore;

beforeEach(async () => {
  fake = await FakeApiCore.start();
});

afterEach(async () => {
  await fake.close();
});

const auth = { authorization: `Bearer ${FAKE_API_KEY}` };

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(fake.url + path, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function callJson(method: string, path: string, body?: unknown): Promise<[number, Json]> {
  const res = await call(method, path, body);
  return [res.status, await res.json()];
}

/** Read a body to the end (or until the connection dies), counting the reads. */
async function readAll(res: Response): Promise<{ text: string; reads: number; error?: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let reads = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads += 1;
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, reads, error };
  }
  return { text: text + decoder.decode(), reads };
}

/** `data:` payloads of an SSE text, in order. */
const sseData = (text: string): string[] =>
  text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) =>
      block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n'),
    );

const contentOf = (payloads: string[]): string =>
  payloads
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '')
    .join('');

describe('FakeApiCore', () => {
  it('refuses requests without the key, in the route family envelope, and records them', async () => {
    const noKey = await fetch(`${fake.url}/v1/models`);
    expect(noKey.status).toBe(401);
    const body = (await noKey.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid_api_key', type: 'new_api_error' });
    expect(body.error.message).toMatch(/^Invalid token \(request id: 2026\d+\)$/);

    const mj = await fetch(`${fake.url}/mj/task/1/fetch`, { headers: { authorization: 'Bearer sk-wrong' } });
    expect(mj.status).toBe(401);
    expect(await mj.json()).toMatchObject({ type: 'upstream_error', code: 4 });
    const suno = await fetch(`${fake.url}/suno/fetch/x`, { headers: { authorization: 'Bearer sk-wrong' } });
    expect(await suno.json()).toEqual({ code: 'invalid_api_key', message: 'Invalid token', data: null });

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/models',
      'GET /mj/task/1/fetch',
      'GET /suno/fetch/x',
    ]);
    // A missing header is a client bug; a wrong key is a user scenario.
    expect(fake.unexpected).toEqual(['GET /v1/models: missing or malformed credentials']);

    // x-api-key works for /v1/messages only; CDN files need no auth.
    const claude = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': FAKE_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(((await claude.json()) as { content: unknown }).content).toEqual([
      { type: 'text', text: 'Echo: hi' },
    ]);
    const png = await fetch(`${fake.url}/files/grid.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('records unknown routes and malformed bodies in `unexpected`', async () => {
    const [status, body] = await callJson('POST', '/v1/embeddingz', { model: 'x', input: 'y' });
    expect(status).toBe(404);
    expect(body.error.message).toContain('POST /v1/embeddingz');

    const broken = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid_request');

    const [noMessages] = await callJson('POST', '/v1/chat/completions', { model: 'gpt-4o', messages: [] });
    expect(noMessages).toBe(400);
    const [mjStatus, mjBody] = await callJson('POST', '/mj/submit/imagine', { prompt: '' });
    expect([mjStatus, mjBody]).toEqual([
      400,
      { description: 'prompt_is_required', type: 'upstream_error', code: 4 },
    ]);

    expect(fake.unexpected).toEqual([
      'POST /v1/embeddingz: unknown route',
      'POST /v1/chat/completions: invalid JSON body',
      'POST /v1/chat/completions: messages must be a non-empty array',
      'POST /mj/submit/imagine: prompt_is_required',
    ]);
    expect(fake.mjTasks.size).toBe(0);
  });

  it('streams the default chat echo with a usage chunk, and answers non-stream JSON', async () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '你好 👋' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
    ];
    const res = await call('POST', '/v1/chat/completions', {
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const data = sseData((await readAll(res)).text);
    expect(contentOf(data)).toBe('Echo: 你好 👋');
    expect(data.at(-1)).toBe('[DONE]');
    const usageChunk = JSON.parse(data.at(-2)!);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.total_tokens).toBeGreaterThan(0);

    const [, plain] = await callJson('POST', '/v1/chat/completions', { model: 'gpt-4o', messages });
    expect(plain.object).toBe('chat.completion');
    expect(plain.choices[0].message.content).toBe('Echo: 你好 👋');
  });

  it('delivers an SSE stream byte by byte that still reassembles to the exact text', async () => {
    const text = '雨落在窗台 🌧 rain 👩‍👩‍👧 on the window 😀';
    fake.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks(text), chunkBytes: 1 });
    const res = await call('POST', '/v1/chat/completions', {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const { text: wire, reads } = await readAll(res);
    expect(reads).toBeGreaterThan(1);
    expect(wire).not.toContain('\uFFFD');
    expect(contentOf(sseData(wire))).toBe(text);
  });

  it('cuts a stream after N events without [DONE]', async () => {
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('abcdefghijkl', { pieces: 4 }),
      cutAfterEvents: 3,
    });
    const res = await call('POST', '/v1/chat/completions', {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const { text, error } = await readAll(res);
    expect(error).toBeDefined(); // connection destroyed mid-body
    const data = sseData(text);
    expect(data).toHaveLength(3);
    expect(data).not.toContain('[DONE]');
    expect(contentOf(data)).toBe('abcdef');
  });

  it('advances an MJ task one stage per fetch / list-by-condition and supports upscale actions', async () => {
    const [, submit] = await callJson('POST', '/mj-fast/mj/submit/imagine', { prompt: 'a red fox 🦊' });
    expect(submit).toEqual({
      code: 1,
      description: 'Submit success',
      result: '1732400000001',
      properties: {},
    });
    const id = submit.result as string;

    const [, first] = await callJson('GET', `/mj/task/${id}/fetch`);
    expect(Object.keys(first)).toEqual([...MJ_TASK_KEYS]);
    expect(first).toMatchObject({
      status: 'SUBMITTED',
      progress: '0%',
      imageUrl: '',
      buttons: null,
      finishTime: 0,
    });

    const [, list] = await callJson('POST', '/mj/task/list-by-condition', { ids: [id, 'nope'] });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, status: 'IN_PROGRESS', progress: '50%' });

    const [, done] = await callJson('GET', `/mj/task/${id}/fetch`);
    expect(done).toMatchObject({
      status: 'SUCCESS',
      progress: '100%',
      imageUrl: `${fake.url}/files/grid.png`,
    });
    expect(done.finishTime).toBeGreaterThan(0);
    expect(done.buttons.map((b: { label: string; emoji: string }) => b.label || b.emoji)).toEqual([
      'U1',
      'U2',
      'U3',
      'U4',
      '🔄',
      'V1',
      'V2',
      'V3',
      'V4',
    ]);
    const [, again] = await callJson('GET', `/mj/task/${id}/fetch`);
    expect(again.status).toBe('SUCCESS');

    const u2 = done.buttons.find((b: { label: string }) => b.label === 'U2').customId as string;
    const [, up] = await callJson('POST', '/mj/submit/action', { customId: u2, taskId: id });
    fake.mjTasks.get(up.result)!.stage = 2; // jump straight to the last stage
    const [, upscaled] = await callJson('GET', `/mj/task/${up.result}/fetch`);
    expect(upscaled).toMatchObject({ action: 'UPSCALE', status: 'SUCCESS', prompt: 'a red fox 🦊' });
    expect(upscaled.buttons.some((b: { label: string }) => /^[UV]\d$/.test(b.label))).toBe(false);

    const [missing] = await callJson('GET', '/mj/task/999/fetch');
    expect(missing).toBe(404);
    expect(fake.unexpected).toEqual([]);
  });

  it('scripts MJ failures via mjStages and parses describe prompts', async () => {
    fake.mjStages.push([{ status: 'FAILURE', progress: '', failReason: 'banned prompt' }]);
    const [, failed] = await callJson('POST', '/mj/submit/imagine', { prompt: 'nope' });
    const [, task] = await callJson('GET', `/mj/task/${failed.result}/fetch`);
    expect(task).toMatchObject({ status: 'FAILURE', failReason: 'banned prompt', prompt: 'nope' });

    const [, desc] = await callJson('POST', '/mj/submit/describe', {
      base64: 'data:image/png;base64,iVBORw0K',
    });
    fake.mjTasks.get(desc.result)!.stage = 2;
    const [, described] = await callJson('GET', `/mj/task/${desc.result}/fetch`);
    expect(described.action).toBe('DESCRIBE');
    const prompts = (described.properties.finalPrompt as string).split('\n\n');
    expect(prompts.map((p) => p.slice(0, 3))).toEqual(['1️⃣', '2️⃣', '3️⃣', '4️⃣']);
    expect(described.promptEn).toBe(described.properties.finalPrompt);
  });

  it('runs a Suno music task to SUCCESS with two clips', async () => {
    const [, submit] = await callJson('POST', '/suno/submit/music', {
      gpt_description_prompt: 'rainy city',
      mv: 'chirp-v3-5',
    });
    expect(submit).toEqual({ code: 'success', message: '', data: 'suno-task-1' });
    const statuses: string[] = [];
    let last: Json;
    for (let i = 0; i < 3; i++) {
      const [, body] = await callJson('GET', '/suno/fetch/suno-task-1');
      statuses.push(body.data.status);
      last = body.data;
    }
    expect(statuses).toEqual(['SUBMITTED', 'IN_PROGRESS', 'SUCCESS']);
    expect(last).toMatchObject({ task_id: 'suno-task-1', action: 'MUSIC', progress: '100%' });
    expect(last.data).toHaveLength(2);
    expect(last.data[0]).toMatchObject({ status: 'complete', title: '雨中的城市 🌧' });
    expect(last.data[0].metadata.duration).toBe(123.4);
    const mp3 = await fetch(last.data[1].audio_url as string);
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');

    const [, batch] = await callJson('POST', '/suno/fetch', { ids: ['suno-task-1', 'ghost'] });
    expect(batch.data.map((t: { status: string }) => t.status)).toEqual(['SUCCESS']);
    const [status, missing] = await callJson('GET', '/suno/fetch/ghost');
    expect([status, missing.code]).toEqual([400, 'task_not_exist']);
    expect(fake.unexpected).toEqual([]);
  });

  it('parses a multipart transcription upload', async () => {
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([Buffer.from([1, 2, 3, 0, 255])], { type: 'audio/ogg' }), 'voice 🎤.ogg');
    const res = await fetch(`${fake.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    expect(await res.json()).toEqual({ text: 'transcribed: voice 🎤.ogg' });
    const [rec] = fake.requestsTo('POST', '/v1/audio/transcriptions');
    const file = rec?.parts?.find((p) => p.name === 'file');
    expect(file?.contentType).toBe('audio/ogg');
    expect([...(file?.data ?? [])]).toEqual([1, 2, 3, 0, 255]);
    expect(rec?.parts?.find((p) => p.name === 'model')?.data.toString()).toBe('whisper-1');

    const noModel = new FormData();
    noModel.append('file', new Blob(['x']), 'a.ogg');
    const bad = await fetch(`${fake.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: auth,
      body: noModel,
    });
    expect(bad.status).toBe(400);
    expect(fake.unexpected).toEqual(['POST /v1/audio/transcriptions: model part is required']);
  });

  it('serves queued responses FIFO (exact and prefix routes), then the default', async () => {
    fake.enqueue('GET /v1/models', openAiError(503, 'busy', 'channel:no_available_key'), {
      kind: 'json',
      body: { object: 'list', data: [] },
    });
    fake.enqueue('GET /mj/task/*', { kind: 'json', status: 500, body: { oops: true } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/v1/models')).status);
    expect(statuses).toEqual([503, 200, 200]);
    const [, models] = await callJson('GET', '/v1/models');
    expect(models.data.map((m: { id: string }) => m.id)).toContain('suno-v3.5');
    expect((await call('GET', '/mj/task/123/fetch')).status).toBe(500);
    expect(fake.remainingQueued()).toEqual([]);
    expect(fake.requestsTo('GET', '/v1/models')).toHaveLength(4);
  });

  it('keeps hanging requests open until close()', async () => {
    fake.enqueue('GET /v1/dashboard/billing/usage', { kind: 'hang' });
    const pending = call('GET', '/v1/dashboard/billing/usage');
    await expect.poll(() => fake.requests.length).toBe(1);
    await fake.close();
    await expect(pending).rejects.toThrow();
  });

  it('builds chat and Claude events without splitting surrogate pairs', () => {
    const events = chatChunks('😀😀😀😀', {
      pieces: 4,
      reasoning: '🤔',
      toolCalls: [{ id: 'call_1', name: 'draw', arguments: '{"q":"🦊"}', pieces: 3 }],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    });
    const data = events.map((e) => e.data as Json);
    expect(data.slice(2, 6).map((d) => d.choices[0].delta.content)).toEqual(['😀', '😀', '😀', '😀']);
    expect(data[1].choices[0].delta.reasoning_content).toBe('🤔');
    expect(data[6].choices[0].delta.tool_calls[0]).toMatchObject({ id: 'call_1', type: 'function' });
    expect(data[7].choices[0].delta.tool_calls[0]).toEqual({ index: 0, function: { arguments: '{"q' } });
    expect(data.at(-2).choices[0].finish_reason).toBe('tool_calls');

    const claude = claudeEvents({
      text: 'hi 🌧',
      thinking: 'hmm',
      toolUse: { id: 't1', name: 'x', input: { a: 1 } },
    });
    const names = claude.map((e: SseEvent) => e.event);
    expect(names.slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const deltas = claude
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (e.data as Json).delta.type);
    expect(new Set(deltas)).toEqual(
      new Set(['thinking_delta', 'signature_delta', 'text_delta', 'input_json_delta']),
    );
    for (const e of [...events, ...claude]) expect(JSON.stringify(e.data)).not.toMatch(/\\ud[89a-f]/i);
  });
});
