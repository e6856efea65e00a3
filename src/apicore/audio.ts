import { FormData } from 'undici';
import type { AudioFile, CallOptions, SpeechRequest, TranscriptionRequest } from '../core/apicore.js';
import { bodyError } from './errors.js';
import type { ApiCoreTransport } from './transport.js';

/** Text to speech (`/v1/audio/speech`) and speech to text (`/v1/audio/transcriptions`). */
export class AudioApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  async speech(req: SpeechRequest, opts: CallOptions = {}): Promise<AudioFile> {
    const endpoint = 'POST /v1/audio/speech';
    const res = await this.#t.send('POST', '/v1/audio/speech', { ...opts, json: req });
    const buffer = await res.body.arrayBuffer().catch((cause: unknown) => {
      throw this.#t.error(endpoint, cause, opts.signal);
    });
    return {
      data: new Uint8Array(buffer),
      mime: String(res.headers['content-type'] ?? 'audio/mpeg').split(';')[0]!,
    };
  }

  async transcribe(req: TranscriptionRequest, opts: CallOptions = {}): Promise<string> {
    const form = new FormData();
    form.set('file', new Blob([req.file], { type: req.mime }), req.filename);
    form.set('model', req.model);
    if (req.language) form.set('language', req.language);
    const body = (await this.#t.json('POST', '/v1/audio/transcriptions', { ...opts, form })) as Record<
      string,
      unknown
    >;
    if (typeof body.text !== 'string') throw bodyError('POST /v1/audio/transcriptions', body);
    return body.text;
  }
}
