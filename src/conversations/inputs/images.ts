import type { Sharp, SharpOptions } from 'sharp';
import type { ChatInput, CommandContext } from '../../core/command.js';
import { sniffImage, toDataUrl } from '../../core/media.js';
import { checkDeclaredSize, type InputFamily, inputFamily, refusal } from './limits.js';

/** The size an image is sent at: its longest side, and its bytes once encoded (before base64). */
export interface ImageLimits {
  maxSidePx: number;
  maxBytes: number;
}

/**
 * Per model family. Claude: Anthropic recommends a long side of at most 1568 px (larger is scaled
 * down on their side anyway; 8000 px is the hard limit) and refuses an image over 5 MB, counted on
 * the base64 text, so 3/4 of that in bytes. OpenAI: high detail fits the image in 2048 × 2048, then
 * its short side in 768, so 2048 loses nothing. Gemini takes much more; 3072 keeps small print
 * readable. Everyone else: 2048 px and 4 MB.
 */
export const IMAGE_LIMITS: Record<InputFamily, ImageLimits> = {
  claude: { maxSidePx: 1568, maxBytes: Math.floor((5 * 1024 * 1024 * 3) / 4) },
  openai: { maxSidePx: 2048, maxBytes: 4 * 1024 * 1024 },
  'gpt-all': { maxSidePx: 2048, maxBytes: 4 * 1024 * 1024 },
  gemini: { maxSidePx: 3072, maxBytes: 4 * 1024 * 1024 },
  other: { maxSidePx: 2048, maxBytes: 4 * 1024 * 1024 },
};

export function imageLimits(model: string): ImageLimits {
  return IMAGE_LIMITS[inputFamily(model)];
}

/**
 * Images with more pixels than this are refused before they are decoded (decompression bombs: a
 * few kB of PNG can declare 100k × 100k). 120 MP still takes the largest phone sensors (108 MP).
 */
export const MAX_INPUT_PIXELS = 120_000_000;
/** JPEG (and WebP) qualities tried in turn until the image fits its byte limit. */
const QUALITIES = [85, 75, 60, 45] as const;
/** When no quality fits, the long side shrinks by at least this factor and the qualities are tried again. */
const SHRINK_FACTOR = 0.75;
/** Rounds of shrinking before an image is refused. */
const MAX_SHRINKS = 6;
/** Below this long side an image is not worth sending: it is refused instead. */
const MIN_SIDE_PX = 256;
/** libwebp's effort (0–6): 2 encodes several times faster than the default 4, a few % larger. */
const WEBP_EFFORT = 2;

const NOT_AN_IMAGE = {
  en: '“{name}” is not an image I can read (PNG, JPEG, GIF or WebP).',
  zh: '“{name}” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。',
};
const TOO_MANY_PIXELS = {
  en: '“{name}” has too many pixels to process ({width} × {height}; at most {max} megapixels).',
  zh: '“{name}” 像素过多，无法处理（{width} × {height}，最多 {max} 百万像素）。',
};
const CANNOT_SHRINK = {
  en: '“{name}” could not be made small enough to send ({size} MB at most). Please send a smaller image.',
  zh: '“{name}” 无法压缩到可发送的大小（最多 {size} MB），请发送较小的图片。',
};

export type SentImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

export interface PreparedImage {
  mime: SentImageMime;
  data: Uint8Array;
  width: number;
  height: number;
}

/** The original bytes, held so they can be let go as soon as they are decoded. */
interface Held {
  bytes: Uint8Array | undefined;
}

type SharpFactory = (input?: Uint8Array | Buffer, options?: SharpOptions) => Sharp;
let sharpLoading: Promise<SharpFactory | undefined> | undefined;

/**
 * sharp (libvips), loaded on first use: where its prebuilt binary does not load the bot still
 * runs, and sends images that already fit unchanged (larger ones are refused).
 */
function loadSharp(): Promise<SharpFactory | undefined> {
  sharpLoading ??= import('sharp').then(
    (m) => m.default as unknown as SharpFactory,
    () => undefined,
  );
  return sharpLoading;
}

/**
 * An image made ready for a model: EXIF orientation applied, the first frame of an animation,
 * scaled to fit `limits.maxSidePx`, re-encoded as JPEG (PNG, else WebP, when it has transparency)
 * at the highest quality that fits `limits.maxBytes`. An image that already fits, in a format
 * every family reads, with no EXIF block (no rotation to apply, no GPS position to leak), is sent
 * as it is. Throws a localized input error for what is not an image, a decompression bomb, or an
 * image that cannot be made to fit.
 */
export async function prepareImage(
  bytes: Uint8Array,
  limits: ImageLimits,
  name: string,
): Promise<PreparedImage> {
  return prepare({ bytes }, limits, name);
}

