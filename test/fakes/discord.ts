/**
 * Strict loopback fake of Discord (REST + gateway) for tests that drive the real discord.js `Client`.
 * Implementation lives in `discord/*.ts`; this module is the public entry point.
 */

export { type DispatchRecord, shardOf } from './discord/gateway.js';
export { parseMultipart } from './discord/multipart.js';
export {
  type ApiOption,
  type AttachmentInput,
  type AutocompleteInput,
  type ButtonInput,
  FakeDiscord,
  type InteractionInput,
  type MessageCommandInput,
  type MessageCreateInput,
  type MessageCreateResult,
  type SlashCommandInput,
} from './discord/server.js';
export type {
  ApiUser,
  CallbackRecord,
  FakeChannelSpec,
  FakeDiscordOptions,
  FakeGuildSpec,
  Fault,
  GatewayFrame,
  InteractionRecord,
  MessageOrigin,
  MessageReference,
  RateLimitRule,
  RecordedCall,
  RouteMatcher,
  StoredAttachment,
  StoredMessage,
  ThreadRecord,
  UploadedFile,
  UserInput,
} from './discord/types.js';
export {
  DEFAULT_APPLICATION_ID,
  DEFAULT_BOT_USER_ID,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  DEFAULT_TOKEN,
  DEFAULT_USER_ID,
} from './discord/util.js';
