import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const discord = {
  APICORE_API_KEY: 'sk-测试-🔑',
  DISCORD_BOT_TOKEN: 'd.t.x',
  DISCORD_APPLICATION_ID: '123456789012345678',
};

describe('DISCORD_MESSAGE_CONTENT', () => {
  it('is on by default (unset or empty)', () => {
    expect(loadConfig(discord).discord?.messageContent).toBe(true);
    expect(loadConfig({ ...discord, DISCORD_MESSAGE_CONTENT: '' }).discord?.messageContent).toBe(true);
  });

  it.each([
    ['on', true],
    [' ON ', true],
    ['true', true],
    ['yes', true],
    ['1', true],
    ['off', false],
    ['Off', false],
    ['false', false],
    ['no', false],
    ['0', false],
  ])('reads %j as %s', (value, expected) => {
    expect(loadConfig({ ...discord, DISCORD_MESSAGE_CONTENT: value }).discord?.messageContent).toBe(expected);
  });

  it.each(['maybe', '关闭', '🚫', 'of'])('rejects %j, naming the variable (exit 2 in main)', (value) => {
    const load = () => loadConfig({ ...discord, DISCORD_MESSAGE_CONTENT: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^DISCORD_MESSAGE_CONTENT is invalid: expected on or off$/);
  });
});
