import type { VideoSubmit, VideoTask } from './video-models.js';

/**
 * The APICore gateway as the rest of the bot sees it: request and result shapes, and the
 * client interface that `src/apicore/client.ts` implements. Shapes follow ../shared/apicore-api.md.
 */

// ---------- chat completions (OpenAI format) ----------

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  tool_choice?: 'auto' | 'none' | 'required';
  max_tokens?: number;
  /** The o-series and gpt-5 take this instead of `max_tokens` (hidden reasoning counts in it). */
  max_completion_tokens?: number;
  temperature?: number;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** gpt-5 only. */
  verbosity?: 'low' | 'medium' | 'high';
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  reasoningTokens?: number;
}

export interface ChatResult {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: Usage | undefined;
  model: string;
}

/** What a streamed answer yields, whichever endpoint it came from. */
export type StreamEvent =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: string | null }
  | { type: 'done' };

// ---------- Claude native /v1/messages ----------

export type ClaudeBlock =
  | { type: 'text'; text: string }
  | {
      type: 'image';
      source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
    }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content: string | ClaudeToolResultPart[];
      is_error?: boolean;
    }
  | ClaudeDocumentBlock;

/** What a tool_result may carry besides a plain string. */
export type ClaudeToolResultPart =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } };

/** A PDF for Claude to read natively (`/v1/messages`). */
export interface ClaudeDocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: 'application/pdf'; data: string } | { type: 'url'; url: string };
  title?: string;
}

/** A tool Claude may call (`/v1/messages` `tools`). */
export interface ClaudeTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

export interface ClaudeMessage {
  role: 'user' | 'assistant';
  content: string | ClaudeBlock[];
}

export interface ClaudeRequest {
  model: string;
  max_tokens: number;
  messages: ClaudeMessage[];
  system?: string;
  tools?: ClaudeTool[];
  tool_choice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  thinking?: { type: 'enabled'; budget_tokens: number };
}

// ---------- Responses API (o3-pro) and embeddings ----------

export type ResponsesInputItem = {
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ({ type: 'input_text'; text: string } | { type: 'input_image'; image_url: string })[];
};

/** `POST /v1/responses`, not streamed (catalogue §6.4). */
export interface ResponsesRequest {
  model: string;
  input: string | ResponsesInputItem[];
  instructions?: string;
  reasoning?: { effort: 'minimal' | 'low' | 'medium' | 'high' };
  text?: { verbosity: 'low' | 'medium' | 'high' };
  max_output_tokens?: number;
  previous_response_id?: string;
}

/** `POST /v1/embeddings`: one vector per input string. */
export interface EmbeddingsRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
}

// ---------- models, images, audio, usage ----------

export interface ModelInfo {
  id: string;
  ownedBy: string | undefined;
}

export interface ImageRequest {
  model: string;
  prompt: string;
  n?: number;
  size?: string;
  quality?: string;
  response_format?: 'url' | 'b64_json';
  /** flux-kontext: ratio instead of size (`21:9` … `9:21`). */
  aspect_ratio?: string;
  /** flux-kontext image-to-image: the reference, raw base64 (catalogue §4.4). */
  input_image?: string;
}

/** An image sent as a multipart file (edits, variations). */
export interface ImageUpload {
  data: Uint8Array;
  mime: string;
  filename: string;
}

/** `POST /v1/images/edits` (multipart; catalogue §4.1): gpt-image-1 takes several images, dall-e-2 one. */
export interface ImageEditRequest {
  model: string;
  prompt: string;
  images: ImageUpload[];
  mask?: ImageUpload | undefined;
  n?: number | undefined;
  size?: string | undefined;
  response_format?: 'url' | 'b64_json' | undefined;
}

/** `POST /v1/images/variations` (multipart; catalogue §4.2): dall-e-2 only. */
export interface ImageVariationRequest {
  model: string;
  image: ImageUpload;
  n?: number | undefined;
  size?: string | undefined;
  response_format?: 'url' | 'b64_json' | undefined;
}

