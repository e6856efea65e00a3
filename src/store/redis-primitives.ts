import type { Claims, Counters, StringSets } from '../core/store.js';
import { scopedKey, wholeStep, wholeTtlMs } from './checks.js';

/** The commands the primitives use, as node-redis's client (from @keyv/redis's createClient) has them. */
export interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  get(key: string): Promise<string | null>;
  sAdd(key: string, member: string): Promise<number>;
  sRem(key: string, member: string): Promise<number>;
  sMembers(key: string): Promise<string[]>;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
  del(key: string): Promise<number>;
}

/**
 * INCRBY, and the TTL only when the key has none yet (a new or restarted counter), in one atomic
 * script: a MULTI of INCRBY + `PEXPIRE … NX` would need Redis 7, this runs on any Redis with Lua.
 */
const ADD_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`;

/** Key prefixes per primitive, beside keyv's `namespace::key`: `counters:<name>::<key>` and so on. */
const REDIS_PREFIXES = { counters: 'counters:', sets: 'sets:', claims: 'claims:' } as const;

/**
 * Counters, sets and claims over the connection the keyv namespaces already share. `ready()` answers
 * the client, or throws once the store is closed (node-redis would otherwise try to reopen it).
 */
export function redisPrimitives(ready: () => RedisCommands) {
  return {
    counters(name: string): Counters {
      const id = (key: string) => REDIS_PREFIXES.counters + scopedKey(name, key);
      return {
        async add(key, by, ttlMs) {
          const args = [String(wholeStep(by)), String(wholeTtlMs(ttlMs))];
          return Number(await ready().eval(ADD_SCRIPT, { keys: [id(key)], arguments: args }));
        },
        async get(key) {
          return Number((await ready().get(id(key))) ?? 0);
        },
      };
    },
    sets(name: string): StringSets {
      const id = (key: string) => REDIS_PREFIXES.sets + scopedKey(name, key);
      return {
        async add(key, member) {
          await ready().sAdd(id(key), member);
        },
        async remove(key, member) {
          await ready().sRem(id(key), member);
        },
        async members(key) {
          return ready().sMembers(id(key));
        },
      };
    },
    claims(name: string): Claims {
      const id = (key: string) => REDIS_PREFIXES.claims + scopedKey(name, key);
      return {
        async claim(key, ttlMs) {
          const expiration = { type: 'PX', value: wholeTtlMs(ttlMs) } as const;
          return (await ready().set(id(key), '1', { condition: 'NX', expiration })) === 'OK';
        },
        async release(key) {
          await ready().del(id(key));
        },
      };
    },
  };
}
