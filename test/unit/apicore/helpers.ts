/** Shared helpers for the APICore client tests (not a test file itself). */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { ApiCoreClient, type ApiCoreClientOptions } from '../../../src/apicore/client.js';
import { streamEvents } from '../../../src/apicore/sse.js';
import type { StreamEvent } from '../../../src/core/apicore.js';
import { BotError } from '../../../src/errors.js';
import {
  encodeSseEvent,
  FAKE_API_KEY,
  FakeApiCore,
  type RecordedRequest,
  type Scripted,
  type SseEvent,
} from '../../fakes/apicore.js';

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies are inspected loosely in assertions
export type Json = any;

export const RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } as const;

export function makeClient(fake: FakeApiCore, extra: Partial<ApiCoreClientOptions> = {}): ApiCoreClient {
  return new ApiCoreClient({
    baseUrl: fake.url,
    apiKey: FAKE_API_KEY,
    retry: { ...RETRY },
    modelsCacheMs: 0,
    ...extra,
  });
}

export interface Harness {
  fake: FakeApiCore;
  client: ApiCoreClient;
}

/**
 * One fake and one client per file. Before each test the fake's request log is cleared; after
 * each test nothing may be left in its queues (a leftover would leak into the next test), and
 * the fake must not have seen a malformed request.
 */
export function useFake(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    h.fake = await FakeApiCore.start();
    h.client = makeClient(h.fake);
  });
  afterAll(async () => {
    await h.client?.close();
    await h.fake?.close();
  });
  beforeEach(() => {
    h.fake.requests.splice(0);
    h.fake.unexpected.splice(0);
  });
  afterEach(() => {
    expect(h.fake.remainingQueued()).toEqual([]);
    expect(h.fake.unexpected).toEqual([]);
  });
  return h;
}

/** The one request the fake received for a route; fails when there were none or several. */
export function only(fake: FakeApiCore, method: string, path: string): RecordedRequest {
  const found = fake.requestsTo(method, path);
  expect(found, `${method} ${path} requests`).toHaveLength(1);
  return found[0]!;
}

/** Asserts the request carried the fake's key as a Bearer token. */
export function expectAuth(req: RecordedRequest): void {
  expect(req.headers.authorization).toBe(`Bearer ${FAKE_API_KEY}`);
}

/** Asserts a JSON request: method, path, content type, auth; returns the parsed body. */
export function expectJsonRequest(fake: FakeApiCore, method: string, path: string): Json {
  const req = only(fake, method, path);
  expect(req.method).toBe(method);
  expect(req.path).toBe(path);
  expectAuth(req);
  if (method === 'POST') expect(String(req.headers['content-type'])).toContain('application/json');
  return req.json as Json;
}

export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Events collected until the stream threw; the error is returned alongside. */
export async function collectUntilError(
  events: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error: BotError }> {
  const out: StreamEvent[] = [];
  try {
    for await (const e of events) out.push(e);
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    return { events: out, error: error as BotError };
  }
  throw new Error(`the stream ended without an error after ${out.length} events`);
}

/** The BotError a promise rejects with. */
export async function botError(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    return error as BotError;
  }
  throw new Error('expected a BotError, but the call succeeded');
}

export const textOf = (events: StreamEvent[]): string =>
  events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

export const reasoningOf = (events: StreamEvent[]): string =>
  events.flatMap((e) => (e.type === 'reasoning' ? [e.text] : [])).join('');

export const typesOf = (events: StreamEvent[]): string[] => events.map((e) => e.type);

/** A JSON answer with extra headers (e.g. Retry-After). */
export function jsonWithHeaders(status: number, body: unknown, headers: Record<string, string>): Scripted {
  return { kind: 'json', status, body, headers };
}

/** One OpenAI chat.completion.chunk with a single choice. */
export function chunk(delta: object, finishReason: string | null = null): { data: object } {
  return {
    data: {
      id: 'chatcmpl-x',
      object: 'chat.completion.chunk',
      created: 1767268800,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage: null,
    },
  };
}

// ---------- byte-level helpers for the parsers, without a socket ----------

export async function* bytes(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** The byte stream cut into pieces at the given offsets. */
export function cut(buf: Buffer, ...at: number[]): Buffer[] {
  const points = [0, ...at, buf.length];
  return points.slice(1).map((end, i) => buf.subarray(points[i], end));
}

/** The wire bytes of these events, with `data: [DONE]` unless `done` is false. */
export const sseBytes = (events: SseEvent[], done = true): Buffer =>
  Buffer.from(events.map(encodeSseEvent).join('') + (done ? 'data: [DONE]\n\n' : ''), 'utf8');

/** Chat-completions events over these byte chunks. */
export async function chatEvents(chunks: Uint8Array[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of streamEvents('chat', 'POST /v1/chat/completions', bytes(...chunks))) out.push(e);
  return out;
}

/** Claude events over these byte chunks. */
export async function claudeOut(chunks: Uint8Array[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of streamEvents('claude', 'POST /v1/messages', bytes(...chunks))) out.push(e);
  return out;
}

/**
 * A clock that only moves when told: the client's whole-call deadlines run on it (the `timers`
 * option), so "100 s" passes in no real time and nothing depends on how busy the machine is.
 */
export class ManualClock {
  now = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;

  readonly setTimeout = (fn: () => void, ms: number): number => {
    this.#seq += 1;
    this.#timers.set(this.#seq, { at: this.now + ms, fn });
    return this.#seq;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** Moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    this.now += ms;
    const due = [...this.#timers].filter(([, t]) => t.at <= this.now).sort(([, a], [, b]) => a.at - b.at);
    for (const [id, t] of due) {
      this.#timers.delete(id);
      t.fn();
    }
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }
}

/** A promise with its resolve function exposed. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
