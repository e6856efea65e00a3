import type { CommandButton, FollowUpForm } from '../../src/core/command.js';
import type { Lang, Localized } from '../../src/core/i18n.js';
import { t } from '../../src/core/i18n.js';
import type { TaskPurpose } from '../../src/core/tasks.js';

/**
 * What every song button carries (strings and numbers only, as button arguments are): the clip,
 * the task that made it, its model, title, tags, the original requester's name (kept on every
 * derived result) and its length in seconds (0 when unknown).
 */
export interface ClipArgs {
  clip: string;
  task: string;
  mv: string;
  title: string;
  tags: string;
  by: string;
  dur: number;
}

/** Models that can do stems, the music video and timed lyrics ("仅限chirp_auk" per the gateway). */
const AUK_OR_NEWER = new Set(['chirp-auk', 'chirp-auk-turbo', 'chirp-bluejay', 'chirp-crow']);

/** Udio clips are not Suno clips: none of the Suno features work on them. */
export const isUdio = (mv: string): boolean => mv.toLowerCase().startsWith('udio');

/**
 * Stems, video and timed lyrics need chirp-auk (v4.5) or newer. An unknown model (an uploaded
 * clip, a joined song) is let through: the gateway then says for itself.
 */
export const aukOrNewer = (mv: string): boolean => mv === '' || AUK_OR_NEWER.has(mv.toLowerCase());

/** The hidden commands behind the buttons. */
export const SONG_COMMANDS = {
  extend: 'song-extend',
  concat: 'song-concat',
  cover: 'song-cover',
  more: 'song-more',
  infill: 'song-infill',
  persona: 'song-persona',
  stems: 'song-stems',
  wav: 'song-wav',
  video: 'song-video',
  timing: 'song-timing',
} as const;

export const LABELS = {
  extend: { en: '⏩ Extend', zh: '⏩ 续写' },
  concat: { en: '🎼 Full song', zh: '🎼 完整歌曲' },
  cover: { en: '🎨 Cover', zh: '🎨 翻唱' },
  more: { en: '➕ More', zh: '➕ 更多' },
  infill: { en: '✂️ Replace section', zh: '✂️ 替换片段' },
  persona: { en: '🗣️ Persona', zh: '🗣️ 同声线' },
  stems: { en: '🎚️ Stems', zh: '🎚️ 分轨' },
  wav: { en: '💿 WAV', zh: '💿 WAV' },
  video: { en: '🎬 Video', zh: '🎬 视频' },
  timing: { en: '📝 Timed lyrics', zh: '📝 逐字歌词' },
} satisfies Record<keyof typeof SONG_COMMANDS, Localized>;

/** Discord's modal titles hold 45 characters. */
const MODAL_TITLE_MAX = 45;
const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const both = (text: Localized, values: Record<string, string | number>): Localized => ({
  en: short(t('en', text, values), MODAL_TITLE_MAX),
  zh: short(t('zh', text, values), MODAL_TITLE_MAX),
});

/** Extend: from which second (default: ten seconds before the end), new lyrics, a new style. */
export function extendForm(args: ClipArgs): FollowUpForm {
  const near = args.dur > 0 ? Math.max(0, Math.floor(args.dur - 10)) : undefined;
  return {
    title: both({ en: 'Extend “{title}”', zh: '续写《{title}》' }, { title: args.title || 'Suno' }),
    fields: [
      {
        name: 'at',
        label: { en: 'From second (empty: near the end)', zh: '从第几秒开始（留空：接近结尾）' },
        required: false,
        maxLength: 8,
        ...(near !== undefined ? { placeholder: { en: `e.g. ${near}`, zh: `例如 ${near}` } } : {}),
      },
      {
        name: 'lyrics',
        label: { en: 'Lyrics for the continuation', zh: '续写部分的歌词' },
        style: 'paragraph',
        required: false,
        maxLength: 3000,
      },
      {
        name: 'style',
        label: { en: 'Style (empty: the same)', zh: '风格（留空：不变）' },
        required: false,
        maxLength: 200,
      },
    ],
  };
}

/** Cover: the new style is what it is for; a new title if wanted. */
export function coverForm(args: ClipArgs): FollowUpForm {
  return {
    title: both({ en: 'Cover “{title}”', zh: '翻唱《{title}》' }, { title: args.title || 'Suno' }),
    fields: [
      {
        name: 'style',
        label: { en: 'New style, e.g. jazz, female vocal', zh: '新风格，例如 爵士、女声' },
        maxLength: 200,
      },
      {
        name: 'newtitle',
        label: { en: 'Title (empty: the same)', zh: '标题（留空：不变）' },
        required: false,
        maxLength: 80,
      },
    ],
  };
}

