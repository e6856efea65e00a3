import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { claudeError, mjError, openAiError, sunoError } from './builders.js';
import { extraRoutes } from './extras.js';
import { imageRoutes } from './images.js';
import { mjRoutes } from './mj.js';
import { openAiRoutes } from './openai.js';
import {
  type Family,
  isObject,
  type JsonBody,
  type Problem,
  type Route,
  type RouteContext,
} from './route.js';
import { sunoRoutes } from './suno.js';
import {
  FAKE_API_KEY,
  type MjStage,
  type MjTaskState,
  type RecordedRequest,
  type Scripted,
  type SunoStage,
  type SunoTaskState,
} from './types.js';
import { udioRoutes } from './udio.js';
import { videoRoutes } from './video.js';
import { parseMultipart, readBody, sendScripted, tryParseJson } from './wire.js';

const ROUTES: Route[] = [
  ...imageRoutes,
  ...openAiRoutes,
  ...extraRoutes,
  ...mjRoutes,
  ...sunoRoutes,
  ...udioRoutes,
  ...videoRoutes,
];

/** `/mj-fast/mj/...` etc. select a speed mode; the gateway strips the prefix. */
const normalizePath = (path: string): string => path.replace(/^\/mj-(?:fast|relax|turbo)(?=\/mj\/)/, '');

function problemResponse(family: Family, problem: Problem): Scripted {
  const { message, code, status = 400 } = typeof problem === 'string' ? { message: problem } : problem;
  switch (family) {
    case 'openai':
      return openAiError(status, message, code ?? 'invalid_request');
    case 'claude':
      return claudeError(status, 'invalid_request_error', message);
    case 'mj':
      return mjError(status, typeof code === 'number' ? code : 4, message);
    case 'suno':
      return sunoError(status, typeof code === 'string' ? code : 'invalid_request', message);
  }
}

function authError(path: string): Scripted {
  if (path.startsWith('/mj/')) return mjError(401, 4, 'invalid_api_key: Invalid token');
  if (path.startsWith('/suno/') || path.startsWith('/udio/')) {
    return sunoError(401, 'invalid_api_key', 'Invalid token');
  }
  return openAiError(401, 'Invalid token', 'invalid_api_key', 'new_api_error');
}

/**
 * A strict, scriptable loopback fake of the APICore gateway (OpenAI-compatible routes, Claude
 * messages, Midjourney-proxy and Suno task APIs). Anything a real client should never send is
 * answered with an error AND recorded in `unexpected`, so tests can assert it stays empty.
 */
export class FakeApiCore implements RouteContext {
  readonly url: string;
  readonly apiKey: string;
  /** Every request, in order (including refused ones). */
  readonly requests: RecordedRequest[] = [];
  /** Requests a correct client should never make (unknown route, bad body, missing auth header). */
  readonly unexpected: string[] = [];
  /** Stage scripts for the NEXT submitted MJ tasks (FIFO); empty → default script. */
  mjStages: MjStage[][] = [];
  /** Stage scripts for the NEXT submitted Suno tasks (FIFO); empty → default script. */
  sunoStages: SunoStage[][] = [];
  readonly mjTasks = new Map<string, MjTaskState>();
  readonly sunoTasks = new Map<string, SunoTaskState>();

  readonly #server: Server;
  readonly #queues = new Map<string, Scripted[]>();
  readonly #holds: Array<{ prefix: string; gate: Promise<void>; waiting: number }> = [];
  readonly #seq = { mj: 0, suno: 0, clip: 0 };
  #closing: Promise<void> | undefined;

  private constructor(server: Server, port: number, apiKey: string) {
    this.#server = server;
    this.url = `http://127.0.0.1:${port}`;
    this.apiKey = apiKey;
  }

  static async start(opts: { apiKey?: string } = {}): Promise<FakeApiCore> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeApiCore(server, (server.address() as AddressInfo).port, opts.apiKey ?? FAKE_API_KEY);
    server.on('request', (req, res) => void fake.#onRequest(req, res));
    return fake;
  }

  /** Recorded requests for a method and path (a path ending in '*' matches as a prefix). */
  requestsTo(method: string, path: string): RecordedRequest[] {
    const m = method.toUpperCase();
    const matches = (p: string): boolean =>
      path.endsWith('*') ? p.startsWith(path.slice(0, -1)) : p === path;
    return this.requests.filter((r) => r.method === m && (matches(r.path) || matches(normalizePath(r.path))));
  }

  /** Queue one-shot responses for e.g. 'POST /v1/chat/completions' or a prefix 'GET /mj/task/*'. */
  enqueue(route: string, ...responses: Scripted[]): void {
    const match = /^([A-Za-z]+) (\/\S*)$/.exec(route);
    if (!match) throw new Error(`enqueue: route must look like 'POST /v1/chat/completions', got '${route}'`);
    const key = `${match[1]!.toUpperCase()} ${match[2]}`;
    const queue = this.#queues.get(key) ?? [];
    queue.push(...responses);
    this.#queues.set(key, queue);
  }

