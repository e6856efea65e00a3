import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamEvent } from '../core/apicore.js';
import { BotError } from '../errors.js';

/** Turns one SSE message into events appended to `out`; true at the stream's end marker. */
export type SseHandler = (message: EventSourceMessage, out: StreamEvent[]) => boolean;

/** Events waiting for the reader beyond which the response body is paused. */
const HIGH_WATER = 256;

/**
 * A streamed answer's events, read straight off the response body: each network chunk is decoded,
 * parsed and turned into events as it arrives (`handle` joins the text of events still waiting, so
 * a busy reader gets fewer, longer pieces), and the reader takes them one `next()` at a time. One
 * object per stream instead of an async-iterator stack (the body's iterator, the SSE parser's, the
 * events'): no promise, generator step or microtask per layer and event.
 *
 * What came before a failure is delivered first, then the failure (mapped by `fail`). A stream that
 * ends before its end marker is a protocol error, never a short answer. Leaving early (`return`,
 * a `break` in `for await`) destroys the body, which closes the upstream request.
 */
export class SseEventReader implements AsyncIterableIterator<StreamEvent> {
  readonly #queue: StreamEvent[] = [];
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser = createParser({ onEvent: (message) => this.#onMessage(message) });
  #waiting: { resolve: (r: IteratorResult<StreamEvent>) => void; reject: (e: unknown) => void } | undefined;
  /** No more events will come: the end marker, the body's end or a failure. */
  #ended = false;
  /** The failure to deliver once the queue is empty. */
  #failure: { error: unknown } | undefined;
  #paused = false;

  constructor(
    private readonly body: Readable,
    private readonly handle: SseHandler,
    private readonly endpoint: string,
    private readonly endMarker: string,
    private readonly fail: (error: unknown) => unknown,
  ) {
    body.on('data', this.#onData);
    body.once('end', this.#onEnd);
    body.once('error', this.#onError);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const event = this.#queue.shift();
    if (event !== undefined) {
      if (this.#paused && this.#queue.length < HIGH_WATER / 2) {
        this.#paused = false;
        this.body.resume();
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#ended) return this.#finish();
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<StreamEvent>> {
    this.#queue.length = 0;
    this.#failure = undefined;
    this.#end();
    return Promise.resolve({ value: undefined, done: true });
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#ended) return;
    try {
      this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
    } catch (error) {
      this.#failWith(error);
      return;
    }
    if (!this.#paused && this.#queue.length >= HIGH_WATER) {
      this.#paused = true;
      this.body.pause();
    }
    this.#wake();
  };

  readonly #onEnd = (): void => {
    if (this.#ended) return;
    try {
      this.#parser.feed(`${this.#decoder.decode()}\n\n`);
    } catch (error) {
      this.#failWith(error);
      return;
    }
    this.#wake();
    if (!this.#ended) {
      const endpoint = this.endpoint;
      this.#failWith(
        new BotError('protocol', `${endpoint} stream ended before ${this.endMarker}`, { endpoint }),
      );
    }
  };

  readonly #onError = (error: unknown): void => {
    if (!this.#ended) this.#failWith(error);
  };

  #onMessage(message: EventSourceMessage): void {
    if (this.#ended) return;
    // A handler's failure ends the stream (thrown out of `feed`, caught by the caller of feed). At
    // the end marker the rest of the body is read and dropped: the connection stays reusable.
    if (this.handle(message, this.#queue)) this.#end(false);
  }

  #failWith(error: unknown): void {
    this.#failure = { error: this.fail(error) };
    this.#end();
    this.#wake();
  }

  /**
   * Nothing more is delivered. The body is destroyed (closing the request) unless it is left to
   * drain: after the end marker, its last bytes are read and dropped.
   */
  #end(destroy = true): void {
    if (this.#ended) return;
    this.#ended = true;
    const body = this.body;
    body.on('error', () => {}); // a late error of a destroyed or drained body is of no one's concern
    if (!destroy) {
      if (this.#paused) body.resume();
      return;
    }
    body.off('data', this.#onData);
    if (!body.destroyed) body.destroy();
  }

  #wake(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    const event = this.#queue.shift();
    if (event !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value: event, done: false });
    } else if (this.#ended) {
      this.#waiting = undefined;
      this.#finish().then(waiting.resolve, waiting.reject);
    }
  }

  #finish(): Promise<IteratorResult<StreamEvent>> {
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure) return Promise.reject(failure.error);
    return Promise.resolve({ value: undefined, done: true });
  }
}

/**
 * An iterator that opens its source on the first `next()` (a streamed request goes when the first
 * event is asked for, as an async generator's would) and then hands every call straight to it.
 */
export class OpenOnFirstRead<T> implements AsyncIterableIterator<T> {
  #source: AsyncIterator<T> | undefined;
  #opening: Promise<AsyncIterator<T>> | undefined;
  #closed = false;

  constructor(private readonly open: () => Promise<AsyncIterator<T>>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.#source ? this.#source.next() : this.#first();
  }

  async return(): Promise<IteratorResult<T>> {
    this.#closed = true;
    const source = this.#source ?? (await this.#opening?.catch(() => undefined));
    await source?.return?.();
    return { value: undefined, done: true };
  }

  async #first(): Promise<IteratorResult<T>> {
    if (this.#closed) return { value: undefined, done: true };
    this.#opening ??= this.open();
    const source = await this.#opening;
    if (this.#closed) {
      await source.return?.();
      return { value: undefined, done: true };
    }
    this.#source = source;
    return source.next();
  }
}
