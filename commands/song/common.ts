import { randomBytes } from 'node:crypto';
import type { CommandContext, OptionSpec } from '../../src/core/command.js';
import { type Localized, t } from '../../src/core/i18n.js';
import { BotError } from '../../src/errors.js';
import type { ClipArgs } from './buttons.js';

/**
 * The options every song button's command takes: what `clipButtons` puts on the button. Hidden
 * commands, so the descriptions are short.
 */
export const CLIP_OPTIONS = [
  {
    name: 'clip',
    type: 'text',
    required: true,
    maxLength: 100,
    description: { en: 'Clip id', zh: '片段 id' },
  },
  { name: 'task', type: 'text', maxLength: 200, description: { en: 'Its task', zh: '所属任务' } },
  { name: 'mv', type: 'text', maxLength: 40, description: { en: 'Model', zh: '模型' } },
  { name: 'title', type: 'text', maxLength: 200, description: { en: 'Title', zh: '标题' } },
  { name: 'tags', type: 'text', maxLength: 1000, description: { en: 'Style', zh: '风格' } },
  { name: 'by', type: 'text', maxLength: 200, description: { en: 'Requested by', zh: '点歌人' } },
  { name: 'dur', type: 'integer', min: 0, description: { en: 'Seconds', zh: '秒数' } },
] as const satisfies readonly OptionSpec[];

/** The clip a button names, from the command's arguments. */
export function clipOf(a: {
  clip: string;
  task?: string | undefined;
  mv?: string | undefined;
  title?: string | undefined;
  tags?: string | undefined;
  by?: string | undefined;
  dur?: number | undefined;
}): ClipArgs {
  return {
    clip: a.clip,
    task: a.task ?? '',
    mv: a.mv ?? '',
    title: a.title ?? '',
    tags: a.tags ?? '',
    by: a.by ?? '',
    dur: a.dur ?? 0,
  };
}

/**
 * What a derived result keeps: the original requester (`by`) and, when someone else pressed the
 * button, who did (`pressedBy`) — anyone may press a clip's buttons, and pays for it.
 */
export function derivedMeta(
  ctx: CommandContext<unknown>,
  clip: ClipArgs,
  more: Record<string, string> = {},
): Record<string, string> {
  const by = clip.by || ctx.user.name;
  return {
    by,
    ...(ctx.user.name !== by ? { pressedBy: ctx.user.name } : {}),
    clip: clip.clip,
    ...(clip.title ? { title: clip.title } : {}),
    ...(clip.tags ? { tags: clip.tags } : {}),
    ...(clip.mv ? { mv: clip.mv } : {}),
    ...(clip.dur > 0 ? { dur: String(clip.dur) } : {}),
    ...(clip.task ? { task: clip.task } : {}),
    ...more,
  };
}

/** A refusal of the user's input, in both languages (nothing is submitted, nothing charged). */
export function inputError(text: Localized, values: Record<string, string | number> = {}): BotError {
  const en = t('en', text, values);
  return new BotError('input', en, { userMessage: { en, zh: t('zh', text, values) } });
}

const BAD_SECONDS: Localized = {
  en: '“{value}” is not a time in the song: give seconds (e.g. 75) or minutes:seconds (1:15).',
  zh: '“{value}” 不是歌曲中的时间：请填秒数（如 75）或 分:秒（1:15）。',
};

/** `75`, `75.5`, `1:15` → seconds; a refusal for anything else. */
export function parseSeconds(raw: string): number {
  const s = raw.trim().replace(/[sS秒]$/, '');
  const mmss = /^(\d{1,3})[:：](\d{1,2}(?:\.\d+)?)$/.exec(s);
  const n = mmss
    ? Number(mmss[1]) * 60 + Number(mmss[2])
    : /^\d+(?:\.\d+)?$/.test(s)
      ? Number(s)
      : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw inputError(BAD_SECONDS, { value: raw.trim() });
  return n;
}

/** A short nonce for an act task: two presses on one clip are two tasks. */
export const nonce = (): string => randomBytes(6).toString('base64url');

/** Optional text from a form: empty and "-" mean "not given". */
export const given = (v: string | undefined): string | undefined => {
  const s = v?.trim();
  return s && s !== '-' ? s : undefined;
};
