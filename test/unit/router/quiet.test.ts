import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import type { AccessConfig } from '../../../src/config.js';
import type { ApiCore } from '../../../src/core/apicore.js';
import type { ChatService } from '../../../src/core/command.js';
import type {
  ChatRef,
  Invocation,
  MessageRef,
  OutgoingMessage,
  PlatformLimits,
  ReplyChannel,
  UserRef,
} from '../../../src/core/platform.js';
import type { Store } from '../../../src/core/store.js';
import type { TaskTracker } from '../../../src/core/tasks.js';
import { type Clock, SchedulerRegistry } from '../../../src/render/scheduler.js';
import { AccessPolicy, OPEN_ACCESS } from '../../../src/router/access.js';
import { Router } from '../../../src/router/router.js';
import { memoryStore } from '../../../src/store/index.js';

// The router's own words (refusals, errors) are paced like answers and said once per window.

/** A clock the test moves by hand; timers fire as it passes them. */
class ManualClock implements Clock {
  #now = Date.UTC(2026, 2, 14, 15, 9, 5);
  #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;
  now = () => this.#now;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.#timers.delete(handle as number);
  };
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** What a chat shows: every message the router sent, in order. */
class Chat implements ReplyChannel {
  readonly sent: string[] = [];
  async send(message: OutgoingMessage): Promise<MessageRef> {
    this.sent.push(message.text);
    return { chatId: 'c', messageId: String(this.sent.length) };
  }
  async edit(): Promise<void> {}
}

/** A group budget of 2 messages a minute, so pacing shows after two. */
const LIMITS: PlatformLimits = {
  maxChars: 4096,
  maxCaptionChars: 1024,
  maxUploadBytes: 1e6,
  maxDownloadBytes: 1e6,
  minEditIntervalMs: 1000,
  privateBudget: { count: 2, perMs: 60_000 },
  groupBudget: { count: 2, perMs: 60_000 },
  liveEdits: true,
};

function router(store: Store, clock: ManualClock, access: Partial<AccessConfig> = {}) {
  const config = { ...OPEN_ACCESS, ...access };
  const r = new Router({
    commands,
    apicore: {} as ApiCore,
    store,
    chatService: {} as ChatService,
    tasks: {} as TaskTracker,
    schedulers: new SchedulerRegistry(clock),
    log: pino({ level: 'silent' }),
    defaultModel: 'gpt-4o-mini',
    access: new AccessPolicy(config, store, clock.now),
    ratePerMinute: config.ratePerMinute,
  });
  return r.dispatchFor({ name: 'test', limits: () => LIMITS });
}

const group: ChatRef = { platform: 'test', id: '-42', kind: 'group' };
const zoe: UserRef = { id: '7', name: 'Zoe 佐伊 🦋', locale: 'zh-CN' };

function command(channel: ReplyChannel, name: string, extra: Partial<Invocation> = {}): Invocation {
  return {
    user: zoe,
    chat: group,
    channel,
    messageId: '1',
    event: { type: 'command', name, args: {}, addressed: true },
    ...extra,
  };
}

