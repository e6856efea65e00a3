import { randomBytes } from 'node:crypto';
import type { PublicFiles } from './core/songs.js';
import type { KeyValue, Store } from './core/store.js';

/** Store namespace of the files served at `/files/<id>`. */
export const PUBLIC_FILES_NAMESPACE = 'public-files';
/** Largest file served this way (Telegram's own download limit is 20 MB). */
export const PUBLIC_FILE_MAX_BYTES = 20 * 1024 * 1024;

interface StoredFile {
  mime: string;
  name: string;
  /** The bytes, base64. */
  data: string;
}

/**
 * Files kept in the store for a while and served by the health server at
 * `${PUBLIC_BASE_URL}/files/<random>`: any instance sharing the store can serve a file another
 * instance published. The id is 18 random bytes, so the link is the only key to it.
 */
export class StorePublicFiles implements PublicFiles {
  readonly #space: KeyValue<StoredFile>;

  constructor(
    store: Store,
    private readonly baseUrl: string,
  ) {
    this.#space = store.namespace(PUBLIC_FILES_NAMESPACE);
  }

  async publish(bytes: Uint8Array, options: { mime: string; name: string; ttlMs: number }): Promise<string> {
    if (bytes.byteLength > PUBLIC_FILE_MAX_BYTES) throw new RangeError('file too large to serve');
    const id = randomBytes(18).toString('base64url');
    await this.#space.set(
      id,
      { mime: options.mime, name: options.name, data: Buffer.from(bytes).toString('base64') },
      options.ttlMs,
    );
    // The name after the id is for whoever reads the link (the gateway may title the upload by it).
    const name = options.name.replace(/[\\/\s?#%]+/g, '_').slice(0, 100) || 'audio';
    return `${this.baseUrl}/files/${id}/${encodeURIComponent(name)}`;
  }
}

/** The file published at `/files/<id>[/<name>]` (`path` is what follows `/files/`), while it lives. */
export async function readPublicFile(
  store: Store,
  path: string,
): Promise<{ mime: string; bytes: Buffer } | undefined> {
  const id = path.split('/')[0] ?? '';
  if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return undefined;
  const file = await store.namespace<StoredFile>(PUBLIC_FILES_NAMESPACE).get(id);
  return file ? { mime: file.mime, bytes: Buffer.from(file.data, 'base64') } : undefined;
}
