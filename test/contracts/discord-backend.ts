import type { ChatRef, MediaKind } from '../../src/core/platform.js';
import { createLogger } from '../../src/log.js';
import { DiscordPlatform } from '../../src/platforms/discord/discord-platform.js';
import { DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, FakeDiscord, type StoredMessage } from '../fakes/discord.js';
import type { Backend, Harness, Seen } from './harness.js';
import { RecordingHooks, WAIT_MS } from './hooks.js';

/** Discord shows "thinking…" for a deferred response until it is filled (flag 128). */
const LOADING = 128;
const BUTTON = 2;
/** What the adapter puts in a message that would otherwise be empty. */
const BLANK = '\u200b';

interface Component {
  type?: number;
  label?: string;
  custom_id?: string;
  components?: Component[];
}

function kindOf(contentType: string): MediaKind {
  const top = contentType.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'file';
}

function buttonsOf(m: StoredMessage): Component[][] {
  return (m.components as Component[]).map((row) => (row.components ?? []).filter((c) => c.type === BUTTON));
}

function toSeen(m: StoredMessage): Seen {
  const text = m.content === BLANK ? '' : m.content;
  return {
    // Discord renders the markdown itself: the content is what the user reads.
    text,
    length: text.length,
    buttons: buttonsOf(m).map((row) => row.map((b) => b.label ?? '')),
    files: m.attachments.map((a) => ({ kind: kindOf(a.contentType), size: a.size, name: a.filename })),
    replyTo: m.message_reference?.message_id,
  };
}

/**
 * The real discord.js Client (DiscordPlatform) against the loopback fake Discord (REST and gateway),
 * posting in a guild text channel.
 */
export const discordChannel: Backend = {
  name: 'discord (guild channel)',
  cannot: {},
  knownBugs: [],
  async start(): Promise<Harness> {
    const discord = await FakeDiscord.start();
    const logs: string[] = [];
    const log = createLogger({
      level: 'warn',
      secrets: [discord.token],
      destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
    });
    const make = () =>
      new DiscordPlatform({
        token: discord.token,
        applicationId: discord.applicationId,
        apiUrl: discord.restBase,
        commands: [],
        log,
        clientOptions: { waitGuildTimeout: 0 },
      });
    let adapter = make();
    const hooks = new RecordingHooks();
    await adapter.start(hooks);
    const channelId = DEFAULT_CHANNEL_ID;
    const chat: ChatRef = { platform: 'discord', id: channelId, kind: 'group' };
    /** The bot's messages in the channel as Discord shows them: posted ones and interaction responses. */
    const botMessages = (): StoredMessage[] => {
      const all = [
        ...discord.channelMessages(channelId),
        ...discord
          .interactions()
          .filter((i) => i.channelId === channelId)
          .flatMap((i) => [i.original, ...i.followUps]),
      ].filter(
        (m): m is StoredMessage =>
          m !== undefined && !m.deleted && (m.flags & LOADING) === 0 && m.author.id === discord.botUserId,
      );
      const unique = [...new Map(all.map((m) => [m.id, m])).values()];
      return unique.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    };
    return {
      get adapter() {
        return adapter;
      },
      chat,
      hooks,
      channel: () => adapter.channel(chat),
      view(ref) {
        const m = discord.message(ref.messageId);
        return m && !m.deleted && m.author.id === discord.botUserId ? toSeen(m) : undefined;
      },
      mark() {
        const before = new Set(botMessages().map((m) => m.id));
        return () =>
          botMessages()
            .filter((m) => !before.has(m.id))
            .map(toSeen);
      },
      screen: () =>
        botMessages()
          .map((m) => m.content)
          .join('\n\n'),
      waitFor<T>(check: () => T | undefined | null | false): Promise<T> {
        return discord.waitFor(() => check(), WAIT_MS);
      },
      async press(ref, label) {
        const m = discord.message(ref.messageId);
        const button =
          m &&
          buttonsOf(m)
            .flat()
            .find((b) => b.label === label);
        if (!button?.custom_id) throw new Error(`no button "${label}" under the message`);
        discord.pressButton({
          messageId: ref.messageId,
          customId: button.custom_id,
          user: { id: DEFAULT_USER_ID, username: 'ada' },
        });
      },
      busy: () =>
        discord
          .interactions()
          .some(
            (i) =>
              i.channelId === channelId &&
              (!i.acked ||
                (i.original !== undefined && !i.original.deleted && (i.original.flags & LOADING) !== 0)),
          ),
      typings: () => discord.typingCount(channelId),
      async userMessage(text) {
        return discord.messageCreate({
          channelId,
          content: text,
          author: { id: DEFAULT_USER_ID, username: 'ada' },
        }).id;
      },
      missingMessageId: '1999999999999999999',
      problems: () => [...discord.unexpected],
      async restart() {
        await adapter.stop();
        adapter = make();
        await adapter.start(hooks);
      },
      async stop() {
        await adapter.stop();
        await discord.close();
      },
    };
  },
};
