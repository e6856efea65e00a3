import type {
  ApiCore,
  AudioFile,
  CallOptions,
  ChatRequest,
  ChatResult,
  ClaudeRequest,
  EmbeddingsRequest,
  GeneratedImage,
  ImageEditRequest,
  ImageRequest,
  ImageVariationRequest,
  KeyUsage,
  KlingImageRequest,
  KlingImageTask,
  MjCallOptions,
  MjDimensions,
  MjImagine,
  MjModal,
  MjSwapFace,
  MjTask,
  ModelInfo,
  ResponsesRequest,
  SpeechRequest,
  StreamEvent,
  SunoActKind,
  SunoActResult,
  SunoMusic,
  SunoPersonaRequest,
  SunoTask,
  TranscriptionRequest,
  UdioMusic,
} from '../core/apicore.js';
import type { VideoSubmit, VideoTask } from '../core/video-models.js';
import { AudioApi } from './audio.js';
import { BillingApi } from './billing.js';
import { ChatApi, MODELS_CACHE_MS } from './chat.js';
import { DownloadApi, type DownloadOptions } from './download.js';
import { ImagesApi } from './images.js';
import { MidjourneyApi } from './midjourney.js';
import { SunoApi } from './suno.js';
import { ApiCoreTransport, type TransportOptions } from './transport.js';
import { UdioApi } from './udio.js';
import { VideoApi } from './video/index.js';

export { createDispatcher, type RetryPolicy } from './transport.js';

export interface ApiCoreClientOptions extends TransportOptions {
  /** How long the model list is reused (0 asks every time). */
  modelsCacheMs?: number;
}

/**
 * The APICore client: the `ApiCore` interface over one shared transport (see transport.ts),
 * one module per API family. A new family (video, more Suno or Midjourney endpoints) is one
 * more `xxx.ts` with a `XxxApi` class taking the transport, plus its one-line delegates here.
 */
export class ApiCoreClient implements ApiCore {
  readonly #transport: ApiCoreTransport;
  readonly #chat: ChatApi;
  readonly #images: ImagesApi;
  readonly #audio: AudioApi;
  readonly #billing: BillingApi;
  readonly #download: DownloadApi;
  readonly #mj: MidjourneyApi;
  readonly #suno: SunoApi;
  readonly #udio: UdioApi;
  readonly #video: VideoApi;

  constructor(options: ApiCoreClientOptions) {
    const t = new ApiCoreTransport(options);
    this.#transport = t;
    this.#chat = new ChatApi(t, options.modelsCacheMs ?? MODELS_CACHE_MS);
    this.#images = new ImagesApi(t);
    this.#audio = new AudioApi(t);
    this.#billing = new BillingApi(t);
    this.#download = new DownloadApi(t);
    this.#mj = new MidjourneyApi(t);
    this.#suno = new SunoApi(t);
    this.#udio = new UdioApi(t);
    this.#video = new VideoApi(t);
  }

