/**
 * Image models as data: which endpoint a model id goes to, what a reference image does there, and
 * which sizes it takes. `/draw`, its autocomplete and its checks all read this one table, so a new
 * family is one entry here (and, for a new wire format, one client module in src/apicore/images/).
 * Sources are tagged as in ../shared/apicore-catalogue.md §4.
 */
import type { CommandContext } from '../../src/core/command.js';
import { closestVideoModels as closestIds } from '../../src/core/video-models.js';
import { inputError } from '../../src/errors.js';

/** Where a prompt alone goes. */
export type ImageEndpoint = 'generations' | 'chat' | 'kling';

/**
 * What a reference image does: `edits` (multipart /v1/images/edits), `kontext` (generations with
 * `input_image`), `chat` (an `image_url` part), `kling` (the task's `image`), or `none` (refused).
 */
export type ImageInput = 'edits' | 'kontext' | 'chat' | 'kling' | 'none';

export interface ImageRoute {
  /** Matches the model id a user types (case-insensitive). */
  pattern: RegExp;
  /** Shown in status lines and completions. */
  label: string;
  endpoint: ImageEndpoint;
  imageInput: ImageInput;
  /** An image without a prompt makes variations (/v1/images/variations). */
  variations: boolean;
  /** Most reference images one request takes (0 when none). */
  maxImages: number;
  /** Ids offered by autocomplete (the first is the family's default). */
  models: readonly string[];
  /**
   * `pixels`: `WxH` from `sizes`; `ratio`: `a:b` from `sizes` (sent as aspect_ratio); `any`: any
   * `WxH` from 256 to 2048; `none`: the model picks its own size.
   */
  sizeKind: 'pixels' | 'ratio' | 'any' | 'none';
  /** Allowed values (the first is sent when none is asked for, for `pixels`). */
  sizes: readonly string[];
  /** The model's prompt limit in characters, checked before anything is paid. */
  maxPromptChars?: number;
  /** Edits and variations need a square PNG under 4 MB (dall-e-2). */
  squarePng?: boolean;
}

const KONTEXT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9', '9:21'] as const;