describe('Router: quiet groups', () => {
  it('paces its error replies by the chat’s budget', async () => {
    const clock = new ManualClock();
    const dispatch = router(memoryStore(), clock);
    const chat = new Chat();
    const runs = Array.from({ length: 5 }, (_, i) => dispatch(command(chat, `nope${i}`)));
    await settle();
    expect(chat.sent).toHaveLength(2);
    await clock.advance(60_000);
    expect(chat.sent).toHaveLength(4);
    await clock.advance(60_000);
    await Promise.all(runs);
    expect(chat.sent).toEqual(
      Array.from({ length: 5 }, (_, i) => `未知命令 /nope${i}。发送 /help 查看可用命令。`),
    );
  });

  it('says "slow down" once per user and window, across routers sharing a store', async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const [a, b] = [router(store, clock, { ratePerMinute: 1 }), router(store, clock, { ratePerMinute: 1 })];
    const chat = new Chat();
    await a(command(chat, 'nope'));
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b)(command(chat, 'nope'));
    await clock.advance(60_000);
    expect(chat.sent.filter((t) => t.startsWith('请求太频繁'))).toHaveLength(1);
    // The next minute is a new window: one request, then one refusal again.
    for (let i = 0; i < 3; i++) await b(command(chat, 'nope'));
    await clock.advance(60_000);
    expect(chat.sent.filter((t) => t.startsWith('请求太频繁'))).toHaveLength(2);
    expect(chat.sent.filter((t) => t.startsWith('未知命令'))).toHaveLength(2);
  });

  it('ignores an unknown command without its name in a group only', async () => {
    const clock = new ManualClock();
    const dispatch = router(memoryStore(), clock, { ratePerMinute: 2 });
    const chat = new Chat();
    const loose = { type: 'command' as const, name: 'ban', args: {}, addressed: false };
    for (let i = 0; i < 3; i++) await dispatch(command(chat, 'ban', { event: loose }));
    expect(chat.sent).toEqual([]);
    // Ignored commands cost nothing: the two requests this minute are still free.
    await dispatch(command(chat, 'ban'));
    expect(chat.sent).toEqual(['未知命令 /ban。发送 /help 查看可用命令。']);
    const dm = new Chat();
    await dispatch(
      command(dm, 'ban', { event: loose, chat: { platform: 'test', id: '7', kind: 'private' } }),
    );
    expect(dm.sent).toEqual(['未知命令 /ban。发送 /help 查看可用命令。']);
  });

  it('answers a button’s error to the presser when it can, in the chat when it cannot', async () => {
    const clock = new ManualClock();
    const dispatch = router(memoryStore(), clock);
    const chat = new Chat();
    const notices: string[] = [];
    const press = (shown: boolean): Invocation => ({
      ...command(chat, ''),
      event: { type: 'button', data: 'gone' },
      notice: async (text) => {
        notices.push(text);
        return shown;
      },
    });
    await dispatch(press(true));
    expect(notices).toEqual(['此按钮已失效，请重新执行命令。']);
    expect(chat.sent).toEqual([]);
    await dispatch(press(false));
    expect(chat.sent).toEqual(['此按钮已失效，请重新执行命令。']);
  });

  it('answers an album once', async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const [a, b] = [router(store, clock), router(store, clock)];
    const chat = new Chat();
    const part: Invocation = {
      ...command(chat, ''),
      chat: { ...group, kind: 'private' },
      event: { type: 'message', text: '', files: [], album: '13000000001' },
    };
    // No describe or chat can run here (no APICore): an error each time the album is answered.
    await a(part);
    await b(part);
    expect(chat.sent).toHaveLength(1);
  });
});

describe('Router: chat-wide settings', () => {
  const allowed = async (extra: Partial<Invocation>, access: Partial<AccessConfig> = {}) => {
    const clock = new ManualClock();
    const chat = new Chat();
    await router(
      memoryStore(),
      clock,
      access,
    )({
      ...command(chat, 'model'),
      event: { type: 'command', name: 'model', args: { name: 'gpt-4o' } },
      ...extra,
    });
    return chat.sent[0] ?? '';
  };
  const refused = '🔒 只有群管理员可以修改本群的设置。你仍可正常使用，也可以在与我的私聊中自行设置。';

  it('refuses a group member the platform says is no admin, or cannot say', async () => {
    expect(await allowed({ senderIsChatAdmin: async () => false })).toBe(refused);
    expect(
      await allowed({
        senderIsChatAdmin: async () => {
          throw new Error('Bad Request: chat not found');
        },
      }),
    ).toBe(refused);
  });

  it('lets admins, configured admins and private chats past the check', async () => {
    // Past the check, /model asks APICore for its models (absent here): any other answer means allowed.
    let asked = 0;
    const admin = async () => {
      asked++;
      return true;
    };
    expect(await allowed({ senderIsChatAdmin: admin })).not.toBe(refused);
    expect(asked).toBe(1);
    expect(await allowed({ senderIsChatAdmin: async () => false }, { adminUsers: ['test:7'] })).not.toBe(
      refused,
    );
    expect(
      await allowed({
        chat: { platform: 'test', id: '7', kind: 'private' },
        senderIsChatAdmin: async () => false,
      }),
    ).not.toBe(refused);
    // A platform that cannot tell (no senderIsChatAdmin) leaves groups open, as before.
    expect(await allowed({})).not.toBe(refused);
  });
});
