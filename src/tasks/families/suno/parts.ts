import { clipButtons } from '../../../../commands/song/buttons.js';
import type { SunoClip, SunoTask } from '../../../core/apicore.js';
import { type Localized, t } from '../../../core/i18n.js';
import type { ResultPart, TaskRecord } from '../../../core/tasks.js';
import { progressBar, T } from '../../texts.js';
import type { UpstreamView } from '../types.js';

/**
 * A clip's text must fit a file caption (Telegram: 1,024 characters) with its title, tags and
 * requester; the lyrics are cut at a line to what is left.
 */
export const CLIP_LYRICS_MAX_CHARS = 600;
export const CLIP_TAGS_MAX_CHARS = 160;
export const CLIP_TITLE_MAX_CHARS = 100;
/** The "still working" bar of a Suno/Udio task (the upstream reports no percentage). */
const WORKING_PERCENT = 30;

/**
 * Cuts text to at most `max` UTF-16 units: at the last line break that fits (or the last space,
 * or anywhere for a script without either), never inside a surrogate pair, with `…` when cut.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // keep an emoji whole
  const head = text.slice(0, end);
  const line = head.lastIndexOf('\n');
  const space = head.lastIndexOf(' ');
  const at = line >= end / 2 ? line : space >= end * 0.8 ? space : end;
  return `${head.slice(0, at).trimEnd()}…`;
}

/** A title as a file name: no path or reserved characters, never empty. */
export function fileName(title: string, fallback: string, ext: string): string {
  const base =
    title
      .replace(/[\\/:*?"<>|\r\n\t]+/g, '_')
      .trim()
      .slice(0, 80) || fallback;
  return `${base}.${ext}`;
}

/** The requester on every result: the original one (kept on derived results), and who pressed. */
export function requesterLine(record: TaskRecord): string {
  const by = record.meta.by || record.requester.name;
  const pressed = record.meta.pressedBy;
  return pressed && pressed !== by
    ? t(record.lang, T.requestedByPressed, { by, pressed })
    : t(record.lang, T.requestedBy, { by });
}

/** Where a clip came from, for its file's performer and its buttons' model. */
export interface ClipSource {
  performer: string;
  /** The model when the clip does not name it (Udio's answers). */
  model: string;
}

/** One delivered clip: title, tags, requester, lyrics (cut), the audio file and the clip's buttons. */
export function clipPart(record: TaskRecord, task: SunoTask, clip: SunoClip, source: ClipSource): ResultPart {
  const lang = record.lang;
  const title = cutText(clip.title || record.meta.title || source.performer, CLIP_TITLE_MAX_CHARS);
  const tags = cutText(clip.tags.replace(/\s+/g, ' ').trim(), CLIP_TAGS_MAX_CHARS);
  const buttons = clipButtons(
    {
      clip: clip.id,
      task: task.id || record.upstreamId,
      mv: clip.model || record.meta.mv || source.model,
      title,
      tags,
      by: record.meta.by || record.requester.name,
      dur: Math.round(clip.durationSeconds ?? 0),
    },
    { purpose: record.purpose, lang },
  );
  const head = [
    t(lang, T.audioCaption, { title }),
    tags ? `🏷️ ${tags}` : '',
    requesterLine(record),
    buttons.note ?? '',
  ].filter(Boolean);
  const lyrics = clip.lyrics.trim() ? `\n\n${cutText(clip.lyrics.trim(), CLIP_LYRICS_MAX_CHARS)}` : '';
  return {
    id: clip.id,
    text: `${head.join('\n')}${lyrics}`,
    buttons: buttons.rows,
    file: {
      url: clip.audioUrl,
      kind: 'audio',
      name: fileName(title, 'song', 'mp3'),
      title,
      performer: source.performer,
      ...(clip.durationSeconds !== undefined ? { durationSeconds: clip.durationSeconds } : {}),
      ...(clip.imageUrl ? { thumbnailUrl: clip.imageUrl } : {}),
    },
  };
}

/** Every finished clip of a music task as a part (the video is not sent: its button asks for it). */
export function clipParts(record: TaskRecord, task: SunoTask, source: ClipSource): ResultPart[] {
  return task.clips.filter((clip) => clip.audioUrl).map((clip) => clipPart(record, task, clip, source));
}

/** What a running music task shows, by what it was asked to do. */
const WORKING: Partial<Record<TaskRecord['purpose'], Localized>> = {
  extend: T.sunoExtending,
  upload: T.sunoExtending,
  concat: T.sunoJoining,
  cover: T.sunoCovering,
  infill: T.sunoInfilling,
  persona: T.sunoPersona,
  stems: T.sunoStems,
};

/** The wording of one music family's status lines. */
export interface MusicWording {
  queued: Localized;
  /** A new song, composing (no clip streaming yet). */
  working: Localized;
  /** Clips recording, `{n}` of them; absent: the family does not stream. */
  streaming?: Localized;
}

/** Reads a music task (Suno's, or Udio's mapped to the same shape) for its record. */
export function musicView(
  record: TaskRecord,
  task: SunoTask,
  source: ClipSource,
  wording: MusicWording,
): UpstreamView {
  const lang = record.lang;
  if (task.status === 'SUCCESS') {
    if (record.purpose === 'lyrics') {
      const l = task.lyrics;
      return {
        state: 'success',
        parts: [{ id: 'lyrics', text: `📝 ${l?.title ?? ''}\n\n${l?.text ?? ''}`.trim() }],
      };
    }
    return { state: 'success', parts: clipParts(record, task, source) };
  }
  if (task.status === 'FAILURE' || task.status === 'UNKNOWN') {
    const clipError = task.clips.find((c) => c.errorMessage)?.errorMessage;
    return { state: 'failure', reason: task.failReason || clipError || t(lang, T.failedUnknown) };
  }
  if (task.status === 'IN_PROGRESS') {
    const streaming = task.clips.filter((c) => c.status === 'streaming').length;
    if (streaming && wording.streaming)
      return { state: 'running', status: t(lang, wording.streaming, { n: streaming }) };
    const working = WORKING[record.purpose] ?? wording.working;
    return { state: 'running', status: t(lang, working, { bar: progressBar(WORKING_PERCENT) }) };
  }
  return { state: 'running', status: t(lang, wording.queued) };
}
