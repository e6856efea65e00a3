import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DispatchRecord, FakeGateway, type GatewaySession, shardOf } from './gateway.js';
import { parseMultipart, readRaw } from './multipart.js';
import {
  apiAttachment,
  apiChannel,
  apiMember,
  apiMessage,
  apiThread,
  apiUser,
  botRoleId,
  guildCreate,
} from './payloads.js';
import type {
  ApiUser,
  CallbackRecord,
  FakeDiscordOptions,
  FakeGuildSpec,
  Fault,
  GatewayFrame,
  InteractionRecord,
  RateLimitRule,
  RecordedCall,
  RouteMatcher,
  StoredAttachment,
  StoredMessage,
  ThreadRecord,
  UploadedFile,
  UserInput,
} from './types.js';
import {
  BOT_USERNAME,
  bucketOf,
  compileMatcher,
  DEFAULT_APPLICATION_ID,
  DEFAULT_BOT_USER_ID,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  DEFAULT_TOKEN,
  FormErrors,
  interactionToken,
  isRecord,
  Snowflakes,
  TEXT_PERMISSIONS,
} from './util.js';
import {
  isEmptyMessage,
  validateChoices,
  validateCommands,
  validateMessage,
  validateModal,
} from './validate.js';

/** An answer from a route handler. */
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw bytes (attachment downloads). */
  raw?: Buffer;
  contentType?: string;
}

interface RouteCtx {
  params: string[];
  body: unknown;
  files: UploadedFile[];
  query: URLSearchParams;
  call: RecordedCall;
}

interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle: (ctx: RouteCtx) => Reply;
}

/** Common fields of the interaction builders. */
export interface InteractionInput {
  user?: UserInput;
  /** `null` for a DM with the bot. Default: the first configured guild. */
  guildId?: string | null;
  /** Default: the guild's first channel. */
  channelId?: string;
  locale?: string;
  guildLocale?: string;
  /** `app_permissions` bitfield string (default: typical text-channel bot permissions). */
  appPermissions?: string;
  /** `attachment_size_limit` (default 10 MiB); also the upload limit for this interaction's webhook calls. */
  attachmentSizeLimit?: number;
  /** The member's `permissions` bitfield string in a guild (default: typical text permissions, no Manage Server). */
  memberPermissions?: string;
}

export interface ApiOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: ApiOption[];
  focused?: boolean;
}

export interface AttachmentInput {
  /** Command option that carries it (type 11). Default `file`, then `file2`, `file3`… */
  option?: string;
  filename: string;
  contentType?: string;
  /** Bytes served at the attachment URL (default: `size` zero bytes). */
  data?: Buffer | string;
  /** Reported size (default: the data length). */
  size?: number;
}

export interface SlashCommandInput extends InteractionInput {
  name: string;
  /** A name → value map (type inferred: string 3, integer 4, number 10, boolean 5) or raw API options. */
  options?: Record<string, string | number | boolean> | ApiOption[];
  subcommand?: string;
  subcommandGroup?: string;
  attachments?: AttachmentInput[];
}

export interface ButtonInput extends Omit<InteractionInput, 'guildId'> {
  messageId: string;
  customId: string;
  /** Skip the check that the message has a button with this custom_id. */
  force?: boolean;
}

export interface ModalSubmitInput {
  /** The component interaction the modal was the answer to. */
  interactionId: string;
  /** Typed values by text input custom_id; a field left out keeps its pre-filled value. */
  values: Record<string, string>;
  user?: InteractionInput['user'];
  locale?: string;
}

export interface AutocompleteInput extends InteractionInput {
  name: string;
  focused: { name: string; value: string | number; type?: number };
  /** Other options already filled in. */
  options?: Record<string, string | number | boolean> | ApiOption[];
  subcommand?: string;
}

export interface MessageCreateInput {
  channelId?: string;
  content: string;
  author?: UserInput;
  /** Users mentioned (pass `fake.botUser` to mention the bot). */
  mentions?: UserInput[];
  referencedMessageId?: string;
  attachments?: Omit<AttachmentInput, 'option'>[];
  /** Role ids mentioned (`<@&id>` in the content; pass `fake.botRoleId()` for the bot's managed role). */
  roleMentions?: string[];
}

/** A message context-menu command (right-click a message → Apps → `name`). */
export interface MessageCommandInput extends Omit<InteractionInput, 'guildId' | 'channelId'> {
  name: string;
  /** The message it was used on (one the fake knows). */
  messageId: string;
}

export interface MessageCreateResult {
  id: string;
  /** False when the session's intents would not receive it (no GUILD_MESSAGES / DIRECT_MESSAGES). */
  delivered: boolean;
  /** False when Discord would blank the content (no MESSAGE_CONTENT intent, no mention, not a DM). */
  contentVisible: boolean;
}

interface InteractionContext {
  guildId: string | null;
  channelId: string;
  user: ApiUser;
  locale: string;
  guildLocale: string;
  appPermissions: string;
  attachmentSizeLimit: number;
  memberPermissions: string;
}

const INTENT_GUILDS = 1 << 0;
const INTENT_GUILD_MESSAGES = 1 << 9;
const INTENT_DIRECT_MESSAGES = 1 << 12;
const INTENT_MESSAGE_CONTENT = 1 << 15;

const EPHEMERAL = 64;
const LOADING = 128;
const CREATE_FLAGS = 4 | 64 | 4096 | 8192 | 32768;

const MIME: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  webm: 'video/webm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

const err = (status: number, code: number, message: string): Reply => ({ status, body: { message, code } });
const UNKNOWN_WEBHOOK = () => err(404, 10015, 'Unknown Webhook');
const UNKNOWN_MESSAGE = () => err(404, 10008, 'Unknown Message');
const UNKNOWN_INTERACTION = () => err(404, 10062, 'Unknown interaction');
const EMPTY_MESSAGE = () => err(400, 50006, 'Cannot send an empty message');

/**
 * Strict loopback fake of Discord: REST under `/api/v10` and the gateway on the same port. Drive the real
 * discord.js `Client` with `rest: { api: fake.restBase }` and `client.login(fake.token)`.
 */