/** Kling images (`POST /kling/v1/images/generations`, catalogue §4.8): a task, polled. */
export interface KlingImageRequest {
  model: string;
  prompt: string;
  /** Reference image: a data URL (sent as raw base64) or an https URL. */
  image?: string | undefined;
  aspectRatio?: string | undefined;
  n?: number | undefined;
}

/** A Kling image task, normalised. */
export interface KlingImageTask {
  state: 'queued' | 'running' | 'success' | 'failure';
  urls: string[];
  reason?: string | undefined;
}

export type GeneratedImage =
  | { url: string; revisedPrompt?: string }
  | { data: Uint8Array; revisedPrompt?: string };

export interface SpeechRequest {
  model: string;
  input: string;
  voice: string;
  response_format?: 'mp3' | 'opus' | 'aac' | 'flac' | 'wav';
  speed?: number;
}

export interface AudioFile {
  data: Uint8Array;
  mime: string;
}

export interface TranscriptionRequest {
  file: Uint8Array;
  filename: string;
  mime: string;
  model: string;
  language?: string;
}

/** The key's budget as the gateway reports it, in its display unit (usually USD). */
export interface KeyUsage {
  limit: number;
  used: number;
  remaining: number;
  unlimited: boolean;
  /** Unix seconds, or undefined when the key never expires. */
  expiresAt: number | undefined;
}

// ---------- Midjourney ----------

export type MjStatus =
  | 'NOT_START'
  | 'SUBMITTED'
  | 'IN_PROGRESS'
  | 'MODAL'
  | 'SUCCESS'
  | 'FAILURE'
  | 'CANCEL'
  | '';

export interface MjButton {
  customId: string;
  emoji: string;
  label: string;
  type: number;
  style: number;
}

export interface MjTask {
  id: string;
  action: string;
  prompt: string;
  promptEn: string;
  description: string;
  status: MjStatus;
  /** 0–100, parsed from "45%". */
  progress: number;
  imageUrl: string;
  videoUrl: string;
  /** Every video of a VIDEO (animate) task, when the gateway lists them; absent otherwise. */
  videoUrls?: string[] | undefined;
  failReason: string;
  buttons: MjButton[];
  finalPrompt: string;
  submitTime: number;
  finishTime: number;
}

export interface MjImagine {
  prompt: string;
  base64Array?: string[];
  botType?: 'MID_JOURNEY' | 'NIJI_JOURNEY';
}

/** Midjourney's speed, chosen by path prefix (`/mj-fast/mj/…`); unset = the key's default. */
export type MjSpeed = 'fast' | 'relax' | 'turbo';

/** Call options for Midjourney submits: the speed goes into the path. */
export interface MjCallOptions extends CallOptions {
  speed?: MjSpeed | undefined;
}

/** A blend's shape: 2:3, 1:1 or 3:2. */
export type MjDimensions = 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE';

/** `POST /mj/submit/modal`: what a task waiting in `MODAL` needs (catalogue §3.4). */
export interface MjModal {
  taskId: string;
  prompt?: string;
  /** Vary Region: a PNG data URL at the image's size, white where Midjourney repaints. */
  maskBase64?: string;
}

/** `POST /mj/insight-face/swap`: data URLs of the face and of the picture it goes onto. */
export interface MjSwapFace {
  sourceBase64: string;
  targetBase64: string;
}

// ---------- Suno ----------

export type SunoStatus =
  | 'NOT_START'
  | 'SUBMITTED'
  | 'QUEUED'
  | 'IN_PROGRESS'
  | 'SUCCESS'
  | 'FAILURE'
  | 'UNKNOWN'
  | '';

export interface SunoClip {
  id: string;
  title: string;
  status: string;
  audioUrl: string;
  videoUrl: string;
  imageUrl: string;
  tags: string;
  lyrics: string;
  durationSeconds: number | undefined;
  errorMessage: string;
  /** The model that made it (`model_name`, else `mv`), e.g. 'chirp-auk'; '' when unknown. */
  model: string;
  /** `metadata.type`: 'gen', 'stem', 'concat', 'upload', … ('' when absent). */
  type: string;
}

export interface SunoTask {
  id: string;
  action: 'MUSIC' | 'LYRICS' | string;
  status: SunoStatus;
  failReason: string;
  clips: SunoClip[];
  lyrics: { title: string; text: string } | undefined;
}