  /** Closes the keep-alive pool. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  // ---------- models, chat, responses, embeddings (chat.ts) ----------

  listModels(opts?: CallOptions): Promise<ModelInfo[]> {
    return this.#chat.listModels(opts);
  }
  chat(req: ChatRequest, opts?: CallOptions): Promise<ChatResult> {
    return this.#chat.chat(req, opts);
  }
  chatStream(req: ChatRequest, opts?: CallOptions): AsyncIterable<StreamEvent> {
    return this.#chat.chatStream(req, opts);
  }
  claudeStream(req: ClaudeRequest, opts?: CallOptions): AsyncIterable<StreamEvent> {
    return this.#chat.claudeStream(req, opts);
  }
  responses(req: ResponsesRequest, opts?: CallOptions): Promise<ChatResult> {
    return this.#chat.responses(req, opts);
  }
  embeddings(req: EmbeddingsRequest, opts?: CallOptions): Promise<number[][]> {
    return this.#chat.embeddings(req, opts);
  }

  // ---------- images (images.ts), audio (audio.ts), balance (billing.ts), files (download.ts) ----------

  generateImages(req: ImageRequest, opts?: CallOptions): Promise<GeneratedImage[]> {
    return this.#images.generateImages(req, opts);
  }
  editImages(req: ImageEditRequest, opts?: CallOptions): Promise<GeneratedImage[]> {
    return this.#images.editImages(req, opts);
  }
  imageVariations(req: ImageVariationRequest, opts?: CallOptions): Promise<GeneratedImage[]> {
    return this.#images.imageVariations(req, opts);
  }
  klingImageSubmit(req: KlingImageRequest, opts?: CallOptions): Promise<string> {
    return this.#images.klingImageSubmit(req, opts);
  }
  klingImageFetch(taskId: string, opts?: CallOptions): Promise<KlingImageTask> {
    return this.#images.klingImageFetch(taskId, opts);
  }
  speech(req: SpeechRequest, opts?: CallOptions): Promise<AudioFile> {
    return this.#audio.speech(req, opts);
  }
  transcribe(req: TranscriptionRequest, opts?: CallOptions): Promise<string> {
    return this.#audio.transcribe(req, opts);
  }
  keyUsage(opts?: CallOptions): Promise<KeyUsage> {
    return this.#billing.keyUsage(opts);
  }
  download(url: string, opts?: DownloadOptions): Promise<AudioFile> {
    return this.#download.download(url, opts);
  }

  // ---------- Midjourney (midjourney.ts) ----------

  mjImagine(req: MjImagine, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjImagine(req, opts);
  }
  mjDescribe(imageDataUrl: string, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjDescribe(imageDataUrl, opts);
  }
  mjAction(taskId: string, customId: string, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjAction(taskId, customId, opts);
  }
  mjBlend(imageDataUrls: string[], dimensions: MjDimensions, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjBlend(imageDataUrls, dimensions, opts);
  }
  mjModal(req: MjModal, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjModal(req, opts);
  }
  mjShorten(prompt: string, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjShorten(prompt, opts);
  }
  mjSwapFace(req: MjSwapFace, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjSwapFace(req, opts);
  }
  mjImageSeed(taskId: string, opts?: MjCallOptions): Promise<string> {
    return this.#mj.mjImageSeed(taskId, opts);
  }
  mjFetch(taskId: string, opts?: CallOptions): Promise<MjTask> {
    return this.#mj.mjFetch(taskId, opts);
  }
  mjFetchMany(taskIds: string[], opts?: CallOptions): Promise<MjTask[]> {
    return this.#mj.mjFetchMany(taskIds, opts);
  }

  // ---------- Suno (suno.ts) ----------

  sunoMusic(req: SunoMusic, opts?: CallOptions): Promise<string> {
    return this.#suno.sunoMusic(req, opts);
  }
  sunoLyrics(prompt: string, opts?: CallOptions): Promise<string> {
    return this.#suno.sunoLyrics(prompt, opts);
  }
  sunoFetch(taskId: string, opts?: CallOptions): Promise<SunoTask> {
    return this.#suno.sunoFetch(taskId, opts);
  }
  sunoFetchMany(taskIds: string[], opts?: CallOptions): Promise<SunoTask[]> {
    return this.#suno.sunoFetchMany(taskIds, opts);
  }
  sunoConcat(clipId: string, isInfill: boolean, opts?: CallOptions): Promise<string> {
    return this.#suno.sunoConcat(clipId, isInfill, opts);
  }
  sunoUploadUrl(url: string, opts?: CallOptions): Promise<string> {
    return this.#suno.sunoUploadUrl(url, opts);
  }
  sunoPersona(req: SunoPersonaRequest, opts?: CallOptions): Promise<string> {
    return this.#suno.sunoPersona(req, opts);
  }
  sunoAct(kind: SunoActKind, clipId: string, opts?: CallOptions): Promise<SunoActResult> {
    return this.#suno.sunoAct(kind, clipId, opts);
  }

  // ---------- Udio (udio.ts) ----------

  udioMusic(req: UdioMusic, opts?: CallOptions): Promise<string> {
    return this.#udio.udioMusic(req, opts);
  }
  udioFetch(taskId: string, opts?: CallOptions): Promise<SunoTask> {
    return this.#udio.udioFetch(taskId, opts);
  }

  // ---------- video task families (video/) ----------

  videoSubmit(req: VideoSubmit, opts?: CallOptions): Promise<string> {
    return this.#video.videoSubmit(req, opts);
  }
  videoFetch(ref: string, opts?: CallOptions): Promise<VideoTask | undefined> {
    return this.#video.videoFetch(ref, opts);
  }
}