/** Replace section: which seconds, and the lyrics sung there instead. */
export function infillForm(args: ClipArgs): FollowUpForm {
  return {
    title: both(
      { en: 'Replace a section of “{title}”', zh: '替换《{title}》的一段' },
      { title: args.title || 'Suno' },
    ),
    fields: [
      { name: 'start', label: { en: 'From second', zh: '从第几秒' }, maxLength: 8 },
      { name: 'end', label: { en: 'To second', zh: '到第几秒' }, maxLength: 8 },
      {
        name: 'lyrics',
        label: { en: 'Lyrics for that section', zh: '这一段的新歌词' },
        style: 'paragraph',
        maxLength: 3000,
      },
    ],
  };
}

/** Persona: a new song in this clip's voice. */
export function personaForm(args: ClipArgs): FollowUpForm {
  return {
    title: both(
      { en: 'A new song in the voice of “{title}”', zh: '用《{title}》的声线唱新歌' },
      { title: args.title || 'Suno' },
    ),
    fields: [
      {
        name: 'lyrics',
        label: { en: 'Lyrics (or what the song is about)', zh: '歌词（或歌曲主题）' },
        style: 'paragraph',
        maxLength: 3000,
      },
      {
        name: 'style',
        label: { en: 'Style (empty: the same)', zh: '风格（留空：不变）' },
        required: false,
        maxLength: 200,
      },
    ],
  };
}

const asArgs = (a: ClipArgs): Record<string, string | number> => ({ ...a });

function button(
  lang: Lang,
  which: keyof typeof SONG_COMMANDS,
  args: ClipArgs,
  extra: Record<string, string | number | boolean> = {},
  form?: FollowUpForm,
): CommandButton {
  return {
    label: t(lang, LABELS[which]),
    command: SONG_COMMANDS[which],
    args: { ...asArgs(args), ...extra },
    ...(form ? { form } : {}),
  };
}

/** What goes under a delivered clip: its buttons, and a line when its model leaves them out. */
export interface ClipButtons {
  rows: CommandButton[][];
  note?: string | undefined;
}

/**
 * The first row under a delivered clip: ⏩ Extend, 🎼 Full song (only on a continuation, or a
 * replaced section, which is what joining is for), 🎨 Cover, ➕ More. Udio clips get none, and a
 * line saying why: they are not Suno clips.
 *
 * `purpose` is the purpose of the task that made the clip (`extend`, `upload`, `infill` offer
 * Full song).
 */
export function clipButtons(
  args: ClipArgs,
  options: { lang?: Lang | undefined; purpose?: TaskPurpose | string | undefined } = {},
): ClipButtons {
  const lang = options.lang ?? 'en';
  if (isUdio(args.mv)) return { rows: [], note: clipNote(args, lang) };
  const row = [button(lang, 'extend', args, {}, extendForm(args))];
  const purpose = options.purpose;
  if (purpose === 'extend' || purpose === 'upload' || purpose === 'infill') {
    row.push(button(lang, 'concat', args, { infill: purpose === 'infill' }));
  }
  row.push(button(lang, 'cover', args, {}, coverForm(args)), button(lang, 'more', args));
  return { rows: [row] };
}

/** A line under a clip whose model leaves its buttons out (Udio); undefined when none is needed. */
export function clipNote(args: ClipArgs, lang: Lang = 'en'): string | undefined {
  if (!isUdio(args.mv)) return undefined;
  return t(lang, {
    en: 'ℹ️ Udio songs cannot be extended, covered or split here: those are Suno features.',
    zh: 'ℹ️ Udio 歌曲不能在这里续写、翻唱或分轨：这些是 Suno 的功能。',
  });
}

/**
 * What ➕ More offers for a clip: ✂️ Replace section, 🗣️ Persona, 🎚️ Stems, 💿 WAV, 🎬 Video,
 * 📝 Timed lyrics (two rows of three: Discord holds five buttons a row), and a line for each
 * feature the clip's model cannot do.
 */
export function moreButtons(args: ClipArgs, lang: Lang = 'en'): { rows: CommandButton[][]; notes: string[] } {
  const notes: string[] = [];
  if (isUdio(args.mv)) {
    const note = clipNote(args, lang);
    return { rows: [], notes: note ? [note] : [] };
  }
  const all: CommandButton[] = [
    button(lang, 'infill', args, {}, infillForm(args)),
    button(lang, 'persona', args, {}, personaForm(args)),
  ];
  if (aukOrNewer(args.mv)) {
    all.push(
      button(lang, 'stems', args),
      button(lang, 'wav', args),
      button(lang, 'video', args),
      button(lang, 'timing', args),
    );
  } else {
    all.push(button(lang, 'wav', args));
    notes.push(notOnModel(lang, args.mv));
  }
  return { rows: [all.slice(0, 3), all.slice(3)].filter((r) => r.length > 0), notes };
}

/** Why stems, video and timed lyrics are missing for an older model. */
export function notOnModel(lang: Lang, mv: string): string {
  return t(
    lang,
    {
      en: 'ℹ️ Stems, Video and Timed lyrics need chirp-auk (v4.5) or newer; this clip was made with {mv}.',
      zh: 'ℹ️ 分轨、视频和逐字歌词需要 chirp-auk（v4.5）或更新的模型；这首是用 {mv} 生成的。',
    },
    { mv },
  );
}
