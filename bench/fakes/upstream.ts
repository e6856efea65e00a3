import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_MP3, TINY_PNG } from '../../test/fakes/apicore/assets.js';
import { answerFor, idFromPrompt, tokensFor } from '../lib/answers.js';

/**
 * A small, time-based APICore upstream for the bench. Chat completions stream SSE with a
 * configurable time to first token and token interval, recording when each answer's first and
 * last token were written; some writes end in the middle of a multi-byte character, so a decoder
 * that splits characters shows up as an inexact final text. Midjourney and Suno tasks complete by
 * the clock (not per fetch), and every batch fetch is recorded with its time and size.
 */

export interface StreamTiming {
  ttftMs: number;
  tokenIntervalMs: number;
}

export interface TaskTiming {
  /** From submit to IN_PROGRESS. */
  startDelayMs: number;
}

export interface AnswerRecord {
  id: number;
  requestAt: number;
  firstTokenAt: number;
  lastTokenAt: number;
  tokens: number;
  chars: number;
  done: boolean;
}

export interface TaskRecord {
  id: string;
  kind: 'mj' | 'suno';
  chatId: number;
  submitAt: number;
  startAt: number;
  finishAt: number;
}

export interface FetchRecord {
  kind: 'mj' | 'suno';
  at: number;
  ids: number;
  /** The task ids asked for. */
  list: string[];
}

/** The child's clock: milliseconds with sub-millisecond precision, same origin as Date.now(). */
export const now = (): number => performance.timeOrigin + performance.now();

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

/** Index just inside the last multi-byte character of `buf` (a continuation byte), or -1. */
function midCharCut(buf: Buffer): number {
  for (let i = buf.length - 1; i > 0; i--) if ((buf[i]! & 0xc0) === 0x80) return i;
  return -1;
}

function lastUserText(body: unknown): string {
  const messages = (body as { messages?: { role?: string; content?: unknown }[] })?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => (p as { text?: string }).text ?? '').join(' ');
  }
  return '';
}

export class BenchUpstream {
  readonly answers = new Map<number, AnswerRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly fetches: FetchRecord[] = [];
  readonly unexpected: string[] = [];
  stream: StreamTiming = { ttftMs: 300, tokenIntervalMs: 20 };
  taskTiming: TaskTiming = { startDelayMs: 300 };
  openStreams = 0;
  peakOpenStreams = 0;
  readonly url: string;
  #taskSeq = 0;
  #seed = 1;

