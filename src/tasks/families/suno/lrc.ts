/**
 * Timed lyrics: Suno's aligned words (`/suno/act/timing/{clip}`) turned into lines with start times,
 * an `.lrc` file and karaoke-style lines for a message.
 */

/** One word as the timing endpoint aligns it (the shape SunoAlignedWord has). */
export interface AlignedWord {
  /** May carry a line break or a `[Section]` marker before it ("[Chorus]\nRain "). */
  word: string;
  start_s: number;
  end_s: number;
  success?: boolean;
  p_align?: number;
}

export interface LrcLine {
  /** Seconds from the start of the clip. */
  startSeconds: number;
  text: string;
}

/** A silence at least this long between two words starts a new line. */
export const LRC_GAP_SECONDS = 1.5;
/** A line longer than this is broken at the next word anyway (a lyric without line breaks). */
export const LRC_MAX_LINE_CHARS = 80;

/** `[Verse]`, `[Chorus 2]`, `[Pre-Chorus]`: a section marker, not sung. */
const SECTION_MARKER = /\[[^\]\n]*\]/g;
/** Han, kana, hangul, fullwidth punctuation: written without spaces between words. */
const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]/u;
const NO_SPACE_BEFORE = /^[,.!?;:…，。！？；：、）」』)]/u;

/** `[mm:ss.xx]`; minutes keep growing past 99 rather than wrapping. */
export function lrcStamp(seconds: number): string {
  const cs = Math.max(0, Math.round((Number.isFinite(seconds) ? seconds : 0) * 100));
  const mm = Math.floor(cs / 6000);
  const ss = Math.floor((cs % 6000) / 100);
  const xx = cs % 100;
  return `[${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.${String(xx).padStart(2, '0')}]`;
}

/** Joins a word to the line so far: as given when the words carry their spaces, else by script. */
function join(line: string, word: string, spaced: boolean): string {
  if (spaced || line === '') return line + word;
  const last = line.at(-1) ?? '';
  const first = word[0] ?? '';
  if (CJK.test(last) || CJK.test(first) || NO_SPACE_BEFORE.test(word)) return line + word;
  return `${line} ${word}`;
}

/**
 * Lines from aligned words: a new line at each line break in the words, at each `[Section]` marker
 * (dropped from the text), after a silence of LRC_GAP_SECONDS or more, and when a line grows past
 * LRC_MAX_LINE_CHARS. A word with no usable time (not finite, or before the previous one) takes the
 * previous word's time, so stamps never go backwards.
 */
export function lrcLines(words: readonly AlignedWord[]): LrcLine[] {
  // Suno's words usually carry their own spaces ("Rain "); some gateways strip them.
  const spaced = words.some((w) => /^[ \t]|[ \t]$/.test(w.word.replace(SECTION_MARKER, '')));
  const lines: LrcLine[] = [];
  let text = '';
  let start = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  let lastStart = 0;
  const flush = () => {
    const clean = text.replace(/\s+/g, ' ').trim();
    if (clean) lines.push({ startSeconds: start, text: clean });
    text = '';
  };
  for (const w of words) {
    const at = Number.isFinite(w.start_s) && w.start_s >= lastStart ? w.start_s : lastStart;
    const end = Number.isFinite(w.end_s) && w.end_s >= at ? w.end_s : at;
    // A marker or a line break splits the word: text before it ends the line, text after starts one.
    const pieces = w.word.replace(SECTION_MARKER, '\n').split(/\r?\n/);
    for (const [i, raw] of pieces.entries()) {
      if (i > 0) flush();
      const piece = spaced ? raw : raw.trim();
      if (piece.trim() === '') {
        if (spaced && text) text += piece;
        continue;
      }
      if (text.trim() && (at - lastEnd >= LRC_GAP_SECONDS || text.length >= LRC_MAX_LINE_CHARS)) flush();
      if (!text.trim()) {
        text = '';
        start = at;
      }
      text = join(text, piece, spaced);
    }
    lastStart = at;
    lastEnd = end;
  }
  flush();
  return lines;
}

/** A header tag's value on one line, its brackets made round so players read the tag whole. */
const tagValue = (v: string) =>
  v
    .replace(/[\r\n]+/g, ' ')
    .replaceAll('[', '(')
    .replaceAll(']', ')');

/** An `.lrc` file: `[ti:]`/`[ar:]` tags when known, then one `[mm:ss.xx]line` per line. */
export function buildLrc(lines: readonly LrcLine[], tags: { title?: string; artist?: string } = {}): string {
  const head = [
    tags.title ? `[ti:${tagValue(tags.title)}]` : '',
    tags.artist ? `[ar:${tagValue(tags.artist)}]` : '',
  ].filter(Boolean);
  return `${[...head, ...lines.map((l) => `${lrcStamp(l.startSeconds)}${l.text}`)].join('\n')}\n`;
}

/** Karaoke-style lines for a message: `` `01:02` words ``. */
export function karaokeText(lines: readonly LrcLine[]): string {
  return lines.map((l) => `\`${lrcStamp(l.startSeconds).slice(1, 6)}\` ${l.text}`).join('\n');
}
