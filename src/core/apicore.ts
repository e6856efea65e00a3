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
  temperature?: number;
  reasoning_effort?: 'low' | 'medium' | 'high';
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
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface ClaudeMessage {
  role: 'user' | 'assistant';
  content: string | ClaudeBlock[];
}

export interface ClaudeRequest {
  model: string;
  max_tokens: number;
  messages: ClaudeMessage[];
  system?: string;
  tools?: { name: string; description: string; input_schema: Record<string, unknown> }[];
  thinking?: { type: 'enabled'; budget_tokens: number };
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
}

export interface SunoTask {
  id: string;
  action: 'MUSIC' | 'LYRICS' | string;
  status: SunoStatus;
  failReason: string;
  clips: SunoClip[];
  lyrics: { title: string; text: string } | undefined;
}

export interface SunoMusic {
  prompt?: string;
  gpt_description_prompt?: string;
  tags?: string;
  title?: string;
  make_instrumental?: boolean;
  mv?: string;
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
  generateImages(req: ImageRequest, opts?: CallOptions): Promise<GeneratedImage[]>;
  speech(req: SpeechRequest, opts?: CallOptions): Promise<AudioFile>;
  transcribe(req: TranscriptionRequest, opts?: CallOptions): Promise<string>;
  keyUsage(opts?: CallOptions): Promise<KeyUsage>;
  mjImagine(req: MjImagine, opts?: CallOptions): Promise<string>;
  mjDescribe(imageDataUrl: string, opts?: CallOptions): Promise<string>;
  mjAction(taskId: string, customId: string, opts?: CallOptions): Promise<string>;
  mjBlend(
    imageDataUrls: string[],
    dimensions: 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE',
    opts?: CallOptions,
  ): Promise<string>;
  mjFetch(taskId: string, opts?: CallOptions): Promise<MjTask>;
  mjFetchMany(taskIds: string[], opts?: CallOptions): Promise<MjTask[]>;
  sunoMusic(req: SunoMusic, opts?: CallOptions): Promise<string>;
  sunoLyrics(prompt: string, opts?: CallOptions): Promise<string>;
  sunoFetch(taskId: string, opts?: CallOptions): Promise<SunoTask>;
  sunoFetchMany(taskIds: string[], opts?: CallOptions): Promise<SunoTask[]>;
  /** Downloads a result file (image, audio, video) the gateway linked to. */
  download(url: string, opts?: CallOptions & { maxBytes?: number }): Promise<AudioFile>;
}
