import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';

let fake: FakeApiCore;
beforeAll(async () => {
  fake = await FakeApiCore.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

describe('access and budget', () => {
  it('refuses a user who is not on the allow list, without calling upstream', async () => {
    const run = await runConsole(fake, ['/chat hello'], {
      env: { ALLOWED_USERS: 'telegram:1,2' },
      locale: 'zh_CN.UTF-8',
    });
    expect(run.output).toBe('抱歉，这是私有机器人。请联系管理员添加你（你的 ID：console:local）。\n');
    expect(fake.requests).toHaveLength(0);
    expect(run.logs.join('')).toContain('request refused by the access policy');
  });

  it('lets a listed user and an allowed chat in', async () => {
    const byUser = await runConsole(fake, ['/chat hi 你好'], { env: { ALLOWED_USERS: 'console:local' } });
    expect(byUser.output).toBe('Echo: hi 你好\n');
    const byChat = await runConsole(fake, ['/chat hi again'], { env: { ALLOWED_CHATS: 'local' } });
    expect(byChat.output).toBe('Echo: hi again\n');
  });

  it('limits requests per minute per user, with a clear message', async () => {
    const run = await runConsole(fake, ['/chat one', '/chat two', '/chat three'], {
      env: { RATE_LIMIT_PER_MINUTE: '2' },
    });
    expect(run.output).toBe(
      'Echo: one\nEcho: two\nYou are sending requests too fast (at most 2 a minute). Please wait a moment.\n',
    );
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(2);
  });

  it('stops chat at the daily token quota and tasks at the daily task quota', async () => {
    const run = await runConsole(
      fake,
      ['/chat a long question 一个问题', '/chat another', '/imagine a cat', '/imagine a dog'],
      {
        env: { DAILY_TOKEN_QUOTA: '5', DAILY_TASK_QUOTA: '1', TASK_POLL_INTERVAL_MS: '100' },
      },
    );
    // The first answer goes past the 5-token quota as it streams: cut, with the line saying so.
    const [kept] = run.output.split('\n\n⚠️ Daily token limit reached — answer cut. Resets at 00:00 UTC.\n');
    expect('Echo: a long question 一个问题'.startsWith(kept!)).toBe(true);
    expect(run.output).toMatch(/You have used today’s chat allowance \(\d+ of 5 tokens\)/);
    expect(run.output).toContain('You have used today’s allowance of media tasks (1 of 1).');
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(1);
    expect(fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(1);
  });

  it('shows the key’s figures to admins only', async () => {
    const user = await runConsole(fake, ['/usage'], {
      env: { ADMIN_USERS: 'telegram:42', DAILY_TASK_QUOTA: '3' },
    });
    expect(user.output).toBe('👤 Your use today\nTokens: 0\nMedia tasks: 0 / 3\n');
    expect(fake.requestsTo('GET', '/v1/dashboard/billing/subscription')).toHaveLength(0);
    const admin = await runConsole(fake, ['/usage'], { env: { ADMIN_USERS: 'console:local' } });
    expect(admin.output).toContain('📊 APICore key usage');
  });
});
