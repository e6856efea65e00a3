/**
 * Strict, scriptable loopback fake of the APICore gateway for tests. See `apicore/server.ts`.
 * Implementation is split into `apicore/*.ts`; this module is the public entry point.
 */
export { FAKE_MP3, FAKE_MP4, TINY_PNG } from './apicore/assets.js';
export {
  type ChatChunksOptions,
  type ClaudeEventsOptions,
  chatChunks,
  claudeError,
  claudeEvents,
  mjError,
  openAiError,
  splitCodePoints,
  sunoError,
} from './apicore/builders.js';
export { DESCRIBE_FINAL_PROMPT, gridButtons, MJ_TASK_KEYS, mjJobHash } from './apicore/mj.js';
export { FakeApiCore } from './apicore/server.js';
export { DEFAULT_SUNO_LYRICS, DEFAULT_SUNO_TITLE } from './apicore/suno.js';
export {
  FAKE_API_KEY,
  type MjButton,
  type MjStage,
  type MjTask,
  type MjTaskState,
  type MultipartPart,
  type RecordedRequest,
  type Scripted,
  type SseEvent,
  type SunoStage,
  type SunoTaskDto,
  type SunoTaskState,
} from './apicore/types.js';
export { encodeSseEvent, parseMultipart } from './apicore/wire.js';