async function prepare(held: Held, limits: ImageLimits, name: string): Promise<PreparedImage> {
  let original = held.bytes;
  if (!original || !sniffImage(original)) throw refusal(NOT_AN_IMAGE, { name });
  const sharp = await loadSharp();
  if (!sharp) return unchanged(original, limits, name);
  let meta: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    // Only the header is read here, so no pixel limit: the check below names the dimensions.
    meta = await sharp(original, { limitInputPixels: false }).metadata();
  } catch {
    throw refusal(NOT_AN_IMAGE, { name });
  }
  const { width, height } = meta;
  if (!width || !height) throw refusal(NOT_AN_IMAGE, { name });
  if (width * height > MAX_INPUT_PIXELS) {
    throw refusal(TOO_MANY_PIXELS, { name, width, height, max: MAX_INPUT_PIXELS / 1_000_000 });
  }
  const format = meta.format === 'jpeg' ? 'image/jpeg' : meta.format === 'png' ? 'image/png' : 'image/webp';
  if (
    (meta.format === 'jpeg' || meta.format === 'png' || meta.format === 'webp') &&
    (meta.pages ?? 1) === 1 &&
    Math.max(width, height) <= limits.maxSidePx &&
    original.length <= limits.maxBytes &&
    !meta.exif &&
    (meta.orientation ?? 1) === 1
  ) {
    return { mime: format, data: original, width, height };
  }

  // Decode once (first frame, upright, already scaled down), then let the original go: the
  // encodings below all start from these pixels.
  let decoded: { data: Buffer; info: { width: number; height: number; channels: 1 | 2 | 3 | 4 } };
  try {
    decoded = await sharp(original, { limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .resize(limits.maxSidePx, limits.maxSidePx, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw refusal(NOT_AN_IMAGE, { name });
  }
  held.bytes = undefined;
  original = undefined;
  const raw = { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels };
  const pixels = () => sharp(decoded.data, { raw });
  const withAlpha = raw.channels === 2 || raw.channels === 4;
  const transparent = withAlpha && !(await pixels().stats()).isOpaque;

  const scaled = (side: number) => {
    const p = pixels().resize(side, side, { fit: 'inside', withoutEnlargement: true });
    return withAlpha && !transparent ? p.removeAlpha() : p;
  };
  let side = Math.max(raw.width, raw.height);
  if (transparent) {
    // Lossless first (screenshots, logos), if it fits at full size; else WebP, which keeps the
    // transparency JPEG would lose.
    const png = await encoded(scaled(side).png(), 'image/png');
    if (png.data.length <= limits.maxBytes) return png;
  }
  for (let attempt = 0; attempt < MAX_SHRINKS; attempt++) {
    let smallest = Number.POSITIVE_INFINITY;
    for (const quality of QUALITIES) {
      const image = transparent
        ? await encoded(
            scaled(side).webp({ quality, alphaQuality: quality, effort: WEBP_EFFORT }),
            'image/webp',
          )
        : await encoded(scaled(side).jpeg({ quality }), 'image/jpeg');
      if (image.data.length <= limits.maxBytes) return image;
      smallest = image.data.length;
      // Far too large: lower qualities will not save enough at this size.
      if (smallest > 2 * limits.maxBytes) break;
    }
    // Bytes grow with the area: shrink by the square root of what is missing, at least by SHRINK_FACTOR.
    side = Math.floor(side * Math.min(SHRINK_FACTOR, Math.sqrt(limits.maxBytes / smallest)));
    if (side < MIN_SIDE_PX) break;
  }
  throw refusal(CANNOT_SHRINK, { name, size: (limits.maxBytes / 1024 / 1024).toFixed(1) });
}

async function encoded(p: Sharp, mime: SentImageMime): Promise<PreparedImage> {
  const { data, info } = await p.toBuffer({ resolveWithObject: true });
  return {
    mime,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Without sharp: the image as it came, when it fits; refused otherwise. */
function unchanged(bytes: Uint8Array, limits: ImageLimits, name: string): PreparedImage {
  const mime = sniffImage(bytes);
  if (mime === undefined || mime === 'image/gif' || bytes.length > limits.maxBytes) {
    throw refusal(CANNOT_SHRINK, { name, size: (limits.maxBytes / 1024 / 1024).toFixed(1) });
  }
  return { mime, data: bytes, width: 0, height: 0 };
}

/**
 * The question's images, made ready for `model` (see `prepareImage`) and returned as data URLs,
 * which is also the size history keeps them at. Declared sizes are all checked before the first
 * download; images are then fetched and processed one at a time, each original let go once it
 * is decoded, so an answer holds one original at most.
 */
export async function readImages(
  ctx: CommandContext<unknown>,
  input: ChatInput,
  model: string,
): Promise<string[]> {
  const limits = imageLimits(model);
  const maxBytes = ctx.limits.maxDownloadBytes;
  for (const file of input.images) checkDeclaredSize(file, maxBytes);
  const urls: string[] = [];
  for (const file of input.images) {
    const image = await prepare({ bytes: await file.fetch(maxBytes) }, limits, file.name);
    urls.push(toDataUrl(image.data, image.mime));
  }
  return urls;
}