  private constructor(private readonly server: Server) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<BenchUpstream> {
    let upstream: BenchUpstream | undefined;
    const server = createServer((req, res) => {
      upstream!.#handle(req, res).catch((e: unknown) => {
        upstream!.unexpected.push(`internal error: ${String(e)}`);
        if (!res.headersSent) json(res, 500, { error: { message: 'internal' } });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.maxConnections = 10_000;
    // A deep accept queue: 1,000 answers open their connections at once, and with Node's default
    // of 511 the rest of the SYNs are dropped and retried a second (then three) later.
    await new Promise<void>((resolve) =>
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
    );
    upstream = new BenchUpstream(server);
    return upstream;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /v1/models') {
      return json(res, 200, {
        object: 'list',
        data: [{ id: 'gpt-4o-mini', object: 'model', owned_by: 'x' }],
      });
    }
    if (url.pathname.startsWith('/files/')) return this.#file(url.pathname, res);
    if (req.method !== 'POST') {
      this.unexpected.push(`${route}: 404`);
      return json(res, 404, { error: { message: 'not found' } });
    }
    const body = await readJson(req);
    switch (route) {
      case 'POST /v1/chat/completions':
        return this.#chat(body, res);
      case 'POST /mj/submit/imagine':
        return json(res, 200, { code: 1, description: 'Submit success', result: this.#submit('mj', body) });
      case 'POST /suno/submit/music':
        return json(res, 200, { code: 'success', message: '', data: this.#submit('suno', body) });
      case 'POST /mj/task/list-by-condition':
        return json(
          res,
          200,
          this.#fetch('mj', body).map((t) => this.#mjTask(t)),
        );
      case 'POST /suno/fetch':
        return json(res, 200, {
          code: 'success',
          message: '',
          data: this.#fetch('suno', body).map((t) => this.#sunoTask(t)),
        });
      default:
        this.unexpected.push(`${route}: 404`);
        return json(res, 404, { error: { message: 'not found' } });
    }
  }

  #chat(body: unknown, res: ServerResponse): void {
    const requestAt = now();
    const stream = (body as { stream?: boolean })?.stream === true;
    const id = idFromPrompt(lastUserText(body)) ?? 1_000_000 + this.#seed++;
    if (!stream) {
      this.unexpected.push('non-stream chat request');
      json(res, 400, { error: { message: 'bench upstream streams only' } });
      return;
    }
    const answer = answerFor(id);
    const tokens = tokensFor(id, answer);
    const record: AnswerRecord = {
      id,
      requestAt,
      firstTokenAt: 0,
      lastTokenAt: 0,
      tokens: tokens.length,
      chars: answer.length,
      done: false,
    };
    this.answers.set(id, record);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.socket?.setNoDelay(true);
    this.openStreams++;
    this.peakOpenStreams = Math.max(this.peakOpenStreams, this.openStreams);
    const created = Math.floor(Date.now() / 1000);
    const chunkId = `chatcmpl-bench-${id}`;
    const event = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: chunkId,
        object: 'chat.completion.chunk',
        created,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    let carry: Buffer | undefined;
    let closed = false;
    res.on('close', () => {
      if (!closed) {
        closed = true;
        this.openStreams--;
      }
    });
    const start = now() + this.stream.ttftMs;
    const write = (i: number) => {
      if (closed) return;
      const last = i === tokens.length - 1;
      let text = i === 0 ? event({ role: 'assistant', content: '' }) : '';
      text += event({ content: tokens[i] });
      if (last) {
        text += event({}, 'stop');
        text += `data: ${JSON.stringify({
          id: chunkId,
          object: 'chat.completion.chunk',
          created,
          model: 'gpt-4o-mini',
          choices: [],
          usage: { prompt_tokens: 20, completion_tokens: tokens.length, total_tokens: 20 + tokens.length },
        })}\n\n`;
        text += 'data: [DONE]\n\n';
      }
      let buf = Buffer.from(text);
      if (carry) buf = Buffer.concat([carry, buf]);
      carry = undefined;
      // Every third middle token ends its write inside a multi-byte character; the rest follows
      // with the next token, one token interval later, in a separate TCP segment.
      if (i > 0 && !last && i % 3 === 1) {
        const cut = midCharCut(buf);
        if (cut > 0) {
          carry = buf.subarray(cut);
          buf = buf.subarray(0, cut);
        }
      }
      res.write(buf);
      const at = now();
      if (i === 0) record.firstTokenAt = at;
      if (last) {
        record.lastTokenAt = at;
        record.done = true;
        closed = true;
        this.openStreams--;
        res.end();
        return;
      }
      const next = start + (i + 1) * this.stream.tokenIntervalMs;
      setTimeout(() => write(i + 1), Math.max(0, next - now()));
    };
    setTimeout(() => write(0), this.stream.ttftMs);
  }

  #submit(kind: 'mj' | 'suno', body: unknown): string {
    const b = (body ?? {}) as Record<string, unknown>;
    const prompt = String(b.prompt ?? b.gpt_description_prompt ?? '');
    const chatId = Number(/\bc(-?\d+)\b/.exec(prompt)?.[1] ?? 0);
    const id = `${kind}-${++this.#taskSeq}`;
    const at = now();
    this.tasks.set(id, {
      id,
      kind,
      chatId,
      submitAt: at,
      startAt: at + this.taskTiming.startDelayMs,
      // Set by finishAll once the bench has seen every task submitted.
      finishAt: Number.POSITIVE_INFINITY,
    });
    return id;
  }

  /** Tasks finish at `at` plus a spread over [0, jitterMs), in submit order. */
  finishAll(tasks: TaskRecord[], at: number, jitterMs: number): void {
    tasks.forEach((t, i) => {
      t.finishAt = at + (((i * 7919) % tasks.length) / tasks.length) * jitterMs;
    });
  }

  #fetch(kind: 'mj' | 'suno', body: unknown): TaskRecord[] {
    const ids = (body as { ids?: unknown })?.ids;
    const list = Array.isArray(ids) ? ids.map(String) : [];
    this.fetches.push({ kind, at: now(), ids: list.length, list });
    return list.map((id) => this.tasks.get(id)).filter((t): t is TaskRecord => t?.kind === kind);
  }

  #stage(t: TaskRecord): { status: 'NOT_START' | 'IN_PROGRESS' | 'SUCCESS'; progress: number } {
    const at = now();
    if (at >= t.finishAt) return { status: 'SUCCESS', progress: 100 };
    if (at < t.startAt) return { status: 'NOT_START', progress: 0 };
    // One progress step, so a status message changes about as often as a real task's would here.
    return { status: 'IN_PROGRESS', progress: 50 };
  }

  #mjTask(t: TaskRecord): Record<string, unknown> {
    const { status, progress } = this.#stage(t);
    const done = status === 'SUCCESS';
    return {
      id: t.id,
      action: 'IMAGINE',
      prompt: `task c${t.chatId}`,
      promptEn: `task c${t.chatId}`,
      description: '',
      status,
      progress: `${progress}%`,
      imageUrl: done ? `${this.url}/files/${t.id}.png` : '',
      failReason: '',
      buttons: done
        ? [1, 2, 3, 4].map((n) => ({
            customId: `MJ::JOB::upsample::${n}::${t.id}`,
            emoji: '',
            label: `U${n}`,
            type: 2,
            style: 2,
          }))
        : [],
      submitTime: Math.round(t.submitAt),
      startTime: Math.round(t.startAt),
      finishTime: done ? Math.round(t.finishAt) : 0,
      properties: {},
    };
  }

  #sunoTask(t: TaskRecord): Record<string, unknown> {
    const { status } = this.#stage(t);
    const done = status === 'SUCCESS';
    const clips = [1, 2].map((n) => ({
      id: `${t.id}-clip${n}`,
      title: `bench c${t.chatId} ${n}`,
      status: done ? 'complete' : status === 'IN_PROGRESS' ? 'streaming' : 'queued',
      audio_url: done ? `${this.url}/files/${t.id}-${n}.mp3` : '',
      video_url: '',
      image_url: '',
      image_large_url: '',
      metadata: { tags: 'bench', prompt: '', duration: done ? 1.5 : null, error_message: null },
    }));
    return {
      task_id: t.id,
      action: 'MUSIC',
      status,
      fail_reason: '',
      submit_time: Math.round(t.submitAt),
      start_time: Math.round(t.startAt),
      finish_time: done ? Math.round(t.finishAt) : 0,
      data: status === 'NOT_START' ? null : clips,
    };
  }

  #file(path: string, res: ServerResponse): void {
    const body = path.endsWith('.png') ? TINY_PNG : path.endsWith('.mp3') ? FAKE_MP3 : undefined;
    if (!body) {
      this.unexpected.push(`GET ${path}: 404`);
      json(res, 404, { error: { message: 'not found' } });
      return;
    }
    res.writeHead(200, {
      'content-type': path.endsWith('.png') ? 'image/png' : 'audio/mpeg',
      'content-length': body.length,
    });
    res.end(body);
  }
}
