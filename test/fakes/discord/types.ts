import type { IncomingHttpHeaders } from 'node:http';

/** A user as the Discord API serialises it. */
export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

/** What tests may pass for a user; missing fields get defaults. */
export interface UserInput {
  id?: string;
  username?: string;
  global_name?: string | null;
  bot?: boolean;
}

export interface FakeChannelSpec {
  id: string;
  name?: string;
  /** 0 text (default), 5 announcement, 15 forum… (11 public thread when `parentId` is set) */
  type?: number;
  /** Makes this a thread (type 11 unless given) in that channel, announced in GUILD_CREATE's `threads`. */
  parentId?: string;
}

export interface FakeGuildSpec {
  id: string;
  name?: string;
  /** Guild locale sent as `guild_locale` / `preferred_locale`. */
  locale?: string;
  channels?: FakeChannelSpec[];
}

/** `'PATCH /webhooks/*'` (glob on the path under /api/v10, `*` spans slashes; method optional or `*`), a RegExp tested on `'METHOD /path'`, or a function. */
export type RouteMatcher = string | RegExp | ((req: { method: string; path: string }) => boolean);

export interface RateLimitRule {
  match: RouteMatcher;
  limit: number;
  windowMs: number;
}

export interface FakeDiscordOptions {
  token?: string;
  applicationId?: string;
  botUserId?: string;
  botUsername?: string;
  /** Guilds announced in READY (as unavailable) and then sent as GUILD_CREATE. Default: one guild with one text channel ({@link DEFAULT_GUILD_ID}/{@link DEFAULT_CHANNEL_ID}). */
  guilds?: FakeGuildSpec[];
  /** HELLO heartbeat_interval (default 45000). */
  heartbeatIntervalMs?: number;
  /**
   * Privileged intents not enabled in the developer portal (a bitfield, e.g. `1 << 15` MessageContent):
   * an IDENTIFY asking for any of them is closed with 4014 "Disallowed intent(s)." Default 0.
   */
  disallowedIntents?: number;
  /** The gateway closes every IDENTIFY with 4004 although REST accepts the token (a token reset meanwhile). */
  refuseGatewayToken?: boolean;
  /**
   * Shards GET /gateway/bot recommends (default 1). Each IDENTIFY's `shard: [id, count]` decides its
   * connection's guilds: GUILD_CREATE and a guild's events go to the shard `(guild_id >> 22) % count`.
   */
  shardCount?: number;
  /** READY waits for `releaseReady()`, so a client can be watched while it is still connecting. */
  holdReady?: boolean;
  /** How long after dispatch an interaction callback is accepted (default 3000). */
  ackDeadlineMs?: number;
  /** How long an interaction token works for webhook calls (default 15 min). */
  tokenLifetimeMs?: number;
  /** Per-file upload limit for channel messages (default 10 MiB). Interactions use their `attachment_size_limit`. */
  uploadLimitBytes?: number;
  /** Default bucket (default 50 requests per 1000 ms); exceeding it yields a real 429. */
  rateLimit?: { limit: number; windowMs: number };
  /** Per-route buckets, first match wins. */
  rateLimits?: RateLimitRule[];
}

export interface UploadedFile {
  /** Multipart field name, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedCall {
  method: string;
  /** Path under `/api/v10`, URL-decoded (`/webhooks/1/tok/messages/@original`); other paths as requested. */
  path: string;
  rawPath: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the parsed `payload_json` of a multipart body; undefined when empty. */
  body: unknown;
  files?: UploadedFile[];
  at: number;
  /** HTTP status answered (0 while in flight). */
  status: number;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Buffer;
  url: string;
  description?: string;
  durationSecs?: number;
  waveform?: string;
}

export interface MessageReference {
  type?: number;
  message_id?: string;
  channel_id?: string;
  guild_id?: string;
  fail_if_not_exists?: boolean;
}

export type MessageOrigin = 'channel' | 'original' | 'followup' | 'gateway';

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  author: ApiUser;
  content: string;
  components: unknown[];
  embeds: unknown[];
  attachments: StoredAttachment[];
  /** 64 ephemeral, 128 loading (deferred "thinking…"), 4 suppress embeds, 4096 silent, 32768 components v2. */
  flags: number;
  /** The content after every edit, in order (the creating request is not an edit). */
  edits: string[];
  message_reference?: MessageReference;
  mentions: ApiUser[];
  /** Role ids mentioned (`<@&id>`), sent as `mention_roles`. */
  mentionRoles?: string[];
  allowedMentions?: unknown;
  tts: boolean;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  origin: MessageOrigin;
  interactionId?: string;
  /** Id of the thread started from this message, if any. */
  threadId?: string;
}

export interface CallbackRecord {
  type: number;
  data: unknown;
  files?: UploadedFile[];
  at: number;
  /** Status the fake answered (a rejected second ack is recorded too, with 400). */
  status: number;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 command, 3 component, 4 autocomplete. */
  type: number;
  name?: string;
  customId?: string;
  /** For components: the message the component is on. */
  messageId?: string;
  channelId: string;
  guildId: string | null;
  user: ApiUser;
  attachmentSizeLimit: number;
  dispatchedAt: number;
  /** The INTERACTION_CREATE `d` as dispatched. */
  payload: Record<string, unknown>;
  callbacks: CallbackRecord[];
  /** True once a callback was accepted. */
  acked: boolean;
  /** The `@original` message: the reply (types 4/5) or, after 6/7 on a component, the component's message. */
  original?: StoredMessage;
  followUps: StoredMessage[];
  /** Choices answered to an autocomplete (type 8). */
  choices?: unknown[];
  /** Modal shown (type 9). */
  modal?: unknown;
  expired: boolean;
}

export interface ThreadRecord {
  id: string;
  parentId: string;
  guildId: string | null;
  messageId: string;
  name: string;
  autoArchiveDuration: number;
  createdAt: number;
}

export type Fault =
  | { status: 429; retryAfterSeconds: number; global?: boolean }
  | { status: number; body: object; headers?: Record<string, string> };

export interface GatewayFrame {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}