/** What `POST /suno/submit/music` does besides a plain generation (catalogue §1.2–1.8). */
export type SunoMusicTask =
  | 'extend'
  | 'upload_extend'
  | 'cover'
  | 'infill'
  | 'artist_consistency'
  | 'gen_stem';

/** `POST /suno/submit/music` body (wire names). Every field is optional; `task` selects the operation. */
export interface SunoMusic {
  /** Lyrics in custom mode. */
  prompt?: string;
  /** Inspiration mode: a description instead of lyrics. */
  gpt_description_prompt?: string;
  tags?: string;
  title?: string;
  make_instrumental?: boolean;
  /** Model: 'chirp-v3-5', 'chirp-v4', 'chirp-auk' (v4.5), 'chirp-bluejay' (v4.5+), 'chirp-crow' (v5). */
  mv?: string;
  task?: SunoMusicTask;
  /** The original task (required by the gateway whenever `continue_clip_id` is set for an extend). */
  task_id?: string;
  /** extend / upload_extend / infill / gen_stem: the clip to work on. */
  continue_clip_id?: string;
  /** extend: seconds into the clip where the continuation starts (null for infill/gen_stem). */
  continue_at?: number | null;
  /** cover: the clip (generated or uploaded) to re-style. */
  cover_clip_id?: string;
  /** infill: the section to replace, seconds. */
  infill_start_s?: number;
  infill_end_s?: number;
  /** artist_consistency: a persona id from `sunoPersona` and its root clip. */
  persona_id?: string;
  artist_clip_id?: string;
  negative_tags?: string;
  /** 'TEXT' in every documented example. */
  generation_type?: string;
  /** gen_stem: 91 / 'Two' / 'two' for vocals + instrumental ('Twelve'/'twelve' for all stems). */
  stem_type_id?: number;
  stem_type_group_name?: string;
  stem_task?: string;
}

/** `sunoPersona`: a persona (a reusable voice) made from a generated clip. */
export interface SunoPersonaRequest {
  rootClipId: string;
  name: string;
  description: string;
  clipIds: string[];
}

/** One word of `/suno/act/timing/{clip}` (`aligned_words[]`), wire names kept. */
export interface SunoAlignedWord {
  word: string;
  start_s: number;
  end_s: number;
  success: boolean;
  p_align: number;
}

/** An act call's answer: a file URL (wav/mp4), the aligned words (timing), or "not yet, ask again". */
export type SunoActResult =
  | { state: 'ready'; url: string }
  | { state: 'ready'; words: SunoAlignedWord[] }
  | { state: 'pending' };

export type SunoActKind = 'wav' | 'mp4' | 'timing';

// ---------- Udio ----------

/** `POST /udio/submit/music` `gen_params` (wire names); the client adds `config: {mode: 'regular'}`. */
export interface UdioMusic {
  prompt: string;
  lyrics?: string;
  lyrics_type?: 'generate' | 'user' | 'instrumental';
  /** 'udio32-v1.5' (default) or 'udio130-v1.5' (longer, 2× price). */
  model_type?: string;
  bypass_prompt_optimization?: boolean;
  seed?: number;
  song_section_start?: number;
  prompt_strength?: number;
  clarity_strength?: number;
  lyrics_strength?: number;
  generation_quality?: number;
  negative_prompt?: string;
}