  /** Routes that still have queued responses, e.g. ['POST /v1/chat/completions x2']. */
  remainingQueued(): string[] {
    return [...this.#queues].filter(([, q]) => q.length > 0).map(([key, q]) => `${key} x${q.length}`);
  }

  nextSeq(kind: 'mj' | 'suno' | 'clip'): number {
    this.#seq[kind] += 1;
    return this.#seq[kind];
  }

  /**
   * Holds every request whose path starts with `prefix` (e.g. '/files/clip-') until the returned
   * function is called; `held()` counts the ones waiting. For "killed while delivering" tests.
   */
  holdRequests(prefix: string): { release: () => void; held: () => number } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = { prefix, gate, waiting: 0 };
    this.#holds.push(hold);
    return {
      release: () => {
        this.#holds.splice(this.#holds.indexOf(hold), 1);
        release();
      },
      held: () => hold.waiting,
    };
  }

  /** Closes the server and destroys every open socket (including hanging requests). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      this.#server.close((err) => (err ? reject(err) : resolve()));
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json: tryParseJson(body),
      };
      const parts = parseMultipart(req.headers['content-type'], body);
      if (parts) rec.parts = parts;
      this.requests.push(rec);
      // Closed before the script ended (not by a scripted cut, nor by close()): the client hung up.
      let scripted = false;
      res.once('close', () => {
        if (!res.writableFinished && !scripted && !this.#closing) rec.closedByClient = true;
      });
      const hold = this.#holds.find((h) => rec.path.startsWith(h.prefix));
      if (hold) {
        hold.waiting++;
        await hold.gate;
        hold.waiting--;
      }
      await sendScripted(res, await this.#respond(rec));
      scripted = true;
    } catch (err) {
      this.unexpected.push(`fake internal error: ${String(err)}`);
      if (!res.headersSent) await sendScripted(res, openAiError(500, String(err), 'fake_internal_error'));
      else res.destroy();
    }
  }

  #respond(rec: RecordedRequest): Scripted | Promise<Scripted> {
    const path = normalizePath(rec.path);
    const label = `${rec.method} ${rec.path}`;
    let found: { route: Route; params: string[] } | undefined;
    for (const route of ROUTES) {
      const m = route.method === rec.method ? route.pattern.exec(path) : null;
      if (m) {
        found = { route, params: m.slice(1) };
        break;
      }
    }

    if (!found?.route.public) {
      const auth = this.#checkAuth(rec, path);
      if (auth !== 'ok') {
        if (auth === 'missing') this.unexpected.push(`${label}: missing or malformed credentials`);
        return authError(path);
      }
    }

    let body: JsonBody = {};
    if (found) {
      const { route, params } = found;
      const bad = (problem: Problem): Scripted => {
        this.unexpected.push(`${label}: ${typeof problem === 'string' ? problem : problem.message}`);
        return problemResponse(route.family, problem);
      };
      if (route.body === 'json') {
        if (!String(rec.headers['content-type']).includes('application/json')) {
          return bad('content-type must be application/json');
        }
        if (!isObject(rec.json)) return bad({ message: 'invalid JSON body', code: 'invalid_request' });
        body = rec.json;
      } else if (route.body === 'multipart' && !rec.parts) {
        return bad('body must be multipart/form-data');
      }
      const problem = route.validate?.(body, rec, this, params);
      if (problem !== undefined) return bad(problem);
    }

    const queued = this.#takeQueued(rec.method, rec.path, path);
    if (queued) return queued;
    if (!found) {
      this.unexpected.push(`${label}: unknown route`);
      return openAiError(404, `Invalid URL (${label})`, 'not_found', 'invalid_request_error');
    }
    return found.route.handle(body, rec, this, found.params);
  }

  #checkAuth(rec: RecordedRequest, path: string): 'ok' | 'wrong' | 'missing' {
    const keys: string[] = [];
    const bearer = /^Bearer (\S+)$/.exec(rec.headers.authorization ?? '');
    if (bearer) keys.push(bearer[1]!);
    const xApiKey = rec.headers['x-api-key'];
    if (path === '/v1/messages' && typeof xApiKey === 'string' && xApiKey !== '') keys.push(xApiKey);
    if (keys.length === 0) return 'missing';
    return keys.includes(this.apiKey) ? 'ok' : 'wrong';
  }

  #takeQueued(method: string, rawPath: string, path: string): Scripted | undefined {
    for (const p of new Set([rawPath, path])) {
      const queue = this.#queues.get(`${method} ${p}`);
      if (queue?.length) return queue.shift();
    }
    for (const [key, queue] of this.#queues) {
      const prefix = key.slice(key.indexOf(' ') + 1, -1);
      if (!key.endsWith('*') || !key.startsWith(`${method} `) || queue.length === 0) continue;
      if (rawPath.startsWith(prefix) || path.startsWith(prefix)) return queue.shift();
    }
    return undefined;
  }
}
