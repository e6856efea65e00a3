/**
 * Strict, scriptable loopback fake of the Telegram Bot API for tests that drive the real grammY `Bot`.
 * See `telegram/server.ts`; this module is the public entry point.
 */
export {
  extFromMime,
  groupChat,
  imageFormat,
  imageSize,
  mimeFromName,
  privateChat,
  tgUser,
} from './telegram/builders.js';
export type { DraftEnd, DraftEndReason, LiveDraft } from './telegram/drafts.js';
export { HtmlParseError, type ParsedText, parseTelegramHtml, tgTrim } from './telegram/html.js';
export {
  DEFAULT_TOKEN,
  FakeTelegram,
  POLL_CONFLICT,
  type Truthy,
  UNAUTHORIZED,
} from './telegram/server.js';
export type {
  CallbackAnswer,
  DraftRecord,
  FakeTelegramOptions,
  LoggedFile,
  LoggedMessage,
  MessageKind,
  RateViolation,
  RecordedCall,
  RecordedError,
  RegisterFileOptions,
  TgErrorSpec,
  UpdateInput,
  UploadedPart,
  UserMediaOptions,
} from './telegram/types.js';
export { parseMultipart } from './telegram/wire.js';