// ---------- the client ----------

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface ApiCore {
  listModels(opts?: CallOptions): Promise<ModelInfo[]>;
  chat(req: ChatRequest, opts?: CallOptions): Promise<ChatResult>;
  chatStream(req: ChatRequest, opts?: CallOptions): AsyncIterable<StreamEvent>;
  claudeStream(req: ClaudeRequest, opts?: CallOptions): AsyncIterable<StreamEvent>;
  /** The Responses API, not streamed (o3-pro); allowed minutes to answer. */
  responses(req: ResponsesRequest, opts?: CallOptions): Promise<ChatResult>;
  /** One embedding vector per input, in input order. */
  embeddings(req: EmbeddingsRequest, opts?: CallOptions): Promise<number[][]>;
  generateImages(req: ImageRequest, opts?: CallOptions): Promise<GeneratedImage[]>;
  /** Edits images with a prompt (multipart `/v1/images/edits`). */
  editImages(req: ImageEditRequest, opts?: CallOptions): Promise<GeneratedImage[]>;
  /** Variations of one image (multipart `/v1/images/variations`, dall-e-2). */
  imageVariations(req: ImageVariationRequest, opts?: CallOptions): Promise<GeneratedImage[]>;
  /** Submits a Kling image task → its task id. */
  klingImageSubmit(req: KlingImageRequest, opts?: CallOptions): Promise<string>;
  /** A Kling image task's state. */
  klingImageFetch(taskId: string, opts?: CallOptions): Promise<KlingImageTask>;
  speech(req: SpeechRequest, opts?: CallOptions): Promise<AudioFile>;
  transcribe(req: TranscriptionRequest, opts?: CallOptions): Promise<string>;
  keyUsage(opts?: CallOptions): Promise<KeyUsage>;
  mjImagine(req: MjImagine, opts?: MjCallOptions): Promise<string>;
  mjDescribe(imageDataUrl: string, opts?: MjCallOptions): Promise<string>;
  mjAction(taskId: string, customId: string, opts?: MjCallOptions): Promise<string>;
  mjBlend(imageDataUrls: string[], dimensions: MjDimensions, opts?: MjCallOptions): Promise<string>;
  /** Completes a task waiting in `MODAL` (Custom Zoom, Vary Region, Remix) → the same task id. */
  mjModal(req: MjModal, opts?: MjCallOptions): Promise<string>;
  /** Submits a prompt for Midjourney's shorter versions → a SHORTEN task id. */
  mjShorten(prompt: string, opts?: MjCallOptions): Promise<string>;
  /** Submits a face swap → a SWAP_FACE task id. */
  mjSwapFace(req: MjSwapFace, opts?: MjCallOptions): Promise<string>;
  /** The seed a finished task's image was made with. */
  mjImageSeed(taskId: string, opts?: MjCallOptions): Promise<string>;
  mjFetch(taskId: string, opts?: CallOptions): Promise<MjTask>;
  mjFetchMany(taskIds: string[], opts?: CallOptions): Promise<MjTask[]>;
  sunoMusic(req: SunoMusic, opts?: CallOptions): Promise<string>;
  sunoLyrics(prompt: string, opts?: CallOptions): Promise<string>;
  sunoFetch(taskId: string, opts?: CallOptions): Promise<SunoTask>;
  sunoFetchMany(taskIds: string[], opts?: CallOptions): Promise<SunoTask[]>;
  /** Joins an extended (or infilled) clip with what came before it into one song → task id. */
  sunoConcat(clipId: string, isInfill: boolean, opts?: CallOptions): Promise<string>;
  /** Has the gateway fetch a public audio URL → the uploaded clip id (for cover / upload_extend). */
  sunoUploadUrl(url: string, opts?: CallOptions): Promise<string>;
  /** Makes a persona from a complete generated clip → persona id (for task 'artist_consistency'). */
  sunoPersona(req: SunoPersonaRequest, opts?: CallOptions): Promise<string>;
  /** WAV / MP4 / time-aligned lyrics of a complete clip; 'pending' means ask again later. */
  sunoAct(kind: SunoActKind, clipId: string, opts?: CallOptions): Promise<SunoActResult>;
  /** Submits an Udio generation → task id. */
  udioMusic(req: UdioMusic, opts?: CallOptions): Promise<string>;
  /** An Udio task in the Suno task shape (songs → clips). */
  udioFetch(taskId: string, opts?: CallOptions): Promise<SunoTask>;
  /** Submits a video task (catalogue §5, one module per family) → its reference for `videoFetch`. */
  videoSubmit(req: VideoSubmit, opts?: CallOptions): Promise<string>;
  /** A video task's state by reference; undefined when the gateway does not know it. */
  videoFetch(ref: string, opts?: CallOptions): Promise<VideoTask | undefined>;
  /** Downloads a result file (image, audio, video) the gateway linked to. */
  download(url: string, opts?: CallOptions & { maxBytes?: number }): Promise<AudioFile>;
}
