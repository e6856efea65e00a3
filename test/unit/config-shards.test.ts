import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const discord = {
  APICORE_API_KEY: 'sk-测试-🔑',
  DISCORD_BOT_TOKEN: 'd.t.x',
  DISCORD_APPLICATION_ID: '123456789012345678',
};

const shards = (env: Record<string, string>) => loadConfig({ ...discord, ...env }).discord?.shards;

describe('DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS', () => {
  it('default to auto, every shard in this process', () => {
    expect(shards({})).toEqual({ count: 'auto', ids: undefined });
    expect(shards({ DISCORD_SHARD_COUNT: '', DISCORD_SHARD_IDS: '' })).toEqual({
      count: 'auto',
      ids: undefined,
    });
    expect(shards({ DISCORD_SHARD_COUNT: ' AUTO ' })).toEqual({ count: 'auto', ids: undefined });
  });

  it('take a total with all of its shards here when no ids are given', () => {
    expect(shards({ DISCORD_SHARD_COUNT: '4' })).toEqual({ count: 4, ids: undefined });
  });

  it.each([
    ['0', 2, [0]],
    ['1', 2, [1]],
    ['0-3', 8, [0, 1, 2, 3]],
    [' 4 - 5 , 7,0 ', 8, [0, 4, 5, 7]],
    ['3,1,1,2-3', 4, [1, 2, 3]],
    ['9-9', 10, [9]],
  ])('read %j of %i as %j', (ids, count, expected) => {
    expect(shards({ DISCORD_SHARD_COUNT: String(count), DISCORD_SHARD_IDS: ids })).toEqual({
      count,
      ids: expected,
    });
  });

  it.each(['0', '-1', '1.5', 'two', '二', '🧩', '100001', '0x2'])(
    'reject DISCORD_SHARD_COUNT=%j, naming the variable (exit 2 in main)',
    (value) => {
      const load = () => shards({ DISCORD_SHARD_COUNT: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^DISCORD_SHARD_COUNT is invalid: expected /);
    },
  );

  it.each(['2', '0,2', '1-2', '0-', '-1', '1-0', 'a', '0;1', '0,,1', '１', '🧩', '0 1'])(
    'reject DISCORD_SHARD_IDS=%j of 2, naming the variable',
    (value) => {
      const load = () => shards({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(
        /^DISCORD_SHARD_IDS is invalid: expected a comma-separated list of shard ids and ranges \(e\.g\. 0,2 or 0-3\), each below DISCORD_SHARD_COUNT \(2\)$/,
      );
    },
  );

  it('reject shard ids without a numeric DISCORD_SHARD_COUNT', () => {
    for (const count of [undefined, 'auto']) {
      const load = () =>
        shards({ ...(count === undefined ? {} : { DISCORD_SHARD_COUNT: count }), DISCORD_SHARD_IDS: '0' });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^DISCORD_SHARD_IDS is invalid: expected DISCORD_SHARD_COUNT set to the total/);
    }
  });
});
