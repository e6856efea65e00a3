import type { CommandContext } from '../../src/core/command.js';
import {
  closestVideoModels,
  VIDEO_ROUTES,
  type VideoRoute,
  videoModelIds,
  videoRoute,
} from '../../src/core/video-models.js';
import { inputError } from '../../src/errors.js';

/** Most completions Discord shows. */
const MAX_COMPLETIONS = 25;

/** The gateway's listed models that the routing table takes (a model it adds to a family shows up). */
async function listedVideoModels(ctx: CommandContext<unknown>): Promise<string[]> {
  try {
    const models = await ctx.apicore.listModels({ signal: ctx.signal });
    return models.map((m) => m.id).filter((id) => videoRoute(id) !== undefined);
  } catch (error) {
    ctx.log.warn({ err: error }, 'model list unavailable for video completions');
    return [];
  }
}

function describeRoute(id: string, route: VideoRoute): string {
  const what = [
    route.textToVideo ? 'text' : '',
    route.imageToVideo ? 'image' : '',
    route.extend ? 'extend' : '',
  ]
    .filter(Boolean)
    .join('·');
  return `${id} — ${route.label} (${what})`;
}

/** Completions for the model option: the table's ids first, then what /v1/models lists. */
export async function completeVideoModel(
  ctx: CommandContext<unknown>,
  typed: string,
): Promise<{ value: string; label: string }[]> {
  const q = typed.trim().toLowerCase();
  const ids = [...new Set([...videoModelIds(), ...(await listedVideoModels(ctx))])];
  return ids
    .filter((id) => id.toLowerCase().includes(q))
    .slice(0, MAX_COMPLETIONS)
    .map((id) => ({ value: id, label: describeRoute(id, videoRoute(id) ?? VIDEO_ROUTES[0]!) }));
}

/**
 * The route for what the user typed, checked against what they sent, before anything is paid:
 * an unknown model names the closest ones; an image to a family that takes none, no image to an
 * image-only family, or a prompt over the family's limit get one clear line.
 */
export function resolveVideoRequest(
  model: string,
  prompt: string,
  hasImage: boolean,
): VideoRoute & { model: string } {
  const route = videoRoute(model);
  if (!route) {
    const near = closestVideoModels(model, videoModelIds()).join(', ');
    throw inputError(
      `Unknown video model “${model}”. Closest: ${near}.`,
      `未知的视频模型“${model}”。最接近的：${near}。`,
    );
  }
  if (!prompt.trim() && !(hasImage && !route.textToVideo))
    throw inputError(
      'Describe the video: /video <what happens> (model:… and an image are optional).',
      '请描述视频内容：/video <内容>（model:… 和图片可选）。',
    );
  if (hasImage && !route.imageToVideo)
    throw inputError(
      `${model} makes videos from text only; send it without an image.`,
      `${model} 只支持文生视频，请不要附带图片。`,
    );
  if (!hasImage && !route.textToVideo)
    throw inputError(
      `${model} makes videos from an image: attach one (or send a photo with /video as its caption).`,
      `${model} 需要图片生成视频：请附带一张图片（或发送图片并以 /video 作为说明）。`,
    );
  if (route.maxPromptChars !== undefined && [...prompt].length > route.maxPromptChars)
    throw inputError(
      `${route.label} takes prompts of at most ${route.maxPromptChars} characters (this one has ${[...prompt].length}).`,
      `${route.label} 的提示词最多 ${route.maxPromptChars} 个字符（当前 ${[...prompt].length} 个）。`,
    );
  return { ...route, model };
}

const MODEL_OPTION = /(?:^|\s)(?:model[:=]|--model\s+)(\S+)/i;
const RATIO_OPTION = /(?:^|\s)(?:ratio[:=]|--ar\s+)(\d+:\d+)/i;

/**
 * Options typed into the prompt where a platform has no option fields (the console, a Telegram
 * message or photo caption): `model:kling-v1-6` / `--model kling-v1-6`, `ratio:9:16` / `--ar 9:16`,
 * or a known model id as the first word (`/video ray-v2 a city at night`).
 */
export function inlineVideoOptions(text: string): { prompt: string; model?: string; ratio?: string } {
  let prompt = text;
  let model: string | undefined;
  let ratio: string | undefined;
  const m = MODEL_OPTION.exec(prompt);
  if (m) {
    model = m[1];
    prompt = prompt.replace(m[0], ' ');
  }
  const r = RATIO_OPTION.exec(prompt);
  if (r) {
    ratio = r[1];
    prompt = prompt.replace(r[0], ' ');
  }
  const [first, ...rest] = prompt.trim().split(/\s+/);
  if (
    !model &&
    first &&
    rest.length > 0 &&
    videoModelIds().some((id) => id.toLowerCase() === first.toLowerCase())
  ) {
    model = first;
    prompt = rest.join(' ');
  }
  return {
    prompt: prompt.replace(/\s+/g, ' ').trim(),
    ...(model ? { model } : {}),
    ...(ratio ? { ratio } : {}),
  };
}