/** In match order: the first route whose pattern matches a model id wins. */
export const IMAGE_ROUTES: readonly ImageRoute[] = [
  {
    // Generations b64 only; edits take several images as image[] (catalogue §4.1, OpenAI official).
    pattern: /^gpt-image-1/i,
    label: 'GPT Image',
    endpoint: 'generations',
    imageInput: 'edits',
    variations: false,
    maxImages: 4,
    models: ['gpt-image-1'],
    sizeKind: 'pixels',
    sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
    maxPromptChars: 32000,
  },
  {
    // Edits (one square PNG < 4 MB, prompt ≤ 1000) and variations (catalogue §4.1, §4.2).
    pattern: /^dall-e-2$/i,
    label: 'DALL·E 2',
    endpoint: 'generations',
    imageInput: 'edits',
    variations: true,
    maxImages: 1,
    models: ['dall-e-2'],
    sizeKind: 'pixels',
    sizes: ['1024x1024', '512x512', '256x256'],
    maxPromptChars: 1000,
    squarePng: true,
  },
  {
    // Text only (OpenAI official; inferred for APICore).
    pattern: /^dall-e-3$/i,
    label: 'DALL·E 3',
    endpoint: 'generations',
    imageInput: 'none',
    variations: false,
    maxImages: 0,
    models: ['dall-e-3'],
    sizeKind: 'pixels',
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    maxPromptChars: 4000,
  },
  {
    // Chat format: markdown image links in the answer, reference images as image_url parts
    // (catalogue §4.3: tu-zi client code, apicore nav); the model picks the size.
    pattern: /^(gpt-4o-image|sora[_-]image)/i,
    label: 'GPT-4o Image',
    endpoint: 'chat',
    imageInput: 'chat',
    variations: false,
    maxImages: 4,
    models: ['gpt-4o-image', 'sora_image', 'gpt-4o-image-vip'],
    sizeKind: 'none',
    sizes: [],
  },
  {
    // Dalle format with aspect_ratio; image-to-image via input_image (catalogue §4.4; gateway:
    // apitokenbank dall-e format, anyfast `input_image` base64 or URL; BFL native field name).
    pattern: /^flux-kontext/i,
    label: 'FLUX Kontext',
    endpoint: 'generations',
    imageInput: 'kontext',
    variations: false,
    maxImages: 1,
    models: ['flux-kontext-pro', 'flux-kontext-max'],
    sizeKind: 'ratio',
    sizes: KONTEXT_RATIOS,
  },
  {
    // Dalle format (catalogue §4.4; gateway: im06lq19wz/apitokenbank).
    pattern: /^flux/i,
    label: 'FLUX',
    endpoint: 'generations',
    imageInput: 'none',
    variations: false,
    maxImages: 0,
    models: ['flux-schnell', 'flux-dev', 'flux-pro'],
    sizeKind: 'pixels',
    sizes: ['1024x1024', '1024x576', '576x1024', '1024x768', '768x1024', '1366x768', '768x1366'],
  },
  {
    // xAI ignores size (catalogue §4.5; gateway: fast-token, moonapix).
    pattern: /^grok-.*image/i,
    label: 'Grok',
    endpoint: 'generations',
    imageInput: 'none',
    variations: false,
    maxImages: 0,
    models: ['grok-2-image', 'grok-imagine-image', 'grok-imagine-image-pro'],
    sizeKind: 'none',
    sizes: [],
  },
  {
    // 即梦 3.0 (catalogue §4.7; gateway: V-API "JiMeng 3.0 - Image Generation").
    pattern: /^(doubao-seedream|seedream|jimeng(?!.*video))/i,
    label: 'Jimeng',
    endpoint: 'generations',
    imageInput: 'none',
    variations: false,
    maxImages: 0,
    models: ['doubao-seedream-3-0-t2i-250415'],
    sizeKind: 'pixels',
    sizes: ['1024x1024', '864x1152', '1152x864', '1280x720', '720x1280', '832x1248', '1248x832', '1512x648'],
  },
  {
    // A task, polled (catalogue §4.8; gateway: kapon query paths, CometAPI result shape).
    pattern: /^kling-v(?:1|1-5|2|2-1)$/i,
    label: 'Kling',
    endpoint: 'kling',
    imageInput: 'kling',
    variations: false,
    maxImages: 1,
    models: ['kling-v1', 'kling-v1-5', 'kling-v2'],
    sizeKind: 'ratio',
    sizes: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
    maxPromptChars: 500,
  },
  {
    // Not documented (catalogue §4.6): dalle format expected; any sensible size (inferred).
    pattern: /^(stable-diffusion|sd-?\d|sdxl|sd3)/i,
    label: 'Stable Diffusion',
    endpoint: 'generations',
    imageInput: 'none',
    variations: false,
    maxImages: 0,
    models: ['stable-diffusion-3-5-large', 'sdxl'],
    sizeKind: 'any',
    sizes: ['1024x1024', '1344x768', '768x1344'],
  },
];

/** `/draw`'s default: gpt-image-1, as before. */
export const DEFAULT_IMAGE_MODEL = 'gpt-image-1';

/** Most completions Discord shows. */
const MAX_COMPLETIONS = 25;

export function imageRoute(model: string): ImageRoute | undefined {
  return IMAGE_ROUTES.find((r) => r.pattern.test(model.trim()));
}

export function imageModelIds(): string[] {
  return IMAGE_ROUTES.flatMap((r) => [...r.models]);
}

async function listedImageModels(ctx: CommandContext<unknown>): Promise<string[]> {
  try {
    const models = await ctx.apicore.listModels({ signal: ctx.signal });
    return models.map((m) => m.id).filter((id) => imageRoute(id) !== undefined);
  } catch (error) {
    ctx.log.warn({ err: error }, 'model list unavailable for image completions');
    return [];
  }
}

function describeRoute(id: string, r: ImageRoute): string {
  const what = [
    'text',
    r.imageInput === 'edits' ? 'edit' : r.imageInput !== 'none' ? 'image' : '',
    r.variations ? 'variations' : '',
  ]
    .filter(Boolean)
    .join('·');
  return `${id} — ${r.label} (${what})`;
}

/** Completions: the models /v1/models lists that the table routes, then the table's own ids. */
export async function completeImageModel(
  ctx: CommandContext<unknown>,
  typed: string,
): Promise<{ value: string; label: string }[]> {
  const q = typed.trim().toLowerCase();
  const ids = [...new Set([...(await listedImageModels(ctx)), ...imageModelIds()])];
  return ids
    .filter((id) => id.toLowerCase().includes(q))
    .slice(0, MAX_COMPLETIONS)
    .map((id) => ({ value: id, label: describeRoute(id, imageRoute(id)!) }));
}

