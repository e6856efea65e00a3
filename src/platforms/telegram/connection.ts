import { createServer, type Server } from 'node:http';
import { createConcurrentSink, createRunner, createSource, type RunnerHandle } from '@grammyjs/runner';
import { Api, type Bot, GrammyError, HttpError, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { linkedController } from '../../core/abort.js';
import type { PlatformHealth } from '../../core/platform.js';

/** How long one Bot API call may stay unanswered (beyond a long poll's own hold) before it counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The first wait after a failure; it doubles with each failure in a row, up to the maximum. */
export const RETRY_FIRST_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 60_000;
/** How long Telegram holds a getUpdates open when there is nothing to deliver. */
export const POLL_TIMEOUT_SECONDS = 30;
/** Waits are spread by up to this fraction, so two instances in conflict do not retry in lockstep. */
const RETRY_JITTER_FRACTION = 0.2;
/** Telegram's most updates per getUpdates. */
const POLL_LIMIT_MAX = 100;
/** Longest error text kept for a log line or /healthz. */
const ERROR_TEXT_MAX_CHARS = 160;

/** The kinds of update a bot can ask Telegram for (`allowed_updates`). */
export type UpdateKind = Exclude<keyof Update, 'update_id'>;

/** Start-up and retry timing; tests shorten it. */
export interface ConnectionTiming {
  connectTimeoutMs: number;
  retryFirstDelayMs: number;
  retryMaxDelayMs: number;
}

export interface ConnectionOptions {
  bot: Bot;
  token: string;
  apiRoot: string;
  log: Logger;
  /** Webhook mode: Telegram posts updates to `url`; the bot listens on `port`. */
  webhook?: { url: string; port: number; secret: string } | undefined;
  allowedUpdates: readonly UpdateKind[];
  pollTimeoutSeconds?: number | undefined;
  timing?: Partial<ConnectionTiming> | undefined;
  /** Runs once, when the Bot API first answered and before updates flow (publishes the command menu). Must not throw. */
  onConnected?: (() => Promise<void>) | undefined;
}

/** Why a call failed, in words an operator can act on, and what to do about it. */
interface Failure {
  /** Failures of one kind in a row are logged once. */
  kind:
    | 'conflict'
    | 'webhook-conflict'
    | 'unauthorized'
    | 'rate-limited'
    | 'unreachable'
    | 'refused'
    | 'webhook-port';
  /** Short, for /healthz: "another instance is polling with this token (409)". */
  reason: string;
  /** What the Bot API or the network said, without the token. */
  error: string;
  /** Telegram's own retry_after, when it gave one. */
  retryAfterMs?: number | undefined;
}

/** The AbortSignal type grammY's methods declare (its polyfill's). */
type GrammySignal = NonNullable<Parameters<Api['getMe']>[0]>;

/** Thrown out of the update source when polling gives up (a refused token), so the runner ends quietly. */
class PollingGaveUp extends Error {}
/** A call that got no answer in time (a black-holed address, a dead proxy). */
class DeadlineExceeded extends Error {}
/** The webhook server could not listen (the port is taken). */
class ListenFailed extends Error {
  constructor(
    readonly port: number,
    readonly error: unknown,
  ) {
    super(`cannot listen on port ${port}`);
  }
}

/**
 * The Telegram adapter's link to the Bot API: the first contact (getMe, deleteWebhook or
 * setWebhook), long polling through grammY's runner, and what happens when either fails.
 *
 * grammY alone is silent here: `bot.init()` retries getMe without end and without a word, the
 * auto-retry plugin waits 3 + 6 + 12 s on a network error, and the runner rethrows a 409 or 401
 * from a promise nobody awaits, which ends the whole process. So this class makes its own calls
 * (a plain `Api` with a deadline, no auto-retry) and owns the polling loop: every failure is
 * sorted (unreachable, 409 conflict, 401 refused, 429), logged once per run of failures in one
 * clear line naming the address, retried with a doubling wait, and shown on /healthz. A refused
 * token is not retried. Nothing it starts can reject unobserved.
 */
export class TelegramConnection {
  readonly #options: ConnectionOptions;
  readonly #timing: ConnectionTiming;
  /** Calls without the auto-retry plugin: failures surface at once and are handled here. */
  readonly #api: Api;
  readonly #stopping = new AbortController();
  #health: PlatformHealth = { state: 'starting' };
  /** The kind of the failures now in a row; undefined while calls succeed. */
  #failing: Failure['kind'] | undefined;
  #failedReason: string | undefined;
  #failuresInRow = 0;
  /** The last call failed: the next poll is a quick look (no hold), so a recovery shows at once. */
  #justFailed = false;
  #connected = false;
  #runner: RunnerHandle | undefined;
  #server: Server | undefined;
  #loop: Promise<void> | undefined;
  #offset = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#timing = {
      connectTimeoutMs: options.timing?.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      retryFirstDelayMs: options.timing?.retryFirstDelayMs ?? RETRY_FIRST_DELAY_MS,
      retryMaxDelayMs: options.timing?.retryMaxDelayMs ?? RETRY_MAX_DELAY_MS,
    };
    this.#api = new Api(options.token, { apiRoot: options.apiRoot });
  }

  health(): PlatformHealth {
    return this.#health;
  }

  /** The address of the webhook server (tests bind port 0). */
  get webhookAddress(): string | undefined {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? `http://127.0.0.1:${a.port}` : undefined;
  }

  /**
   * Connects in the background. Resolves once updates flow, or once the first failure has been
   * logged (the retries go on behind it), so a platform that cannot be reached holds up nothing.
   */
  async start(): Promise<void> {
    const { log, apiRoot } = this.#options;
    log.debug({ apiRoot }, `connecting to the Telegram Bot API at ${apiRoot}`);
    let firstAttempt!: () => void;
    const settled = new Promise<void>((resolve) => {
      firstAttempt = resolve;
    });
    this.#loop = this.#connect(firstAttempt).catch((error: unknown) => {
      // A bug, not a Telegram failure: said, and kept away from the process.
      this.#health = { state: 'unhealthy', reason: 'connection loop failed' };
      log.error({ err: error }, 'telegram connection loop failed');
      firstAttempt();
    });
    await settled;
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    if (this.#runner?.isRunning()) await this.#runner.stop();
    await this.#loop;
    const server = this.#server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#health = { state: 'stopped' };
  }

  /** First contact, retried until it works (or the token is refused), then updates start to flow. */
  async #connect(firstAttempt: () => void): Promise<void> {
    const { bot, log, webhook } = this.#options;
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      let step = 'getMe';
      try {
        if (!bot.isInited()) {
          bot.botInfo = await this.#call((s) => this.#api.getMe(s));
          this.#succeeded(step, { up: false });
        }
        if (webhook) {
          step = 'listen';
          await this.#listen(webhook.port);
          step = 'setWebhook';
          await this.#call((s) =>
            this.#api.setWebhook(
              webhook.url,
              { secret_token: webhook.secret, allowed_updates: this.#options.allowedUpdates },
              s,
            ),
          );
          this.#succeeded(step);
          await this.#firstConnected();
          log.info({ port: webhook.port }, 'telegram webhook listening');
        } else {
          step = 'deleteWebhook';
          await this.#call((s) => this.#api.deleteWebhook({}, s));
          this.#succeeded(step);
          await this.#firstConnected();
          this.#poll();
          log.info({ bot: bot.botInfo.username }, 'telegram long polling');
        }
        firstAttempt();
        return;
      } catch (error) {
        if (signal.aborted) break;
        const failure = this.#failed(error, step);
        firstAttempt();
        if (failure.kind === 'unauthorized') return;
        await this.#wait(failure);
      }
    }
    firstAttempt();
  }

  /** Once, when the Bot API has first answered (so the menu is not published into a void). */
  async #firstConnected(): Promise<void> {
    if (this.#connected) return;
    this.#connected = true;
    await this.#options.onConnected?.();
  }

  /**
   * One call with a deadline (plus `holdMs`, how long Telegram may hold it on purpose); the
   * deadline's abort is told apart from a stop.
   */
  async #call<T>(run: (signal: GrammySignal) => Promise<T>, holdMs = 0, also?: AbortSignal): Promise<T> {
    const ms = this.#timing.connectTimeoutMs + holdMs;
    // Not AbortSignal.any: on Node 20 it leaves a dependant on the long-lived stop signal per call.
    const link = linkedController([this.#stopping.signal, also], { timeoutMs: ms });
    try {
      // grammY's types name its AbortSignal polyfill; at run time it takes any AbortSignal.
      return await run(link.signal as unknown as GrammySignal);
    } catch (error) {
      const timedOut =
        link.signal.reason instanceof DOMException && link.signal.reason.name === 'TimeoutError';
      if (timedOut && !this.#stopping.signal.aborted) throw new DeadlineExceeded();
      throw error;
    } finally {
      link.dispose();
    }
  }

  async #listen(port: number): Promise<void> {
    if (this.#server?.listening) return;
    const handle = webhookCallback(this.#options.bot, 'http', { secretToken: this.#options.webhook!.secret });
    const server = createServer((req, res) => {
      handle(req, res).catch((e: unknown) => {
        this.#options.log.warn({ err: e }, 'webhook request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: unknown) => reject(new ListenFailed(port, error));
      server.once('error', failed);
      server.listen(port, () => {
        server.off('error', failed);
        resolve();
      });
    });
  }

  /** Long polling through grammY's runner (updates handled concurrently), fed by our own getUpdates. */
  #poll(): void {
    const { bot, log } = this.#options;
    const pollTimeoutSeconds = this.#options.pollTimeoutSeconds ?? POLL_TIMEOUT_SECONDS;
    const source = createSource<Update>({
      supply: async (batchSize, runnerSignal) => {
        // The runner's signal comes from a polyfill that AbortSignal.any() refuses: mirrored into a native one.
        const mirror = new AbortController();
        const abort = () => mirror.abort();
        if (runnerSignal.aborted) abort();
        else runnerSignal.addEventListener('abort', abort, { once: true });
        try {
          return await this.#fetchUpdates(batchSize, mirror.signal, pollTimeoutSeconds);
        } finally {
          runnerSignal.removeEventListener('abort', abort);
        }
      },
    });
    const sink = createConcurrentSink<Update>(
      { consume: (update) => bot.handleUpdate(update) },
      async (error) => {
        try {
          await bot.errorHandler(error as never);
        } catch (e) {
          log.error({ err: e }, 'telegram update failed');
        }
      },
    );
    const runner = createRunner(source, sink);
    this.#runner = runner;
    runner.start();
    // The runner rethrows what ended it from a promise of its own: observed here, never unhandled.
    runner.task()?.catch((error: unknown) => {
      if (error instanceof PollingGaveUp) return;
      this.#health = { state: 'unhealthy', reason: 'polling stopped' };
      log.error({ err: error }, 'telegram polling stopped');
    });
  }

  /** One batch of updates: retried with backoff on anything but a refused token or a stop. */
  async #fetchUpdates(batchSize: number, signal: AbortSignal, pollTimeoutSeconds: number): Promise<Update[]> {
    for (;;) {
      // Right after a failure, a quick look (no hold), so recovery shows at once on /healthz.
      const timeout = this.#justFailed ? 0 : pollTimeoutSeconds;
      try {
        const updates = await this.#call(
          (s) =>
            this.#api.getUpdates(
              {
                offset: this.#offset,
                limit: Math.max(1, Math.min(batchSize, POLL_LIMIT_MAX)),
                timeout,
                allowed_updates: this.#options.allowedUpdates,
              },
              s,
            ),
          timeout * 1000,
          signal,
        );
        // Only a poll held to its end proves nobody else polls: a quick look does not end the episode
        // (Telegram ends the other instance's poll only for a holding one), so a lasting conflict is said once.
        this.#succeeded('getUpdates', { settled: timeout > 0 });
        const last = updates.at(-1);
        if (last) this.#offset = last.update_id + 1;
        return updates;
      } catch (error) {
        if (signal.aborted || this.#stopping.signal.aborted) throw error;
        const failure = this.#failed(error, 'getUpdates');
        if (failure.kind === 'unauthorized') throw new PollingGaveUp(failure.reason);
        await this.#wait(failure, signal);
      }
    }
  }

  /**
   * A call worked: `up` on /healthz (else still starting); `settled` ends the run of failures
   * (said in one line).
   */
  #succeeded(method: string, { settled = true, up = true } = {}): void {
    this.#justFailed = false;
    this.#health = { state: up ? 'up' : 'starting' };
    if (!settled) return;
    if (this.#failing) {
      this.#options.log.info(
        { apiRoot: this.#options.apiRoot, method, failures: this.#failuresInRow, was: this.#failedReason },
        `telegram ${method} works again after ${this.#failuresInRow} failure(s) (${this.#failedReason})`,
      );
    }
    this.#failing = undefined;
    this.#failuresInRow = 0;
  }

  /** Sorts a failure, shows it on /healthz, and logs it when a new kind of failure begins. */
  #failed(error: unknown, method: string): Failure {
    const { log, apiRoot, token } = this.#options;
    const failure = classify(error, token, this.#timing.connectTimeoutMs);
    const first = this.#failing !== failure.kind;
    this.#failing = failure.kind;
    this.#failedReason = failure.reason;
    this.#justFailed = true;
    this.#failuresInRow = first ? 1 : this.#failuresInRow + 1;
    this.#health = { state: 'unhealthy', reason: failure.reason };
    const fields = { apiRoot, method, error: failure.error, failures: this.#failuresInRow };
    if (!first) {
      log.debug(fields, `telegram ${method} failed again: ${failure.reason}`);
      return failure;
    }
    switch (failure.kind) {
      case 'unauthorized':
        log.error(
          fields,
          `telegram token refused (401) by ${apiRoot}: the token is wrong or was revoked; Telegram stays off until TELEGRAM_BOT_TOKEN is fixed and the bot restarted (not retried)`,
        );
        break;
      case 'conflict':
        log.warn(
          fields,
          `telegram ${method} refused (409): another instance is polling with this token; retrying with backoff (stop the other instance, or run every instance in webhook mode)`,
        );
        break;
      case 'webhook-conflict':
        log.warn(
          fields,
          `telegram ${method} refused (409): a webhook is set for this token (another instance in webhook mode?); retrying with backoff`,
        );
        break;
      case 'webhook-port':
        log.error(
          fields,
          `telegram webhook server cannot listen (${failure.error}); retrying with backoff (is TELEGRAM_WEBHOOK_PORT taken?)`,
        );
        break;
      case 'refused':
        log.warn(
          fields,
          `telegram ${method} refused by ${apiRoot} (${failure.error}); retrying with backoff`,
        );
        break;
      case 'rate-limited':
        log.warn(fields, `telegram ${method} rate limited (429) by ${apiRoot}; waiting as told`);
        break;
      default:
        log.warn(
          fields,
          `telegram Bot API at ${apiRoot} cannot be reached (${method}: ${failure.error}); retrying with backoff`,
        );
    }
    return failure;
  }

  /** The doubling wait after a failure (Telegram's retry_after when it gave one); ends early on stop. */
  async #wait(failure: Failure, signal?: AbortSignal): Promise<void> {
    const { retryFirstDelayMs, retryMaxDelayMs } = this.#timing;
    const doubled = retryFirstDelayMs * 2 ** Math.min(30, this.#failuresInRow - 1);
    const base = failure.retryAfterMs ?? Math.min(retryMaxDelayMs, doubled);
    const ms = base * (1 + RETRY_JITTER_FRACTION * Math.random());
    const link = linkedController([signal, this.#stopping.signal]);
    const abort = link.signal;
    await new Promise<void>((resolve) => {
      if (abort.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        resolve();
      }
      abort.addEventListener('abort', done);
    });
    link.dispose();
    if (signal?.aborted) throw new Error('stopped');
  }
}

/** Turns what grammY threw into a Failure; the token never appears in the result. */
function classify(error: unknown, token: string, timeoutMs: number): Failure {
  const clean = (text: string) => text.split(token).join('<token>').slice(0, ERROR_TEXT_MAX_CHARS);
  if (error instanceof ListenFailed) {
    const text = clean(`port ${error.port}: ${networkError(error.error)}`);
    return { kind: 'webhook-port', reason: `webhook server cannot listen on ${text}`, error: text };
  }
  if (error instanceof DeadlineExceeded) {
    const text = `no answer within ${timeoutMs / 1000} s`;
    return { kind: 'unreachable', reason: `Bot API unreachable: ${text}`, error: text };
  }
  if (error instanceof GrammyError) {
    const text = clean(`${error.error_code} ${error.description}`);
    if (error.error_code === 401) return { kind: 'unauthorized', reason: 'token refused (401)', error: text };
    if (error.error_code === 409) {
      return /webhook/i.test(error.description)
        ? { kind: 'webhook-conflict', reason: 'a webhook is set for this token (409)', error: text }
        : { kind: 'conflict', reason: 'another instance is polling with this token (409)', error: text };
    }
    const retryAfter = error.parameters.retry_after;
    if (error.error_code === 429) {
      return {
        kind: 'rate-limited',
        reason: 'rate limited (429)',
        error: text,
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    }
    return { kind: 'refused', reason: `Bot API refused: ${text}`, error: text };
  }
  const text = clean(networkError(error));
  return { kind: 'unreachable', reason: `Bot API unreachable: ${text}`, error: text };
}

/** The useful part of a network failure: node-fetch's "reason", not the URL (which holds the token). */
function networkError(error: unknown): string {
  const cause = error instanceof HttpError ? error.error : error;
  if (!(cause instanceof Error)) return String(cause);
  const { type } = cause as { type?: string };
  const reason = /reason: (.*)$/s.exec(cause.message)?.[1] ?? cause.message;
  return type === 'invalid-json' ? `the answer is not Bot API JSON (${reason})` : reason;
}
