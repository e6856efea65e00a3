import type { SunoActResult } from '../../../core/apicore.js';
import { type Localized, t } from '../../../core/i18n.js';
import { parseSunoActId, type ResultPart, type SunoActKind, type TaskRecord } from '../../../core/tasks.js';
import { isBotError } from '../../../errors.js';
import { T } from '../../texts.js';
import type { TaskFamily, UpstreamAnswer, UpstreamView } from '../types.js';
import { type AlignedWord, buildLrc, karaokeText, lrcLines } from './lrc.js';
import { cutText, fileName, requesterLine } from './parts.js';

/** Act calls in one tick at most (each record is asked once a tick; the rest wait their turn). */
const ACT_PER_TICK = 10;
/** WAV conversion and MP4 rendering take a minute or two; a clip that never gets there is dropped. */
const ACT_DEADLINE_MS = 10 * 60_000;
/** Timed lyrics also go in the message, karaoke-style, when they are this short. */
export const KARAOKE_MAX_LINES = 12;
/** …and fit a document's caption with the title and the requester. */
const KARAOKE_MAX_CHARS = 760;
/** Kinds of refusal that asking again will not change: shown as the task's failure. */
const REFUSALS = new Set(['bad_request', 'not_found', 'content_policy', 'input']);

const PENDING: Record<SunoActKind, Localized> = {
  wav: T.wavPending,
  mp4: T.mp4Pending,
  timing: T.timingPending,
};
const DONE: Record<SunoActKind, Localized> = { wav: T.wavDone, mp4: T.mp4Done, timing: T.timingDone };

function title(record: TaskRecord): string {
  return cutText(record.meta.title || 'Suno', 100);
}

function caption(record: TaskRecord, text: Localized): string {
  return `${t(record.lang, text, { title: title(record) })}\n${requesterLine(record)}`;
}

function durationOf(record: TaskRecord): { durationSeconds?: number } {
  const dur = Number(record.meta.dur);
  return Number.isFinite(dur) && dur > 0 ? { durationSeconds: dur } : {};
}

/** The .lrc document, with the lines in the message too when they are few. */
export function timingPart(record: TaskRecord, words: readonly AlignedWord[]): ResultPart | undefined {
  const lines = lrcLines(words);
  if (lines.length === 0) return undefined;
  const by = record.meta.by || record.requester.name;
  const lrc = buildLrc(lines, { title: title(record), artist: by });
  const karaoke = karaokeText(lines);
  const body =
    lines.length <= KARAOKE_MAX_LINES && karaoke.length <= KARAOKE_MAX_CHARS
      ? karaoke
      : t(record.lang, T.timingLong, { n: lines.length });
  return {
    id: 'lrc',
    text: `${caption(record, T.timingCaption)}\n\n${body}`,
    file: { data: lrc, mime: 'text/plain', kind: 'file', name: fileName(title(record), 'lyrics', 'lrc') },
  };
}

/** What an act call's answer means for its record: still working, a file, or nothing usable. */
export function actView(record: TaskRecord, act: SunoActKind, result: SunoActResult): UpstreamView {
  const lang = record.lang;
  if (result.state === 'pending') return { state: 'running', status: t(lang, PENDING[act]) };
  if (act === 'timing') {
    const part = 'words' in result ? timingPart(record, result.words) : undefined;
    return part
      ? { state: 'success', parts: [part] }
      : { state: 'failure', reason: t(lang, T.timingNoWords) };
  }
  if (!('url' in result) || !result.url) return { state: 'failure', reason: t(lang, T.actNoFile) };
  const part: ResultPart =
    act === 'wav'
      ? {
          id: 'wav',
          text: caption(record, T.wavCaption),
          file: {
            url: result.url,
            kind: 'file',
            mime: 'audio/wav',
            name: fileName(title(record), 'song', 'wav'),
          },
        }
      : {
          id: 'mp4',
          text: caption(record, T.mp4Caption),
          file: {
            url: result.url,
            kind: 'video',
            mime: 'video/mp4',
            name: fileName(title(record), 'song', 'mp4'),
            ...durationOf(record),
          },
        };
  return { state: 'success', parts: [part] };
}

/**
 * A clip's WAV, MP4 music video or timed lyrics (`GET /suno/act/{wav|mp4|timing}/{clip}`). These
 * endpoints have no task to fetch: the same call is made once a tick for each record until it
 * answers with the file (or the words). A refusal (unknown clip, a model without the feature) ends
 * the task with the gateway's words; a failed request is asked again next tick.
 */
export const sunoAct: TaskFamily = {
  kind: 'suno-act',
  name: 'suno-act',
  batchSize: ACT_PER_TICK,
  deadlineMs: ACT_DEADLINE_MS,
  async fetchOne(apicore, id): Promise<UpstreamAnswer> {
    const ref = parseSunoActId(id);
    if (!ref) return () => ({ state: 'failure', reason: `unknown act task ${id}` });
    let result: SunoActResult;
    try {
      result = await apicore.sunoAct(ref.act, ref.clipId);
    } catch (error) {
      if (isBotError(error) && REFUSALS.has(error.kind)) {
        const reason = error.upstreamMessage || error.message;
        return () => ({ state: 'failure', reason });
      }
      throw error;
    }
    return (record) => actView(record, ref.act, result);
  },
  doneText: (record) => {
    const act = parseSunoActId(record.upstreamId)?.act ?? 'wav';
    return t(record.lang, DONE[act]);
  },
};
