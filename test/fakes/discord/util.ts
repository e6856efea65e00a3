import { createHash, randomBytes } from 'node:crypto';
import type { RouteMatcher } from './types.js';

export const DEFAULT_TOKEN = 'fake-bot-token.discord.test';
export const DEFAULT_APPLICATION_ID = '1100000000000000001';
export const DEFAULT_BOT_USER_ID = '1100000000000000001';
export const DEFAULT_GUILD_ID = '1200000000000000001';
export const DEFAULT_CHANNEL_ID = '1300000000000000001';
export const DEFAULT_USER_ID = '1400000000000000001';
export const BOT_USERNAME = 'apicore-bot';

const DISCORD_EPOCH = 1420070400000n;

/** Real-looking, increasing snowflakes (timestamp in the top bits, so discord.js `createdAt` is sane). */
export class Snowflakes {
  #increment = 0n;
  next(): string {
    const ts = BigInt(Date.now()) - DISCORD_EPOCH;
    this.#increment = (this.#increment + 1n) & 0xfffn;
    return ((ts << 22n) | (1n << 17n) | this.#increment).toString();
  }
}

/** An interaction token in Discord's shape (`aW50ZXJhY3Rpb246` = base64 "interaction:"). */
export function interactionToken(id: string): string {
  return `aW50ZXJhY3Rpb246${Buffer.from(id).toString('base64url')}${randomBytes(48).toString('base64url')}`;
}

/** Discord counts string lengths in code points (its API is Python). */
export const codePoints = (s: string): number => [...s].length;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const LOCALES: ReadonlySet<string> = new Set([
  'id',
  'en-US',
  'en-GB',
  'bg',
  'zh-CN',
  'zh-TW',
  'hr',
  'cs',
  'da',
  'nl',
  'fi',
  'fr',
  'de',
  'el',
  'hi',
  'hu',
  'it',
  'ja',
  'ko',
  'lt',
  'no',
  'pl',
  'pt-BR',
  'ro',
  'ru',
  'es-ES',
  'es-419',
  'sv-SE',
  'th',
  'tr',
  'uk',
  'vi',
]);

/** Permission bits a freshly invited chat bot typically has in a text channel. */
export const TEXT_PERMISSIONS = (
  (1n << 6n) | // ADD_REACTIONS
  (1n << 10n) | // VIEW_CHANNEL
  (1n << 11n) | // SEND_MESSAGES
  (1n << 14n) | // EMBED_LINKS
  (1n << 15n) | // ATTACH_FILES
  (1n << 16n) | // READ_MESSAGE_HISTORY
  (1n << 18n) | // USE_EXTERNAL_EMOJIS
  (1n << 31n) | // USE_APPLICATION_COMMANDS
  (1n << 35n) | // CREATE_PUBLIC_THREADS
  (1n << 38n)
) // SEND_MESSAGES_IN_THREADS
  .toString();

/** Error body builder for `{code:50035, message:'Invalid Form Body', errors:{a:{0:{b:{_errors:[…]}}}}}`. */
export class FormErrors {
  readonly tree: Record<string, unknown> = {};
  #count = 0;
  add(path: (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const k = String(key);
      const next = node[k];
      if (isRecord(next)) node = next;
      else {
        const created: Record<string, unknown> = {};
        node[k] = created;
        node = created;
      }
    }
    const list = Array.isArray(node._errors) ? (node._errors as unknown[]) : [];
    list.push({ code, message });
    node._errors = list;
    this.#count++;
  }
  get empty(): boolean {
    return this.#count === 0;
  }
  body(): { code: number; message: string; errors: Record<string, unknown> } {
    return { code: 50035, message: 'Invalid Form Body', errors: this.tree };
  }
}

export function compileMatcher(m: RouteMatcher): (method: string, path: string, rawPath: string) => boolean {
  if (typeof m === 'function') return (method, path) => m({ method, path });
  if (m instanceof RegExp) return (method, path) => m.test(`${method} ${path}`);
  const space = m.indexOf(' ');
  const wantMethod = space === -1 ? '*' : m.slice(0, space).toUpperCase();
  const glob = space === -1 ? m : m.slice(space + 1);
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (method, path, rawPath) =>
    (wantMethod === '*' || wantMethod === method) && (re.test(path) || re.test(rawPath));
}

/** Route template used for rate-limit buckets: ids and tokens generalised, the major parameter kept apart. */
export function bucketOf(method: string, path: string): { key: string; hash: string } {
  const seg = path.split('/').filter(Boolean);
  let major = 'global';
  if ((seg[0] === 'channels' || seg[0] === 'guilds') && seg[1]) major = `${seg[0]}/${seg[1]}`;
  else if ((seg[0] === 'webhooks' || seg[0] === 'interactions') && seg[1] && seg[2])
    major = `${seg[0]}/${seg[1]}/${seg[2]}`;
  const template = seg
    .map((s, i) => {
      if (/^\d{15,21}$/.test(s)) return ':id';
      if ((seg[0] === 'webhooks' || seg[0] === 'interactions') && i === 2) return ':token';
      return s;
    })
    .join('/');
  const hash = createHash('sha1').update(`${method} /${template}`).digest('hex').slice(0, 32);
  return { key: `${hash}:${major}`, hash };
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