/** Completions for the size option: every size the table knows, with the models that take it. */
export function completeImageSize(typed: string): { value: string; label: string }[] {
  const q = typed.trim().toLowerCase();
  const sizes = new Map<string, string[]>();
  for (const r of IMAGE_ROUTES)
    for (const s of r.sizes) sizes.set(s, [...new Set([...(sizes.get(s) ?? []), r.label])]);
  return [...sizes]
    .filter(([s]) => s.includes(q))
    .slice(0, MAX_COMPLETIONS)
    .map(([s, labels]) => ({ value: s, label: `${s} — ${labels.join(', ')}`.slice(0, 100) }));
}

/** The route for a model id; an unknown one is refused with the closest names. */
export function routeOrRefuse(model: string): ImageRoute {
  const route = imageRoute(model);
  if (route) return route;
  const near = closestIds(model, imageModelIds()).join(', ');
  throw inputError(
    `Unknown image model “${model}”. Closest: ${near}.`,
    `未知的图片模型“${model}”。最接近的：${near}。`,
  );
}

const PIXELS = /^(\d{2,5})\s*[x×*]\s*(\d{2,5})$/i;
const RATIO = /^(\d{1,2})\s*:\s*(\d{1,2})$/;

/**
 * The size to send for what the user asked: a value from the model's list; a ratio to a pixel
 * model becomes its closest listed size; anything else is refused, naming what the model takes.
 */
export function resolveSize(model: string, route: ImageRoute, asked: string | undefined): string | undefined {
  const size = asked?.trim().toLowerCase().replace(/\s+/g, '').replace(/[×*]/g, 'x');
  if (!size) return route.sizeKind === 'pixels' ? route.sizes[0] : undefined;
  if (route.sizeKind === 'none')
    throw inputError(
      `${model} picks its own size; leave size out (describe the shape in the prompt instead).`,
      `${model} 自动决定尺寸，请不要指定 size（可在提示词中描述画面比例）。`,
    );
  if (route.sizes.includes(size)) return size;
  const pixels = PIXELS.exec(size);
  if (route.sizeKind === 'any' && pixels) {
    const [w, h] = [Number(pixels[1]), Number(pixels[2])];
    if (w >= 256 && h >= 256 && w <= 2048 && h <= 2048) return `${w}x${h}`;
  }
  const ratio = RATIO.exec(size);
  if (ratio && route.sizeKind !== 'ratio') {
    const want = Number(ratio[1]) / Number(ratio[2]);
    const candidates = route.sizes
      .map((s) => PIXELS.exec(s))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ s: m[0], r: Number(m[1]) / Number(m[2]) }));
    const best = candidates.sort((a, b) => Math.abs(a.r - want) - Math.abs(b.r - want))[0];
    if (best && Math.abs(best.r - want) / want < 0.2) return best.s;
  }
  const list = route.sizeKind === 'any' ? 'WxH from 256 to 2048' : route.sizes.join(', ');
  const listZh = route.sizeKind === 'any' ? '256 到 2048 之间的 宽x高' : route.sizes.join('、');
  throw inputError(
    `${model} takes sizes ${list} (got “${asked}”).`,
    `${model} 支持的尺寸：${listZh}（收到“${asked}”）。`,
  );
}

const MODEL_OPTION = /(?:^|\s)(?:model[:=]|--model\s+)(\S+)/i;
const SIZE_OPTION = /(?:^|\s)(?:size[:=]|--size\s+|--ar\s+|ratio[:=])(\S+)/i;

/**
 * Options typed into the prompt where a platform has no option fields (the console, a Telegram
 * message or photo caption): `model:flux-dev` / `--model flux-dev`, `size:1536x1024` / `--ar 16:9`,
 * or a known model id as the first word (`/draw dall-e-2` under a photo makes variations).
 */
export function inlineDrawOptions(text: string): { prompt: string; model?: string; size?: string } {
  let prompt = ` ${text} `;
  let model: string | undefined;
  let size: string | undefined;
  const m = MODEL_OPTION.exec(prompt);
  if (m) {
    model = m[1];
    prompt = prompt.replace(m[0], ' ');
  }
  const s = SIZE_OPTION.exec(prompt);
  if (s) {
    size = s[1];
    prompt = prompt.replace(s[0], ' ');
  }
  const [first, ...rest] = prompt.trim().split(/\s+/);
  if (!model && first && imageModelIds().some((id) => id.toLowerCase() === first.toLowerCase())) {
    model = first;
    prompt = rest.join(' ');
  }
  return {
    prompt: prompt.replace(/[ \t]+/g, ' ').trim(),
    ...(model ? { model } : {}),
    ...(size ? { size } : {}),
  };
}
