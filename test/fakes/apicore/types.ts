import type { IncomingHttpHeaders } from 'node:http';

export const FAKE_API_KEY = 'sk-fake-test-key-0123456789';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, exactly as sent (e.g. '/mj-fast/mj/submit/imagine'). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  /** Parsed multipart/form-data parts (only for multipart requests that parsed). */
  parts?: MultipartPart[];
  /** Set when the client closed the connection before the response ended (an aborted stream). */
  closedByClient?: boolean;
}

export type SseEvent = { event?: string; data: string | object };

export type Scripted =
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  | {
      kind: 'sse';
      events: SseEvent[];
      /** Append `data: [DONE]` (default true). */
      done?: boolean;
      /** Delay between events (or between slices when chunkBytes is set). */
      delayMs?: number;
      /** Write the whole SSE byte stream in slices of this many bytes. */
      chunkBytes?: number;
      /** Destroy the socket after this many events, no [DONE]. */
      cutAfterEvents?: number;
      status?: number;
    }
  | {
      kind: 'raw';
      status?: number;
      headers?: Record<string, string>;
      chunks: (string | Buffer)[];
      delayMs?: number;
      /** Destroy the socket after the chunks instead of ending the response. */
      destroy?: boolean;
      /**
       * Awaited before writing chunk `index` (after the headers and the chunks before it): lets a
       * test hold a body mid-way on its own clock instead of a real delay.
       */
      beforeChunk?: (index: number) => Promise<void>;
    }
  | { kind: 'hang' }
  | { kind: 'binary'; status?: number; contentType: string; body: Buffer };

export interface MjButton {
  customId: string;
  emoji: string;
  label: string;
  type: number;
  style: number;
}

/** new-api `MidjourneyDto`: every key is always present. */
export interface MjTask {
  id: string;
  action: string;
  customId: string;
  botType: string;
  prompt: string;
  promptEn: string;
  description: string;
  state: string;
  submitTime: number;
  startTime: number;
  finishTime: number;
  imageUrl: string;
  videoUrl: string;
  videoUrls: { url: string }[] | null;
  status: string;
  progress: string;
  failReason: string;
  buttons: MjButton[] | null;
  maskBase64: string;
  properties: Record<string, unknown> | null;
}

/** One stage of a task script; merged over the task's base object (not over the previous stage). */
export type MjStage = Partial<MjTask>;

export interface MjTaskState {
  id: string;
  action: string;
  submitBody: unknown;
  stages: MjStage[];
  /** Index of the stage the next fetch returns. */
  stage: number;
  /** The object every stage is merged over. */
  base: MjTask;
}

/** new-api Suno TaskDto (older, slimmer shape). */
export interface SunoTaskDto {
  task_id: string;
  action: string;
  status: string;
  fail_reason: string;
  submit_time: number;
  start_time: number;
  finish_time: number;
  progress: string;
  data: unknown;
}

export type SunoStage = Partial<SunoTaskDto>;

export interface SunoTaskState {
  id: string;
  action: string;
  submitBody: unknown;
  stages: SunoStage[];
  stage: number;
  base: SunoTaskDto;
  /** Index of the stage the last fetch returned (undefined before the first fetch). */
  shown?: number;
}