export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly botUser: ApiUser;
  /** Every REST request, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Requests the fake did not expect (unknown routes, unknown ids, bad gateway frames…). */
  readonly unexpected: string[] = [];

  readonly #server: Server;
  readonly #gateway: FakeGateway;
  readonly #ids = new Snowflakes();
  readonly #opts: FakeDiscordOptions;
  readonly #guilds: FakeGuildSpec[];
  readonly #routes: Route[];
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();
  readonly #messages = new Map<string, StoredMessage>();
  readonly #channelMessages = new Map<string, StoredMessage[]>();
  /** Known channels → guild id (null for DMs). */
  readonly #channels = new Map<string, string | null>();
  readonly #commands = new Map<string, Record<string, unknown>[]>();
  readonly #attachments = new Map<string, StoredAttachment>();
  readonly #threads: ThreadRecord[] = [];
  readonly #typing = new Map<string, number>();
  readonly #faults: { match: ReturnType<typeof compileMatcher>; fault: Fault; left: number }[] = [];
  readonly #rules: { match: ReturnType<typeof compileMatcher>; limit: number; windowMs: number }[];
  readonly #buckets = new Map<string, { remaining: number; resetAt: number }>();
  readonly #waiters = new Set<() => void>();
  readonly #startedAt = Date.now();
  #port = 0;
  #releaseReady: () => void = () => {};
  #disallowedIntents = 0;
  #readyGate: Promise<void> = Promise.resolve();

  private constructor(opts: FakeDiscordOptions) {
    this.#opts = opts;
    this.#disallowedIntents = opts.disallowedIntents ?? 0;
    if (opts.holdReady)
      this.#readyGate = new Promise<void>((resolve) => {
        this.#releaseReady = resolve;
      });
    this.token = opts.token ?? DEFAULT_TOKEN;
    this.applicationId = opts.applicationId ?? DEFAULT_APPLICATION_ID;
    this.botUserId = opts.botUserId ?? DEFAULT_BOT_USER_ID;
    this.botUser = {
      id: this.botUserId,
      username: opts.botUsername ?? BOT_USERNAME,
      discriminator: '0',
      global_name: null,
      avatar: null,
      bot: true,
    };
    this.#guilds = opts.guilds ?? [
      { id: DEFAULT_GUILD_ID, name: 'Test Guild', channels: [{ id: DEFAULT_CHANNEL_ID, name: 'general' }] },
    ];
    for (const g of this.#guilds) for (const c of g.channels ?? []) this.#channels.set(c.id, g.id);
    const defaults = opts.rateLimit ?? { limit: 50, windowMs: 1000 };
    this.#rules = [
      ...(opts.rateLimits ?? []).map((r: RateLimitRule) => ({ ...r, match: compileMatcher(r.match) })),
      { match: () => true, limit: defaults.limit, windowMs: defaults.windowMs },
    ];
    this.#routes = this.#buildRoutes();
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        this.unexpected.push(`fake crashed on ${req.method} ${req.url}: ${String(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: '500: Internal Server Error', code: 0 }));
      });
    });
    this.#gateway = new FakeGateway(this.#server, {
      token: this.token,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 45_000,
      disallowedIntents: () => this.#disallowedIntents,
      refuseToken: opts.refuseGatewayToken ?? false,
      readyGate: () => this.#readyGate,
      gatewayUrl: () => this.gatewayUrl,
      readyPayload: (session) => ({
        v: 10,
        user: {
          ...this.botUser,
          verified: true,
          mfa_enabled: false,
          flags: 0,
        },
        guilds: this.#guildsOf(session).map((g) => ({ id: g.id, unavailable: true })),
        private_channels: [],
        relationships: [],
        presences: [],
        user_settings: {},
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        application: { id: this.applicationId, flags: 0 },
        shard: session.shard,
        _trace: ['["fake-discord",{"micros":0}]'],
      }),
      afterReady: (session) => {
        if ((session.intents & INTENT_GUILDS) === 0) return;
        for (const g of this.#guildsOf(session))
          this.#gateway.send(session, 'GUILD_CREATE', guildCreate(g, this.botUser, this.#startedAt));
      },
      onUnexpected: (what) => this.unexpected.push(what),
      onChange: () => this.#changed(),
    });
  }

  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(opts);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:PORT` */
  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  /** Pass as `rest: { api }`: `http://127.0.0.1:PORT/api`. */
  get restBase(): string {
    return `${this.origin}/api`;
  }
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }
  /** Every gateway frame clients sent (heartbeats, IDENTIFY…). */
  get gatewayFrames(): readonly GatewayFrame[] {
    return this.#gateway.received;
  }
  /** Shards Discord recommends (GET /gateway/bot `shards`); guilds are split by `(guild_id >> 22) % count`. */
  get shardCount(): number {
    return this.#opts.shardCount ?? 1;
  }
  /** The shard (of a session with `shardCount` shards, default the fake's) whose connection gets a guild's events. */
  shardOf(guildId: string, shardCount = this.shardCount): number {
    return shardOf(guildId, shardCount);
  }
  /** Every dispatch sent (READY, GUILD_CREATE, INTERACTION_CREATE…), with the connection and shard that got it. */
  get gatewayDispatches(): readonly DispatchRecord[] {
    return this.#gateway.dispatches;
  }
  /** Every IDENTIFY `d` received, refused ones included (their `intents` show what was asked). */
  get identifies(): readonly Record<string, unknown>[] {
    return this.#gateway.identifies;
  }
  /** Close codes the gateway sent (4004 bad token, 4014 disallowed intents…), in order. */
  get gatewayCloses(): readonly { code: number; reason: string }[] {
    return this.#gateway.closes;
  }
  /** Lets READY (and RESUMED) out (with `holdReady` or after `holdNextReady()`); later ones go at once. */
  releaseReady(): void {
    this.#releaseReady();
  }
  /** Changes which privileged intents the "developer portal" allows; later IDENTIFYs asking for these get 4014. */
  disallowIntents(bits: number): void {
    this.#disallowedIntents = bits;
  }
  /** Holds the next READY or RESUMED until `releaseReady()` (to watch a client resuming). */
  holdNextReady(): void {
    this.#readyGate = new Promise<void>((resolve) => {
      this.#releaseReady = resolve;
    });
  }
  /** The last IDENTIFY `d` received (token, intents, properties…). */
  get identify(): Record<string, unknown> | undefined {
    const sessions = [...this.#gateway.sessions.values()];
    return sessions[sessions.length - 1]?.identify;
  }

  async close(): Promise<void> {
    this.#releaseReady();
    for (const w of this.#waiters) w();
    await this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- inspection

  /** Resolves once a client has identified and got READY (and GUILD_CREATEs). */
  waitForReady(timeoutMs = 5000): Promise<void> {
    return this.#gateway.waitForReady(timeoutMs);
  }

  /**
   * Resolves with the predicate's first truthy result. Re-checked after every REST request and gateway frame
   * (no polling); a predicate that throws counts as "not yet".
   */
  waitFor<T>(predicate: (fake: FakeDiscord) => T | undefined | null | false, timeoutMs = 2000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let lastError: unknown;
      const check = (): boolean => {
        try {
          const v = predicate(this);
          if (v) {
            cleanup();
            resolve(v);
            return true;
          }
        } catch (e) {
          lastError = e;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        const recent = this.calls
          .slice(-8)
          .map((c) => `${c.method} ${c.path} → ${c.status}`)
          .join('; ');
        reject(
          new Error(
            `FakeDiscord.waitFor timed out after ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}. Recent calls: ${recent || 'none'}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter = () => {
        check();
      };
      if (!check()) this.#waiters.add(waiter);
    });
  }

  /** Waits for the next-or-existing REST call matching `matcher` (same syntax as `failNext`). */
  waitForCall(matcher: RouteMatcher, timeoutMs = 2000, from = 0): Promise<RecordedCall> {
    const m = compileMatcher(matcher);
    return this.waitFor(
      () => this.calls.slice(from).find((c) => c.status !== 0 && m(c.method, c.path, c.rawPath)),
      timeoutMs,
    );
  }

  interaction(id: string): InteractionRecord {
    const rec = this.#interactions.get(id);
    if (!rec) throw new Error(`FakeDiscord: no interaction ${id}`);
    return rec;
  }

  interactions(): InteractionRecord[] {
    return [...this.#interactions.values()];
  }

  /** Messages the bot created with `POST /channels/{id}/messages`, in creation order (deleted ones included, flagged). */
  channelMessages(channelId: string): StoredMessage[] {
    return this.#channelMessages.get(channelId) ?? [];
  }

  /** Any message the fake knows (channel, interaction reply, follow-up or one dispatched by `messageCreate`). */
  message(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  /** Registered commands: global when `guildId` is omitted. */
  commands(guildId?: string): Record<string, unknown>[] {
    return this.#commands.get(guildId ?? 'global') ?? [];
  }

  threads(): ThreadRecord[] {
    return [...this.#threads];
  }

  /** How many `POST /channels/{id}/typing` the bot sent. */
  typingCount(channelId: string): number {
    return this.#typing.get(channelId) ?? 0;
  }

  attachment(id: string): StoredAttachment | undefined {
    return this.#attachments.get(id);
  }

  // ---------------------------------------------------------------- control

  /**
   * Makes the next `times` requests matching `matcher` fail. A 429 carries `Retry-After` (seconds, may be
   * fractional), the rate-limit headers and `{message, retry_after, global}`.
   */
  failNext(matcher: RouteMatcher, fault: Fault, times = 1): void {
    this.#faults.push({ match: compileMatcher(matcher), fault, left: times });
  }

  /** Further webhook calls with this interaction token get 401 `{code:50027, message:'Invalid Webhook Token'}`. */
  expireToken(token: string): void {
    const rec = this.#byToken.get(token);
    if (!rec) throw new Error('FakeDiscord.expireToken: unknown token');
    rec.expired = true;
  }

  /**
   * Sends a dispatch to every live session of the shard its `guild_id` belongs to (shard 0 without one,
   * like DMs); returns the sequence number used. Throws if no client of that shard is READY.
   */
  dispatch(t: string, d: unknown): number {
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    const live = this.#liveFor(typeof guildId === 'string' ? guildId : null);
    let seq = 0;
    for (const s of live) seq = this.#gateway.send(s, t, d);
    return seq;
  }

  /** Sends a bare opcode (7 reconnect, 9 invalid session, 1 heartbeat request). */
  sendOp(op: number, d: unknown = null): void {
    this.#gateway.sendOp(op, d);
  }

  slashCommand(input: SlashCommandInput): { id: string; token: string } {
    const ctx = this.#context(input);
    const resolvedAttachments: Record<string, unknown> = {};
    const attachmentOptions: ApiOption[] = [];
    (input.attachments ?? []).forEach((a, i) => {
      const att = this.#storeInputAttachment(a);
      resolvedAttachments[att.id] = apiAttachment(att, true);
      attachmentOptions.push({
        name: a.option ?? (i === 0 ? 'file' : `file${i + 1}`),
        type: 11,
        value: att.id,
      });
    });
    let options = [...toOptions(input.options), ...attachmentOptions];
    if (input.subcommand) options = [{ name: input.subcommand, type: 1, options }];
    if (input.subcommandGroup) options = [{ name: input.subcommandGroup, type: 2, options }];
    const data: Record<string, unknown> = {
      id: this.#commandId(input.name, ctx.guildId),
      name: input.name,
      type: 1,
      options,
      ...(ctx.guildId === null ? {} : { guild_id: ctx.guildId }),
      ...(Object.keys(resolvedAttachments).length > 0
        ? { resolved: { attachments: resolvedAttachments } }
        : {}),
    };
    return this.#dispatchInteraction(2, data, ctx, { name: input.name });
  }

  pressButton(input: ButtonInput): { id: string; token: string } {
    const msg = this.#messages.get(input.messageId);
    if (!msg) throw new Error(`FakeDiscord.pressButton: unknown message ${input.messageId}`);
    if (!input.force && !hasCustomId(msg.components, input.customId))
      throw new Error(
        `FakeDiscord.pressButton: message ${msg.id} has no button with custom_id ${JSON.stringify(input.customId)}`,
      );
    const ctx = this.#context({
      ...input,
      guildId: msg.guildId,
      channelId: input.channelId ?? msg.channelId,
    });
    const data = { custom_id: input.customId, component_type: 2 };
    return this.#dispatchInteraction(
      3,
      data,
      ctx,
      { customId: input.customId, messageId: msg.id },
      { message: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) },
    );
  }

  /** The bot's managed role in a guild (default: the first configured one). */
  botRoleId(guildId = this.#guilds[0]?.id ?? ''): string {
    return botRoleId(guildId);
  }

  /**
   * A message context-menu command: an application command interaction (type 2) with
   * `data.type` 3, `target_id` and the message in `resolved.messages`, in the message's channel.
   */
  messageCommand(input: MessageCommandInput): { id: string; token: string } {
    const msg = this.#messages.get(input.messageId);
    if (!msg) throw new Error(`FakeDiscord.messageCommand: unknown message ${input.messageId}`);
    const ctx = this.#context({ ...input, guildId: msg.guildId, channelId: msg.channelId });
    const data: Record<string, unknown> = {
      id: this.#commandId(input.name, ctx.guildId),
      name: input.name,
      type: 3,
      target_id: msg.id,
      resolved: {
        messages: { [msg.id]: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) },
      },
      ...(ctx.guildId === null ? {} : { guild_id: ctx.guildId }),
    };
    return this.#dispatchInteraction(2, data, ctx, { name: input.name, messageId: msg.id });
  }

  autocomplete(input: AutocompleteInput): { id: string; token: string } {
    const ctx = this.#context(input);
    const f = input.focused;
    const focused: ApiOption = {
      name: f.name,
      type: f.type ?? (typeof f.value === 'number' ? (Number.isInteger(f.value) ? 4 : 10) : 3),
      value: f.value,
      focused: true,
    };
    let options = [...toOptions(input.options), focused];
    if (input.subcommand) options = [{ name: input.subcommand, type: 1, options }];
    const data = {
      id: this.#commandId(input.name, ctx.guildId),
      name: input.name,
      type: 1,
      options,
      ...(ctx.guildId === null ? {} : { guild_id: ctx.guildId }),
    };
    return this.#dispatchInteraction(4, data, ctx, { name: input.name });
  }

  /** Dispatches MESSAGE_CREATE as a user (honouring the session's intents like Discord does). */
  messageCreate(input: MessageCreateInput): MessageCreateResult {
    const channelId = input.channelId ?? this.#defaultChannel(this.#guilds[0]?.id ?? null);
    const guildId = this.#channels.has(channelId) ? (this.#channels.get(channelId) ?? null) : null;
    if (!this.#channels.has(channelId)) this.#channels.set(channelId, null);
    const author = apiUser(input.author);
    const mentions = (input.mentions ?? []).map((u) =>
      u.id === this.botUserId ? this.botUser : apiUser(u, this.#ids.next()),
    );
    let reference: StoredMessage['message_reference'];
    if (input.referencedMessageId !== undefined) {
      const ref = this.#messages.get(input.referencedMessageId);
      if (!ref)
        throw new Error(`FakeDiscord.messageCreate: unknown referenced message ${input.referencedMessageId}`);
      reference = {
        type: 0,
        message_id: ref.id,
        channel_id: ref.channelId,
        ...(ref.guildId === null ? {} : { guild_id: ref.guildId }),
      };
    }
    const msg: StoredMessage = {
      id: this.#ids.next(),
      channelId,
      guildId,
      author,
      content: input.content,
      components: [],
      embeds: [],
      attachments: (input.attachments ?? []).map((a) => this.#storeInputAttachment(a)),
      flags: 0,
      edits: [],
      mentions,
      ...(input.roleMentions?.length ? { mentionRoles: [...input.roleMentions] } : {}),
      tts: false,
      createdAt: Date.now(),
      editedAt: null,
      deleted: false,
      origin: 'gateway',
      ...(reference ? { message_reference: reference } : {}),
    };
    this.#messages.set(msg.id, msg);
    const live = this.#liveFor(guildId);
    const mentionsBot = mentions.some((m) => m.id === this.botUserId);
    let delivered = false;
    let contentVisible = false;
    for (const s of live) {
      const needed = guildId === null ? INTENT_DIRECT_MESSAGES : INTENT_GUILD_MESSAGES;
      if ((s.intents & needed) === 0) continue;
      const visible = guildId === null || mentionsBot || (s.intents & INTENT_MESSAGE_CONTENT) !== 0;
      const api = apiMessage(msg, (id) => this.#messages.get(id), this.applicationId);
      const d: Record<string, unknown> = {
        ...api,
        ...(visible ? {} : { content: '', embeds: [], attachments: [], components: [] }),
        ...(guildId === null ? { channel_type: 1 } : { member: apiMember(author, this.#startedAt) }),
      };
      this.#gateway.send(s, 'MESSAGE_CREATE', d);
      delivered = true;
      contentVisible ||= visible;
    }
    this.#changed();
    return { id: msg.id, delivered, contentVisible };
  }

  /**
   * A user or a moderator deletes a message (the bot's answer, say), as Discord does it: later edits
   * get 404 10008 "Unknown Message", and sessions with the GuildMessages intent (DirectMessages for
   * a DM) get MESSAGE_DELETE `{id, channel_id, guild_id?}`. Returns whether any session got it.
   */
  deleteMessageAsUser(messageId: string): boolean {
    const msg = this.#messages.get(messageId);
    if (!msg || msg.deleted) throw new Error(`FakeDiscord.deleteMessageAsUser: no message ${messageId}`);
    msg.deleted = true;
    let delivered = false;
    for (const s of this.#liveFor(msg.guildId)) {
      const needed = msg.guildId === null ? INTENT_DIRECT_MESSAGES : INTENT_GUILD_MESSAGES;
      if ((s.intents & needed) === 0) continue;
      this.#gateway.send(s, 'MESSAGE_DELETE', {
        id: msg.id,
        channel_id: msg.channelId,
        ...(msg.guildId === null ? {} : { guild_id: msg.guildId }),
      });
      delivered = true;
    }
    this.#changed();
    return delivered;
  }

  // ---------------------------------------------------------------- interaction plumbing

  /** The guilds a session's shard serves. */
  #guildsOf(session: GatewaySession): FakeGuildSpec[] {
    const [id, count] = session.shard;
    return this.#guilds.filter((g) => shardOf(g.id, count) === id);
  }

  /** Live sessions whose shard gets this guild's events (shard 0 for none: DMs). */
  #liveSessions(guildId: string | null): GatewaySession[] {
    return this.#gateway.live.filter(
      (s) => (guildId === null ? 0 : shardOf(guildId, s.shard[1])) === s.shard[0],
    );
  }

  /** {@link #liveSessions}, throwing when none is READY. */
  #liveFor(guildId: string | null): GatewaySession[] {
    const live = this.#liveSessions(guildId);
    if (live.length > 0) return live;
    if (this.#gateway.live.length === 0)
      throw new Error('FakeDiscord: no READY gateway session (await fake.waitForReady())');
    throw new Error(
      `FakeDiscord: no READY gateway session of the shard for ${guildId === null ? 'DMs' : `guild ${guildId}`}`,
    );
  }

  #defaultChannel(guildId: string | null): string {
    const g = this.#guilds.find((x) => x.id === guildId);
    return g?.channels?.[0]?.id ?? DEFAULT_CHANNEL_ID;
  }

  #context(input: InteractionInput): InteractionContext {
    const guildId = input.guildId === undefined ? (this.#guilds[0]?.id ?? null) : input.guildId;
    const channelId = input.channelId ?? this.#defaultChannel(guildId);
    if (!this.#channels.has(channelId)) this.#channels.set(channelId, guildId);
    const guild = this.#guilds.find((g) => g.id === guildId);
    return {
      guildId,
      channelId,
      user: apiUser(input.user),
      locale: input.locale ?? 'en-US',
      guildLocale: input.guildLocale ?? guild?.locale ?? 'en-US',
      appPermissions: input.appPermissions ?? TEXT_PERMISSIONS,
      attachmentSizeLimit: input.attachmentSizeLimit ?? 10 * 1024 * 1024,
      memberPermissions: input.memberPermissions ?? TEXT_PERMISSIONS,
    };
  }

  /** The channel a thread lives in: a configured thread's, or one the bot started. */
  #threadParent(channelId: string): string | undefined {
    for (const g of this.#guilds)
      for (const c of g.channels ?? []) if (c.id === channelId && c.parentId) return c.parentId;
    return this.#threads.find((t) => t.id === channelId)?.parentId;
  }

  #commandId(name: string, guildId: string | null): string {
    const all = [...(guildId ? this.commands(guildId) : []), ...this.commands()];
    const found = all.find((c) => c.name === name);
    return typeof found?.id === 'string' ? found.id : this.#ids.next();
  }

  /**
   * Submits the modal a component interaction opened (callback type 9), as the member would: a
   * MODAL_SUBMIT interaction (type 5) with the values typed per text input. Inputs the modal
   * marks required must be filled, and values respect max_length, as Discord's client enforces.
   */
  submitModal(input: ModalSubmitInput): { id: string; token: string } {
    const opener = this.#interactions.get(input.interactionId);
    const modal = opener?.modal;
    if (!opener || !isRecord(modal))
      throw new Error(`FakeDiscord.submitModal: interaction ${input.interactionId} showed no modal`);
    const rows = Array.isArray(modal.components) ? (modal.components as unknown[]) : [];
    const components = rows.map((row) => {
      const field =
        isRecord(row) && Array.isArray(row.components) ? (row.components[0] as Record<string, unknown>) : {};
      const id = String(field.custom_id);
      const value = input.values[id] ?? (typeof field.value === 'string' ? field.value : '');
      if (field.required !== false && value === '')
        throw new Error(`FakeDiscord.submitModal: required field ${id} left empty`);
      if (typeof field.max_length === 'number' && value.length > field.max_length)
        throw new Error(`FakeDiscord.submitModal: field ${id} longer than ${field.max_length}`);
      return { type: 1, components: [{ type: 4, custom_id: id, value }] };
    });
    const msg = opener.messageId ? this.#messages.get(opener.messageId) : undefined;
    const ctx = this.#context({
      ...(input.user ? { user: input.user } : { user: opener.user }),
      ...(input.locale ? { locale: input.locale } : {}),
      guildId: opener.guildId,
      channelId: opener.channelId,
    });
    const data = { custom_id: String(modal.custom_id), components };
    return this.#dispatchInteraction(
      5,
      data,
      ctx,
      { customId: String(modal.custom_id), ...(msg ? { messageId: msg.id } : {}) },
      msg ? { message: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) } : {},
    );
  }

  #dispatchInteraction(
    type: number,
    data: Record<string, unknown>,
    ctx: InteractionContext,
    meta: { name?: string; customId?: string; messageId?: string },
    extra: Record<string, unknown> = {},
  ): { id: string; token: string } {
    const id = this.#ids.next();
    const token = interactionToken(id);
    const guild = ctx.guildId !== null;
    const channelName = this.#guilds
      .find((g) => g.id === ctx.guildId)
      ?.channels?.find((c) => c.id === ctx.channelId)?.name;
    const parentId = guild ? this.#threadParent(ctx.channelId) : undefined;
    const payload: Record<string, unknown> = {
      id,
      application_id: this.applicationId,
      type,
      data,
      token,
      version: 1,
      channel: apiChannel(ctx.channelId, ctx.guildId, {
        permissions: ctx.appPermissions,
        ...(channelName === undefined ? {} : { name: channelName }),
        ...(parentId === undefined ? {} : { parentId }),
      }),
      channel_id: ctx.channelId,
      ...(guild
        ? {
            guild_id: ctx.guildId,
            guild: { id: ctx.guildId, locale: ctx.guildLocale, features: [] },
            member: apiMember(ctx.user, this.#startedAt, ctx.memberPermissions),
            guild_locale: ctx.guildLocale,
          }
        : { user: ctx.user }),
      app_permissions: ctx.appPermissions,
      locale: ctx.locale,
      entitlements: [],
      authorizing_integration_owners: guild ? { '0': ctx.guildId } : {},
      context: guild ? 0 : 1,
      attachment_size_limit: ctx.attachmentSizeLimit,
      ...extra,
    };
    const rec: InteractionRecord = {
      id,
      token,
      type,
      channelId: ctx.channelId,
      guildId: ctx.guildId,
      user: ctx.user,
      attachmentSizeLimit: ctx.attachmentSizeLimit,
      dispatchedAt: Date.now(),
      payload,
      callbacks: [],
      acked: false,
      followUps: [],
      expired: false,
      ...(meta.name === undefined ? {} : { name: meta.name }),
      ...(meta.customId === undefined ? {} : { customId: meta.customId }),
      ...(meta.messageId === undefined ? {} : { messageId: meta.messageId }),
    };
    this.#interactions.set(id, rec);
    this.#byToken.set(token, rec);
    this.dispatch('INTERACTION_CREATE', payload);
    return { id, token };
  }

  #storeInputAttachment(a: Omit<AttachmentInput, 'option'>): StoredAttachment {
    const id = this.#ids.next();
    const bytes =
      a.data === undefined
        ? Buffer.alloc(a.size ?? 0)
        : Buffer.isBuffer(a.data)
          ? a.data
          : Buffer.from(a.data);
    const att: StoredAttachment = {
      id,
      filename: a.filename,
      contentType: a.contentType ?? guessType(a.filename, 'application/octet-stream'),
      size: a.size ?? bytes.length,
      bytes,
      url: `${this.origin}/attachments/${id}/${encodeURIComponent(a.filename)}`,
    };
    this.#attachments.set(id, att);
    return att;
  }

  // ---------------------------------------------------------------- HTTP

  #changed(): void {
    for (const w of [...this.#waiters]) w();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.origin);
    const raw = await readRaw(req);
    const isApi = url.pathname.startsWith('/api/v10/');
    const rawPath = isApi ? url.pathname.slice('/api/v10'.length) : url.pathname;
    let path = rawPath;
    try {
      path = rawPath
        .split('/')
        .map((s) => decodeURIComponent(s))
        .join('/');
    } catch {
      /* keep raw */
    }
    const call: RecordedCall = {
      method,
      path,
      rawPath,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      at: Date.now(),
      status: 0,
    };
    this.calls.push(call);

    let reply: Reply;
    let files: UploadedFile[] = [];
    let bodyError: Reply | undefined;
    const type = String(req.headers['content-type'] ?? '');
    if (raw.length > 0) {
      try {
        if (type.startsWith('multipart/form-data')) {
          const mp = parseMultipart(raw, type);
          files = mp.files;
          call.files = files;
          if (mp.fields.payload_json !== undefined) call.body = JSON.parse(mp.fields.payload_json);
        } else if (type.startsWith('application/json')) call.body = JSON.parse(raw.toString('utf8'));
        else bodyError = err(400, 50109, 'The request body contains invalid JSON.');
      } catch {
        bodyError = err(400, 50109, 'The request body contains invalid JSON.');
      }
    }

    if (!isApi) {
      reply = this.#serveStatic(method, path);
      this.#write(res, call, reply, undefined);
      return;
    }
    const bucket = bucketOf(method, path);
    const fault = this.#takeFault(method, path, rawPath);
    if (fault) reply = fault;
    else if (bodyError) reply = bodyError;
    else {
      const matches = this.#routes.filter((r) => r.pattern.test(path));
      const route = matches.find((r) => r.method === method);
      if (!route) {
        if (matches.length > 0) {
          this.unexpected.push(`${method} ${path} (405)`);
          reply = err(405, 0, '405: Method Not Allowed');
        } else {
          this.unexpected.push(`${method} ${path}`);
          reply = err(404, 0, '404: Not Found');
        }
      } else if (route.auth && req.headers.authorization !== `Bot ${this.token}`) {
        reply = err(401, 0, '401: Unauthorized');
      } else {
        const limited = this.#consume(bucket.key, method, path, rawPath);
        if (limited) reply = limited;
        else {
          const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => p ?? '');
          reply = route.handle({ params, body: call.body, files, query: url.searchParams, call });
        }
      }
    }
    this.#write(res, call, reply, bucket);
  }

  #write(
    res: ServerResponse,
    call: RecordedCall,
    reply: Reply,
    bucket: { key: string; hash: string } | undefined,
  ): void {
    const headers: Record<string, string> = {
      Via: '1.1 fake-discord',
      ...(bucket ? this.#rateHeaders(bucket, call) : {}),
    };
    Object.assign(headers, reply.headers ?? {});
    call.status = reply.status;
    if (reply.status === 204) {
      res.writeHead(204, headers);
      res.end();
    } else if (reply.raw) {
      res.writeHead(reply.status, {
        ...headers,
        'Content-Type': reply.contentType ?? 'application/octet-stream',
        'Content-Length': String(reply.raw.length),
      });
      res.end(reply.raw);
    } else {
      const text = JSON.stringify(reply.body ?? null);
      res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json' });
      res.end(text);
    }
    this.#changed();
  }

  #serveStatic(method: string, path: string): Reply {
    const m = /^\/attachments\/([^/]+)\/([^/]+)$/.exec(path);
    const att = m?.[1] ? this.#attachments.get(m[1]) : undefined;
    if (method === 'GET' && att && m?.[2] === att.filename) {
      return { status: 200, raw: att.bytes, contentType: att.contentType };
    }
    this.unexpected.push(`${method} ${path}`);
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  #takeFault(method: string, path: string, rawPath: string): Reply | undefined {
    const i = this.#faults.findIndex((f) => f.match(method, path, rawPath));
    const f = this.#faults[i];
    if (!f) return undefined;
    f.left--;
    if (f.left <= 0) this.#faults.splice(i, 1);
    const fault = f.fault;
    if ('retryAfterSeconds' in fault) {
      const global = fault.global === true;
      const s = fault.retryAfterSeconds;
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: s, global },
        headers: {
          'Retry-After': String(s),
          'X-RateLimit-Scope': global ? 'global' : 'user',
          ...(global
            ? { 'X-RateLimit-Global': 'true' }
            : { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': s.toFixed(3) }),
        },
      };
    }
    return { status: fault.status, body: fault.body, ...(fault.headers ? { headers: fault.headers } : {}) };
  }

  #rule(method: string, path: string, rawPath: string) {
    return this.#rules.find((r) => r.match(method, path, rawPath))!;
  }

  #bucketState(key: string, limit: number, windowMs: number) {
    const now = Date.now();
    let b = this.#buckets.get(key);
    if (!b || now >= b.resetAt) {
      b = { remaining: limit, resetAt: now + windowMs };
      this.#buckets.set(key, b);
    }
    return b;
  }

  #consume(key: string, method: string, path: string, rawPath: string): Reply | undefined {
    const rule = this.#rule(method, path, rawPath);
    const b = this.#bucketState(key, rule.limit, rule.windowMs);
    if (b.remaining <= 0) {
      const s = Math.max(0, (b.resetAt - Date.now()) / 1000);
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: Number(s.toFixed(3)), global: false },
        headers: { 'Retry-After': s.toFixed(3), 'X-RateLimit-Scope': 'user' },
      };
    }
    b.remaining--;
    return undefined;
  }

  #rateHeaders(bucket: { key: string; hash: string }, call: RecordedCall): Record<string, string> {
    const rule = this.#rule(call.method, call.path, call.rawPath);
    const b = this.#bucketState(bucket.key, rule.limit, rule.windowMs);
    const now = Date.now();
    return {
      'X-RateLimit-Limit': String(rule.limit),
      'X-RateLimit-Remaining': String(b.remaining),
      'X-RateLimit-Reset': (b.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': Math.max(0, (b.resetAt - now) / 1000).toFixed(3),
      'X-RateLimit-Bucket': bucket.hash,
    };
  }

  // ---------------------------------------------------------------- routes

  #buildRoutes(): Route[] {
    const seg = '([^/]+)';
    const r = (method: string, pattern: string, auth: boolean, handle: Route['handle']): Route => ({
      method,
      pattern: new RegExp(`^${pattern}$`),
      auth,
      handle,
    });
    return [
      r('GET', '/gateway/bot', true, () => ({
        status: 200,
        body: {
          url: this.gatewayUrl,
          shards: this.shardCount,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
        },
      })),
      r('PUT', `/applications/${seg}/commands`, true, (c) => this.#putCommands(c, null)),
      r('GET', `/applications/${seg}/commands`, true, (c) => this.#getCommands(c, null)),
      r('PUT', `/applications/${seg}/guilds/${seg}/commands`, true, (c) =>
        this.#putCommands(c, c.params[1]!),
      ),
      r('GET', `/applications/${seg}/guilds/${seg}/commands`, true, (c) =>
        this.#getCommands(c, c.params[1]!),
      ),
      r('POST', `/interactions/${seg}/${seg}/callback`, false, (c) => this.#callback(c)),
      r('GET', `/webhooks/${seg}/${seg}/messages/${seg}`, false, (c) => this.#webhookMessage(c)),
      r('PATCH', `/webhooks/${seg}/${seg}/messages/${seg}`, false, (c) => this.#webhookMessage(c)),
      r('DELETE', `/webhooks/${seg}/${seg}/messages/${seg}`, false, (c) => this.#webhookMessage(c)),
      r('POST', `/webhooks/${seg}/${seg}`, false, (c) => this.#followUp(c)),
      r('POST', `/channels/${seg}/messages`, true, (c) => this.#postChannelMessage(c)),
      r('GET', `/channels/${seg}/messages/${seg}`, true, (c) => this.#channelMessage(c)),
      r('PATCH', `/channels/${seg}/messages/${seg}`, true, (c) => this.#channelMessage(c)),
      r('DELETE', `/channels/${seg}/messages/${seg}`, true, (c) => this.#channelMessage(c)),
      r('POST', `/channels/${seg}/typing`, true, (c) => this.#typingRoute(c)),
      r('POST', `/channels/${seg}/messages/${seg}/threads`, true, (c) => this.#startThread(c)),
    ];
  }

  #putCommands(c: RouteCtx, guildId: string | null): Reply {
    const app = c.params[0];
    if (app !== this.applicationId) {
      this.unexpected.push(
        `${c.call.method} ${c.call.path}: application id ${app} is not ${this.applicationId}`,
      );
      return err(403, 50001, 'Missing Access');
    }
    if (guildId !== null && !this.#guilds.some((g) => g.id === guildId)) {
      this.unexpected.push(`${c.call.method} ${c.call.path}: bot is not in guild ${guildId}`);
      return err(403, 50001, 'Missing Access');
    }
    const errors = validateCommands(c.body);
    if (!errors.empty) return { status: 400, body: errors.body() };
    const key = guildId ?? 'global';
    const previous = this.#commands.get(key) ?? [];
    const stored = (c.body as Record<string, unknown>[]).map((cmd) => {
      const type = cmd.type ?? 1;
      const old = previous.find((p) => p.name === cmd.name && p.type === type);
      return {
        id: typeof old?.id === 'string' ? old.id : this.#ids.next(),
        application_id: this.applicationId,
        version: this.#ids.next(),
        default_member_permissions: cmd.default_member_permissions ?? null,
        type,
        name: cmd.name,
        name_localizations: cmd.name_localizations ?? null,
        description: cmd.description ?? '',
        description_localizations: cmd.description_localizations ?? null,
        ...(Array.isArray(cmd.options) ? { options: cmd.options } : {}),
        nsfw: cmd.nsfw ?? false,
        integration_types: cmd.integration_types ?? [0],
        contexts: cmd.contexts ?? null,
        dm_permission: cmd.dm_permission ?? true,
        ...(guildId === null ? {} : { guild_id: guildId }),
      } as Record<string, unknown>;
    });
    this.#commands.set(key, stored);
    return { status: 200, body: stored };
  }

  #getCommands(c: RouteCtx, guildId: string | null): Reply {
    if (c.params[0] !== this.applicationId) {
      this.unexpected.push(
        `${c.call.method} ${c.call.path}: application id ${c.params[0]} is not ${this.applicationId}`,
      );
      return err(403, 50001, 'Missing Access');
    }
    return { status: 200, body: this.#commands.get(guildId ?? 'global') ?? [] };
  }

  /** Files in a request → stored attachments; `meta` is the payload's `attachments` array. */
  #makeAttachments(files: UploadedFile[], meta: unknown): StoredAttachment[] {
    return files.map((f, i) => {
      const index = /^files\[(\w+)\]$/.exec(f.field)?.[1] ?? String(i);
      const m = Array.isArray(meta) ? meta.find((a) => isRecord(a) && String(a.id) === index) : undefined;
      const id = this.#ids.next();
      const filename = isRecord(m) && typeof m.filename === 'string' ? m.filename : f.filename;
      const att: StoredAttachment = {
        id,
        filename,
        contentType:
          f.contentType === 'application/octet-stream' ? guessType(filename, f.contentType) : f.contentType,
        size: f.bytes.length,
        bytes: f.bytes,
        url: `${this.origin}/attachments/${id}/${encodeURIComponent(filename)}`,
        ...(isRecord(m) && typeof m.description === 'string' ? { description: m.description } : {}),
        ...(isRecord(m) && typeof m.duration_secs === 'number' ? { durationSecs: m.duration_secs } : {}),
        ...(isRecord(m) && typeof m.waveform === 'string' ? { waveform: m.waveform } : {}),
      };
      this.#attachments.set(id, att);
      return att;
    });
  }

  /** Validation shared by every message-creating/editing route. `prefix` nests errors (`data` for callbacks). */
  #checkMessageBody(c: RouteCtx, body: unknown, limit: number, prefix: string[] = []): Reply | undefined {
    if (!isRecord(body)) return err(400, 50109, 'The request body contains invalid JSON.');
    const errors = new FormErrors();
    validateMessage(body, errors, prefix);
    if (c.files.length > 10) errors.add(['files'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    if (!errors.empty) return { status: 400, body: errors.body() };
    if (c.files.some((f) => f.bytes.length > limit)) return err(413, 40005, 'Request entity too large');
    return undefined;
  }

  #newMessage(
    body: Record<string, unknown>,
    atts: StoredAttachment[],
    where: {
      channelId: string;
      guildId: string | null;
      origin: StoredMessage['origin'];
      interactionId?: string;
    },
    flags: number,
  ): StoredMessage {
    const msg: StoredMessage = {
      id: this.#ids.next(),
      channelId: where.channelId,
      guildId: where.guildId,
      author: this.botUser,
      content: typeof body.content === 'string' ? body.content : '',
      components: Array.isArray(body.components) ? body.components : [],
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      attachments: atts,
      flags,
      edits: [],
      mentions: [],
      tts: body.tts === true,
      createdAt: Date.now(),
      editedAt: null,
      deleted: false,
      origin: where.origin,
      ...(where.interactionId === undefined ? {} : { interactionId: where.interactionId }),
      ...(body.allowed_mentions === undefined ? {} : { allowedMentions: body.allowed_mentions }),
    };
    this.#messages.set(msg.id, msg);
    return msg;
  }

  /** Applies an edit; returns an error reply if the result would be empty. */
  #edit(msg: StoredMessage, body: Record<string, unknown>, files: UploadedFile[]): Reply | undefined {
    const next = {
      content: 'content' in body ? (typeof body.content === 'string' ? body.content : '') : msg.content,
      embeds: 'embeds' in body ? (Array.isArray(body.embeds) ? body.embeds : []) : msg.embeds,
      components:
        'components' in body ? (Array.isArray(body.components) ? body.components : []) : msg.components,
      attachments: msg.attachments,
    };
    const keepAll = !Array.isArray(body.attachments);
    const keep = new Set(
      Array.isArray(body.attachments) ? body.attachments.filter(isRecord).map((a) => String(a.id)) : [],
    );
    const kept = keepAll ? msg.attachments : msg.attachments.filter((a) => keep.has(a.id));
    const total = kept.length + files.length;
    if (total > 10) return { status: 400, body: limitError(['attachments'], 10) };
    if (isEmptyMessage({ ...next, attachments: total > 0 ? [1] : [] })) return EMPTY_MESSAGE();
    next.attachments = [...kept, ...this.#makeAttachments(files, body.attachments)];
    Object.assign(msg, next);
    if ('allowed_mentions' in body) msg.allowedMentions = body.allowed_mentions;
    if (typeof body.flags === 'number') msg.flags = (msg.flags & ~4) | (body.flags & 4);
    msg.flags &= ~LOADING;
    msg.editedAt = Date.now();
    msg.edits.push(msg.content);
    return undefined;
  }

  #callback(c: RouteCtx): Reply {
    const [id = '', token = ''] = c.params;
    const rec = this.#interactions.get(id);
    if (!rec || rec.token !== token) {
      this.unexpected.push(`POST /interactions/${id}/…/callback: unknown interaction or token`);
      return UNKNOWN_INTERACTION();
    }
    const body = c.body;
    const type = isRecord(body) && typeof body.type === 'number' ? body.type : -1;
    const data = isRecord(body) ? body.data : undefined;
    const cb: CallbackRecord = {
      type,
      data,
      at: Date.now(),
      status: 0,
      ...(c.files.length > 0 ? { files: c.files } : {}),
    };
    rec.callbacks.push(cb);
    const done = (r: Reply): Reply => {
      cb.status = r.status;
      return r;
    };
    if (rec.acked) return done(err(400, 40060, 'Interaction has already been acknowledged.'));
    if (cb.at - rec.dispatchedAt > (this.#opts.ackDeadlineMs ?? 3000)) return done(UNKNOWN_INTERACTION());
    const allowed: Record<number, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };
    if (!(allowed[rec.type] ?? []).includes(type)) {
      const e = new FormErrors();
      e.add(
        ['type'],
        'INTERACTION_CALLBACK_TYPE_INVALID',
        `Callback type ${type} is invalid for interaction type ${rec.type}`,
      );
      return done({ status: 400, body: e.body() });
    }
    const dataRec = isRecord(data) ? data : {};
    let resourceMessage: StoredMessage | undefined;
    if (type === 4 || type === 7) {
      const bad = this.#checkMessageBody(c, dataRec, rec.attachmentSizeLimit, ['data']);
      if (bad) return done(bad);
    }
    if (type === 4) {
      const atts = c.files;
      if (isEmptyMessage({ ...dataRec, attachments: atts.length > 0 ? [1] : [] }))
        return done(EMPTY_MESSAGE());
      const flags = (typeof dataRec.flags === 'number' ? dataRec.flags : 0) & CREATE_FLAGS;
      rec.original = this.#newMessage(
        dataRec,
        this.#makeAttachments(atts, dataRec.attachments),
        { channelId: rec.channelId, guildId: rec.guildId, origin: 'original', interactionId: rec.id },
        flags,
      );
      resourceMessage = rec.original;
    } else if (type === 5) {
      const flags = LOADING | ((typeof dataRec.flags === 'number' ? dataRec.flags : 0) & EPHEMERAL);
      rec.original = this.#newMessage(
        {},
        [],
        { channelId: rec.channelId, guildId: rec.guildId, origin: 'original', interactionId: rec.id },
        flags,
      );
      resourceMessage = rec.original;
    } else if (type === 6 || type === 7) {
      const msg = rec.messageId ? this.#messages.get(rec.messageId) : undefined;
      if (!msg) return done(UNKNOWN_MESSAGE());
      if (type === 7) {
        const bad = this.#edit(msg, dataRec, c.files);
        if (bad) return done(bad);
        resourceMessage = msg;
      }
      rec.original = msg;
    } else if (type === 8) {
      const e = new FormErrors();
      validateChoices(data, e);
      if (!e.empty) return done({ status: 400, body: e.body() });
      rec.choices = (dataRec.choices as unknown[]) ?? [];
    } else if (type === 9) {
      const e = new FormErrors();
      validateModal(data, e);
      if (!e.empty) return done({ status: 400, body: e.body() });
      rec.modal = data;
    }
    rec.acked = true;
    if (c.query.get('with_response') !== 'true') return done({ status: 204 });
    return done({
      status: 200,
      body: {
        interaction: {
          id: rec.id,
          type: rec.type,
          ...(resourceMessage
            ? {
                response_message_id: resourceMessage.id,
                response_message_loading: (resourceMessage.flags & LOADING) !== 0,
                response_message_ephemeral: (resourceMessage.flags & EPHEMERAL) !== 0,
              }
            : {}),
        },
        resource: {
          type,
          ...(resourceMessage ? { message: apiMessage(resourceMessage, undefined, this.applicationId) } : {}),
        },
      },
    });
  }

  /** Resolves the interaction behind a webhook URL, or the error Discord would give. */
  #webhookTarget(c: RouteCtx): InteractionRecord | Reply {
    const [app = '', token = ''] = c.params;
    if (app !== this.applicationId) {
      this.unexpected.push(`${c.call.method} ${c.call.path}: webhook id ${app} is not the application id`);
      return UNKNOWN_WEBHOOK();
    }
    const rec = this.#byToken.get(token);
    if (!rec) {
      this.unexpected.push(`${c.call.method} ${c.call.path}: unknown interaction token`);
      return UNKNOWN_WEBHOOK();
    }
    if (rec.expired || Date.now() - rec.dispatchedAt > (this.#opts.tokenLifetimeMs ?? 15 * 60_000))
      return err(401, 50027, 'Invalid Webhook Token');
    if (!rec.acked) {
      this.unexpected.push(
        `${c.call.method} ${c.call.path}: webhook call before the interaction was acknowledged`,
      );
      return UNKNOWN_WEBHOOK();
    }
    return rec;
  }

  #webhookMessage(c: RouteCtx): Reply {
    const rec = this.#webhookTarget(c);
    if (!('token' in rec)) return rec;
    const mid = c.params[2] ?? '';
    const msg =
      mid === '@original'
        ? rec.original
        : rec.original?.id === mid
          ? rec.original
          : rec.followUps.find((m) => m.id === mid);
    if (!msg || msg.deleted) return UNKNOWN_MESSAGE();
    if (c.call.method === 'DELETE') {
      msg.deleted = true;
      return { status: 204 };
    }
    if (c.call.method === 'PATCH') {
      const bad = this.#checkMessageBody(c, c.body, rec.attachmentSizeLimit);
      if (bad) return bad;
      const failed = this.#edit(msg, c.body as Record<string, unknown>, c.files);
      if (failed) return failed;
    }
    return { status: 200, body: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) };
  }

  #followUp(c: RouteCtx): Reply {
    const rec = this.#webhookTarget(c);
    if (!('token' in rec)) return rec;
    const bad = this.#checkMessageBody(c, c.body, rec.attachmentSizeLimit);
    if (bad) return bad;
    const body = c.body as Record<string, unknown>;
    if (isEmptyMessage({ ...body, attachments: c.files.length > 0 ? [1] : [] })) return EMPTY_MESSAGE();
    // A follow-up while the deferred reply still shows "thinking…" resolves that reply instead,
    // which keeps the visibility it was deferred with (the follow-up's ephemeral flag is ignored;
    // discord-api-docs#2742, #2866).
    const loading = rec.original;
    if (loading && !loading.deleted && (loading.flags & LOADING) !== 0) {
      const failed = this.#edit(loading, body, c.files);
      if (failed) return failed;
      if (c.query.get('wait') !== 'true') return { status: 204 };
      return { status: 200, body: apiMessage(loading, (id) => this.#messages.get(id), this.applicationId) };
    }
    const flags = (typeof body.flags === 'number' ? body.flags : 0) & CREATE_FLAGS;
    const msg = this.#newMessage(
      body,
      this.#makeAttachments(c.files, body.attachments),
      { channelId: rec.channelId, guildId: rec.guildId, origin: 'followup', interactionId: rec.id },
      flags,
    );
    rec.followUps.push(msg);
    if (c.query.get('wait') !== 'true') return { status: 204 };
    return { status: 200, body: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) };
  }

  #knownChannel(c: RouteCtx, channelId: string): Reply | undefined {
    if (this.#channels.has(channelId)) return undefined;
    this.unexpected.push(`${c.call.method} ${c.call.path}: unknown channel ${channelId}`);
    return err(404, 10003, 'Unknown Channel');
  }

  #postChannelMessage(c: RouteCtx): Reply {
    const channelId = c.params[0] ?? '';
    const unknown = this.#knownChannel(c, channelId);
    if (unknown) return unknown;
    const bad = this.#checkMessageBody(c, c.body, this.#opts.uploadLimitBytes ?? 10 * 1024 * 1024);
    if (bad) return bad;
    const body = c.body as Record<string, unknown>;
    if (isEmptyMessage({ ...body, attachments: c.files.length > 0 ? [1] : [] })) return EMPTY_MESSAGE();
    let reference: StoredMessage['message_reference'];
    if (isRecord(body.message_reference)) {
      const ref = body.message_reference;
      const target = typeof ref.message_id === 'string' ? this.#messages.get(ref.message_id) : undefined;
      if (!target || target.deleted) {
        if (ref.fail_if_not_exists !== false) {
          const e = new FormErrors();
          e.add(['message_reference'], 'REPLIES_UNKNOWN_MESSAGE', 'Unknown message');
          return { status: 400, body: e.body() };
        }
      } else {
        reference = {
          type: typeof ref.type === 'number' ? ref.type : 0,
          message_id: target.id,
          channel_id: target.channelId,
          ...(target.guildId === null ? {} : { guild_id: target.guildId }),
        };
      }
    }
    const flags = (typeof body.flags === 'number' ? body.flags : 0) & (CREATE_FLAGS & ~EPHEMERAL);
    const msg = this.#newMessage(
      body,
      this.#makeAttachments(c.files, body.attachments),
      { channelId, guildId: this.#channels.get(channelId) ?? null, origin: 'channel' },
      flags,
    );
    if (reference) msg.message_reference = reference;
    const list = this.#channelMessages.get(channelId) ?? [];
    list.push(msg);
    this.#channelMessages.set(channelId, list);
    return { status: 200, body: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) };
  }

  #channelMessage(c: RouteCtx): Reply {
    const [channelId = '', mid = ''] = c.params;
    const unknown = this.#knownChannel(c, channelId);
    if (unknown) return unknown;
    const msg = this.#messages.get(mid);
    if (!msg || msg.deleted || msg.channelId !== channelId) return UNKNOWN_MESSAGE();
    if (c.call.method === 'DELETE') {
      msg.deleted = true;
      return { status: 204 };
    }
    if (c.call.method === 'PATCH') {
      if (msg.author.id !== this.botUserId)
        return err(403, 50005, 'Cannot edit a message authored by another user');
      const bad = this.#checkMessageBody(c, c.body, this.#opts.uploadLimitBytes ?? 10 * 1024 * 1024);
      if (bad) return bad;
      const failed = this.#edit(msg, c.body as Record<string, unknown>, c.files);
      if (failed) return failed;
    }
    return { status: 200, body: apiMessage(msg, (id) => this.#messages.get(id), this.applicationId) };
  }

  #typingRoute(c: RouteCtx): Reply {
    const channelId = c.params[0] ?? '';
    const unknown = this.#knownChannel(c, channelId);
    if (unknown) return unknown;
    this.#typing.set(channelId, (this.#typing.get(channelId) ?? 0) + 1);
    return { status: 204 };
  }

  #startThread(c: RouteCtx): Reply {
    const [channelId = '', mid = ''] = c.params;
    const unknown = this.#knownChannel(c, channelId);
    if (unknown) return unknown;
    const msg = this.#messages.get(mid);
    if (!msg || msg.deleted || msg.channelId !== channelId) return UNKNOWN_MESSAGE();
    const body = isRecord(c.body) ? c.body : {};
    const e = new FormErrors();
    const name = body.name;
    if (typeof name !== 'string' || [...name].length < 1 || [...name].length > 100)
      e.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    const archive = body.auto_archive_duration ?? 4320;
    if (![60, 1440, 4320, 10080].includes(archive as number))
      e.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
    if (!e.empty) return { status: 400, body: e.body() };
    const guildId = this.#channels.get(channelId) ?? null;
    if (guildId === null) return err(400, 50024, 'Cannot execute action on this channel type');
    if (msg.threadId) return err(400, 160004, 'A thread has already been created for this message');
    const thread: ThreadRecord = {
      id: msg.id,
      parentId: channelId,
      guildId,
      messageId: msg.id,
      name: name as string,
      autoArchiveDuration: archive as number,
      createdAt: Date.now(),
    };
    msg.threadId = thread.id;
    this.#threads.push(thread);
    this.#channels.set(thread.id, guildId);
    const api = apiThread(thread, this.botUserId);
    for (const s of this.#liveSessions(guildId))
      if ((s.intents & INTENT_GUILDS) !== 0)
        this.#gateway.send(s, 'THREAD_CREATE', { ...api, newly_created: true });
    return { status: 201, body: api };
  }
}

function toOptions(options: SlashCommandInput['options']): ApiOption[] {
  if (options === undefined) return [];
  if (Array.isArray(options)) return options;
  return Object.entries(options).map(([name, value]) => ({
    name,
    type: typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10,
    value,
  }));
}

function hasCustomId(node: unknown, customId: string): boolean {
  if (Array.isArray(node)) return node.some((n) => hasCustomId(n, customId));
  if (!isRecord(node)) return false;
  if (node.custom_id === customId) return true;
  return hasCustomId(node.components, customId) || hasCustomId(node.accessory, customId);
}

function guessType(filename: string, fallback: string): string {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  return MIME[ext] ?? fallback;
}

function limitError(path: string[], n: number): object {
  const e = new FormErrors();
  e.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${n} or fewer in length.`);
  return e.body();
}

export type { GatewaySession };
