import { Api } from 'grammy';
import { Agent, request } from 'undici';
import type { SessionInfo } from './protocol.js';
import { median, sleep } from './stats.js';

/**
 * Platform round trips through the client the bot itself uses: getMe through grammY for
 * Telegram, GET /gateway/bot through undici (what discord.js's REST is built on) for Discord. A
 * few at rest, then one every `everyMs` while a phase runs, so each row's target uses the round
 * trip the fake actually gave under that load.
 */
export class RttProbe {
  readonly #once: () => Promise<void>;
  readonly #agent: Agent | undefined;
  readonly samples: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(session: SessionInfo) {
    if (session.telegram) {
      const api = new Api(session.telegram.token, { apiRoot: session.telegram.apiRoot });
      this.#once = async () => void (await api.getMe());
    } else if (session.discord) {
      const { restBase, token } = session.discord;
      const agent = new Agent({ keepAliveTimeout: 30_000 });
      this.#agent = agent;
      this.#once = async () => {
        const res = await request(`${restBase}/v10/gateway/bot`, {
          dispatcher: agent,
          headers: { authorization: `Bot ${token}` },
        });
        await res.body.text();
      };
    } else {
      throw new Error('no platform in the session');
    }
  }

  async #timed(): Promise<number> {
    const t = performance.now();
    await this.#once();
    return performance.now() - t;
  }

  /** Median of `n` sequential round trips (after two warm-up calls that open the connection). */
  async atRest(n = 20): Promise<number> {
    await this.#timed();
    await this.#timed();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await this.#timed());
      await sleep(5);
    }
    return median(out);
  }

  start(everyMs = 100): void {
    let busy = false;
    this.#timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.#timed()
        .then((ms) => this.samples.push(ms))
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    }, everyMs);
  }

  stop(): number[] {
    clearInterval(this.#timer);
    void this.#agent?.close();
    return this.samples;
  }
}
