/**
 * Splitting a long markdown answer into platform-sized messages.
 *
 * Lengths are UTF-16 code units (`string.length`) unless the platform says how it counts (`measure`):
 * Telegram counts the code points of the text its HTML parser leaves, not the markdown we hold, so a
 * list-heavy answer can render longer than its markdown. A cut never falls inside a grapheme cluster,
 * prefers a paragraph break, then a line break, then whitespace, keeps markdown links whole, and
 * closes/re-opens fenced code blocks so every message renders on its own.
 *
 * `Intl.Segmenter` is only run on a few dozen code units around a cut (starting from a position that is
 * known to be a grapheme boundary), so splitting stays linear in the length of the text.
 */

/** A fenced code block that is open: its opening line, normalised (e.g. '```ts'), and its fence marker. */
interface Fence {
  readonly opener: string;
  readonly marker: string;
}

/** What `splitMessage` needs to know about the whole text, computed in one pass. */
interface Analysis {
  readonly text: string;
  /** Start and end (after the newline) of every line that opens or closes a fence, ascending. */
  readonly fenceStarts: number[];
  readonly fenceEnds: number[];
  /** The fence open after the line with the same index in `fenceEnds`. */
  readonly fenceStates: (Fence | null)[];
  /** Spans that should not be cut (links, images, fence-like lines): sorted, non-overlapping. */
  readonly regionStarts: number[];
  readonly regionEnds: number[];
}

const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;
const BACKTICK = 0x60;
const TILDE = 0x7e;

/**
 * How a platform counts a message's length, given the markdown a chunk holds (e.g. Telegram: the code
 * points of the text left after its HTML is parsed). Must grow, roughly, with the markdown's length.
 */
export type Measure = (markdown: string) => number;

/**
 * How many UTF-16 code units of markdown a measured chunk may hold, per unit of `maxChars`: a code point
 * takes up to two code units, and markup (`**`, link targets) may not count at all. Bounds the search for
 * the largest chunk that measures within the limit.
 */
const MEASURED_CODE_UNITS_PER_CHAR = 2;
/** Measurements spent at most on one chunk before settling for the largest one found to fit. */
const MAX_MEASURES_PER_CHUNK = 12;
/** The search stops once the largest fitting and smallest failing budgets are this close (per 1000). */
const MEASURE_TOLERANCE_PER_MILLE = 8;
/** The smallest budget a measured chunk is cut with: room for one code point, so every chunk moves on. */
const MIN_BUDGET = 2;

/** `[text](url)` and `![alt](url)`, one level of nested brackets, balanced parens, optional title. */
const LINK_RE =
  /!?\[[^[\]\n]*(?:\[[^[\]\n]*\][^[\]\n]*)*\]\([ \t]*[^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'))?[ \t]*\)/g;

let segmenter: Intl.Segmenter | undefined;
function graphemes(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter;
}

/**
 * Splits `text` into message-sized chunks. Without `measure`, each chunk is at most `maxChars` UTF-16
 * code units. With it, each chunk measures at most `maxChars` (chunks are as large as the measure
 * allows, found by a short search), so a platform that counts rendered text gets what it counts.
 */
export function splitMessage(text: string, maxChars: number, measure?: Measure): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    throw new RangeError(`maxChars must be an integer >= 2, got ${maxChars}`);
  }
  if (text.length === 0) return [];
  const rawCap = measure ? maxChars * MEASURED_CODE_UNITS_PER_CHAR : maxChars;
  if (text.length <= rawCap && (!measure || measure(text) <= maxChars)) return [text];

  const a = analyse(text);
  const n = text.length;
  const chunks: string[] = [];
  let pos = 0;
  while (pos < n) {
    const startFence = fenceAt(a, pos);
    const prefix = startFence ? (fencePrefix(startFence, maxChars) ?? '') : '';
    const piece = measure
      ? measuredPiece(a, pos, prefix, maxChars, measure)
      : countedPiece(a, pos, prefix, maxChars);
    chunks.push(piece.chunk);
    pos = piece.end;
  }
  return chunks;
}

/** One chunk and where the text continues after it. */
interface Piece {
  chunk: string;
  end: number;
}

/** The closing fence a chunk ending at `cut` needs ('' outside a fence, or when it is left alone). */
function closerAt(a: Analysis, cut: number, maxChars: number): string {
  const f = fenceAt(a, cut);
  return f && fencePrefix(f, maxChars) !== null ? `\n${f.marker}` : '';
}

/** The chunk starting at `pos` (after `prefix`) that is at most `maxChars` code units long. */
function countedPiece(a: Analysis, pos: number, prefix: string, maxChars: number): Piece {
  const n = a.text.length;
  let budget = maxChars - prefix.length;
  if (n - pos <= budget) return { chunk: prefix + a.text.slice(pos), end: n };
  for (;;) {
    const cut = chooseCut(a, pos, budget);
    const closer = closerAt(a, cut, maxChars);
    if (prefix.length + (cut - pos) + closer.length <= maxChars) {
      return { chunk: prefix + a.text.slice(pos, cut) + closer, end: cut };
    }
    // The closing fence did not fit: look again with its room reserved (strictly smaller budget).
    budget = maxChars - prefix.length - closer.length;
  }
}

/**
 * The largest chunk starting at `pos` that measures at most `maxChars`: the budget of code units handed
 * to `chooseCut` is searched between the largest one known to fit and the smallest known not to,
 * starting at `maxChars` (markdown usually measures about its length), each guess scaled by how far the
 * last measurement was from the limit (bisecting when that guess is out of bounds), until a chunk
 * measures within a few per mille of the limit. When no budget fits, the smallest chunk (one grapheme)
 * goes anyway, so the split always ends.
 */
function measuredPiece(a: Analysis, pos: number, prefix: string, maxChars: number, measure: Measure): Piece {
  const rest = a.text.length - pos;
  const build = (budget: number): Piece => {
    if (rest <= budget) return { chunk: prefix + a.text.slice(pos), end: a.text.length };
    const cut = chooseCut(a, pos, budget);
    return { chunk: prefix + a.text.slice(pos, cut) + closerAt(a, cut, maxChars), end: cut };
  };
  const top = Math.min(rest, Math.max(MIN_BUDGET, maxChars * MEASURED_CODE_UNITS_PER_CHAR - prefix.length));
  const tolerance = Math.max(1, Math.floor((top * MEASURE_TOLERANCE_PER_MILLE) / 1000));
  const full = maxChars - Math.floor((maxChars * MEASURE_TOLERANCE_PER_MILLE) / 1000);
  let best: Piece | undefined;
  let lo = 0; // the largest budget known to fit (0: none yet)
  let hi = top + 1; // the smallest budget known not to fit
  let budget = Math.min(top, Math.max(MIN_BUDGET, maxChars - prefix.length));
  for (let i = 0; i < MAX_MEASURES_PER_CHUNK; i++) {
    const piece = build(budget);
    const size = measure(piece.chunk);
    if (size <= maxChars) {
      best = piece;
      lo = budget;
      if (piece.end === a.text.length || size >= full) break;
    } else hi = budget;
    if (hi - lo <= tolerance) break;
    // Too long: scale the chunk actually cut (it may end well before the budget). Too short: the budget.
    const base = size > maxChars ? piece.end - pos : budget;
    let next = Math.floor((base * maxChars) / Math.max(1, size));
    if (next <= lo || next >= hi) next = lo + Math.floor((hi - lo) / 2);
    next = Math.max(next, MIN_BUDGET);
    if (next <= lo || next >= hi) break;
    budget = next;
  }
  if (best) return best;
  // Nothing measured within the limit: halve until something does, down to a single grapheme.
  const grapheme =
    graphemes()
      .segment(a.text.slice(pos, pos + 64))
      .containing(0)?.segment.length ?? 1;
  for (
    budget = Math.floor(Math.min(budget, hi - 1) / 2);
    budget > Math.max(grapheme, MIN_BUDGET);
    budget = Math.floor(budget / 2)
  ) {
    const piece = build(budget);
    if (measure(piece.chunk) <= maxChars) return piece;
  }
  return build(grapheme);
}

/**
 * For an intermediate (still streaming) edit: if `text` ends inside an open fence, returns it with the
 * fence closed (`'\n```'`, or the opening fence's own marker such as `'\n~~~'`); otherwise `text`.
 */
export function closeOpenFence(text: string): string {
  const f = scanFences(text, null);
  return f ? `${text}\n${f.marker}` : text;
}

/**
 * For a finished answer: if `text` ends inside a fence (the model never closed it), returns it with
 * the fence closed on a line of its own, so the last message renders its code as code; otherwise
 * `text`. Unlike {@link closeOpenFence}, a text that already ends with a newline gets no blank line.
 */
export function closeFinalFence(text: string): string {
  const f = scanFences(text, null);
  if (!f) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${f.marker}`;
}

/** Where a fence is open at the end of `text`: its opening line info (e.g. '```ts') or null. */
export function openFenceAt(text: string): string | null {
  return scanFences(text, null)?.opener ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// Analysis

interface Collect {
  fenceStarts: number[];
  fenceEnds: number[];
  fenceStates: (Fence | null)[];
  /** Lines that start (after indentation) with ``` or ~~~: never cut inside them. */
  lineStarts: number[];
  lineEnds: number[];
}

/**
 * Walks the lines of `text`, tracking fenced code blocks (CommonMark-like: a run of at least three
 * backticks or tildes, any indentation; a backtick opener's info string has no backtick; a closer uses the
 * same character, at least as many, and nothing else). A final line without a newline counts as a line.
 * Returns the fence open at the end.
 */
function scanFences(text: string, collect: Collect | null): Fence | null {
  const n = text.length;
  let open: Fence | null = null;
  let lineStart = 0;
  while (lineStart < n) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl === -1 ? n : nl;
    const next = nl === -1 ? n : nl + 1;
    let i = lineStart;
    let c = text.charCodeAt(i);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
    if (c === BACKTICK || c === TILDE) {
      let j = i + 1;
      while (j < lineEnd && text.charCodeAt(j) === c) j++;
      if (j - i >= 3) {
        collect?.lineStarts.push(lineStart);
        collect?.lineEnds.push(next);
        const info = text.slice(j, lineEnd).trim();
        if (open === null) {
          if (c === TILDE || !info.includes('`')) {
            const marker = text.slice(i, j);
            open = { opener: marker + info, marker };
            collect?.fenceStarts.push(lineStart);
            collect?.fenceEnds.push(next);
            collect?.fenceStates.push(open);
          }
        } else if (c === open.marker.charCodeAt(0) && j - i >= open.marker.length && info === '') {
          open = null;
          collect?.fenceStarts.push(lineStart);
          collect?.fenceEnds.push(next);
          collect?.fenceStates.push(null);
        }
      }
    }
    lineStart = next;
  }
  return open;
}

function analyse(text: string): Analysis {
  const collect: Collect = { fenceStarts: [], fenceEnds: [], fenceStates: [], lineStarts: [], lineEnds: [] };
  scanFences(text, collect);

  // Merge links and fence-like lines (both already sorted by start) into non-overlapping regions.
  const regionStarts: number[] = [];
  const regionEnds: number[] = [];
  const add = (s: number, e: number): void => {
    const last = regionEnds.length - 1;
    if (last >= 0 && s < regionEnds[last]!) {
      if (e > regionEnds[last]!) regionEnds[last] = e;
    } else {
      regionStarts.push(s);
      regionEnds.push(e);
    }
  };
  const { lineStarts, lineEnds } = collect;
  let li = 0;
  for (const m of text.matchAll(LINK_RE)) {
    const s = m.index;
    while (li < lineStarts.length && lineStarts[li]! <= s) {
      add(lineStarts[li]!, lineEnds[li]!);
      li++;
    }
    add(s, s + m[0].length);
  }
  for (; li < lineStarts.length; li++) add(lineStarts[li]!, lineEnds[li]!);

  const { fenceStarts, fenceEnds, fenceStates } = collect;
  return { text, fenceStarts, fenceEnds, fenceStates, regionStarts, regionEnds };
}

/** How many fence lines end at or before `p`. */
function fenceLinesBefore(a: Analysis, p: number): number {
  const ends = a.fenceEnds;
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The fence open at position `p` (after every fence line that ends at or before `p`). */
function fenceAt(a: Analysis, p: number): Fence | null {
  const i = fenceLinesBefore(a, p);
  return i === 0 ? null : a.fenceStates[i - 1]!;
}

/**
 * Whether `p` is right after a line that opens a fence or right before one that closes it: cutting there
 * would leave an empty code block at the end of one message or the start of the next.
 */
function hugsFence(a: Analysis, p: number): boolean {
  const i = fenceLinesBefore(a, p);
  if (i > 0 && a.fenceEnds[i - 1] === p && a.fenceStates[i - 1] !== null) return true;
  return i < a.fenceStarts.length && a.fenceStarts[i] === p && a.fenceStates[i] === null;
}

/**
 * The line a continuation chunk starts with when it begins inside `f`, or null when the fence's decoration
 * (opener plus closer) would take more than half of a message, in which case the fence is left alone.
 */
function fencePrefix(f: Fence, maxChars: number): string | null {
  const closer = f.marker.length + 1;
  if ((f.opener.length + 1 + closer) * 2 <= maxChars) return `${f.opener}\n`;
  if ((f.marker.length + 1 + closer) * 2 <= maxChars) return `${f.marker}\n`;
  return null;
}

/** Index of the last region starting before `p`, or -1. */
function lastRegionBefore(a: Analysis, p: number): number {
  const starts = a.regionStarts;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The region that `p` is strictly inside, if it is short enough (`<= budget`) to be kept whole; else -1. */
function keptRegionAround(a: Analysis, p: number, budget: number): number {
  const k = lastRegionBefore(a, p);
  if (k < 0) return -1;
  const s = a.regionStarts[k]!;
  const e = a.regionEnds[k]!;
  return p < e && e - s <= budget ? k : -1;
}

// ---------------------------------------------------------------------------------------------------------
// Choosing a cut

/**
 * Where to end the chunk that starts at `pos` and may hold `budget` code units of the text (`pos + budget`
 * is less than the text's length). Returns a position in `(pos, pos + budget]`.
 */
function chooseCut(a: Analysis, pos: number, budget: number): number {
  const { text, regionStarts, regionEnds } = a;
  const hi = pos + budget;
  const lo = Math.max(pos + 1, pos + Math.floor(budget / 2));
  let k = lastRegionBefore(a, hi);
  let newline = -1;
  let space = -1;
  let punct = -1;
  for (let p = hi; p >= lo; p--) {
    while (k >= 0 && regionStarts[k]! >= p) k--;
    if (k >= 0 && p < regionEnds[k]! && regionEnds[k]! - regionStarts[k]! <= budget) {
      p = regionStarts[k]! + 1; // next iteration looks at the region's start
      continue;
    }
    const c = text.charCodeAt(p - 1);
    if (c === LF) {
      if (hugsFence(a, p)) continue;
      if (endsBlankLine(text, p - 1)) return p;
      if (newline < 0) newline = p;
    } else if (newline < 0 && space < 0) {
      if (isBreakSpace(c)) {
        if (boundaryAfterBmp(text, p) && !fenceLikeTail(text, p)) space = p;
      } else if (punct < 0 && isCjkPunct(c) && boundaryAfterBmp(text, p) && !fenceLikeTail(text, p)) {
        punct = p;
      }
    }
  }
  if (newline >= 0) return newline;
  if (space >= 0) return space;
  if (punct >= 0) return punct;
  return graphemeCut(a, pos, budget);
}

/** Whether the newline at `i` ends a blank (empty or whitespace-only) line. */
function endsBlankLine(text: string, i: number): boolean {
  let q = i - 1;
  for (;;) {
    if (q < 0) return true;
    const c = text.charCodeAt(q);
    if (c === LF) return true;
    if (c !== SPACE && c !== TAB && c !== 0x0d) return false;
    q--;
  }
}

function isBreakSpace(c: number): boolean {
  return (
    c === SPACE ||
    c === TAB ||
    c === 0x3000 ||
    (c >= 0x2000 && c <= 0x200a && c !== 0x2007) ||
    c === 0x205f ||
    c === 0x1680
  );
}

/** Chinese/Japanese punctuation after which a line of CJK text (which has no spaces) reads well broken. */
function isCjkPunct(c: number): boolean {
  return (
    c === 0x3001 ||
    c === 0x3002 ||
    c === 0xff0c ||
    c === 0xff1b ||
    c === 0xff1a ||
    c === 0xff01 ||
    c === 0xff1f
  );
}

/**
 * Whether `p` is a grapheme boundary, given that `text[p - 1]` is a BMP character of break class Other
 * (a space or a punctuation mark): true unless what follows extends the cluster (a combining mark,
 * variation selector, ZWJ, skin tone, ...).
 */
function boundaryAfterBmp(text: string, p: number): boolean {
  if (p >= text.length) return true;
  const next = text.codePointAt(p)!;
  if (next < 0x300 || isPlain(next) || isRegionalIndicator(next)) return true;
  const first = graphemes()
    .segment(text.slice(p - 1, p + 2))
    .containing(0);
  return first !== undefined && first.segment.length === 1;
}

/**
 * Whether cutting in the middle of a line at `p` would start the next chunk with something that looks
 * like a fence (the rest of the line begins with ``` or ~~~), which would open a code block there.
 */
function fenceLikeTail(text: string, p: number): boolean {
  if (p === 0 || text.charCodeAt(p - 1) === LF) return false;
  let i = p;
  let c = text.charCodeAt(i);
  while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
  return (c === BACKTICK || c === TILDE) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
}

/**
 * The last grapheme boundary at or before the limit (or before a link/fence line the limit falls in), not
 * inside a region that is kept whole. Falls back to a code-point boundary when a single grapheme cluster
 * is longer than the budget.
 */
function graphemeCut(a: Analysis, pos: number, budget: number): number {
  const { text } = a;
  const hi = pos + budget;
  let target = hi;
  const k = keptRegionAround(a, hi, budget);
  if (k >= 0 && a.regionStarts[k]! > pos) target = a.regionStarts[k]!;

  // Usually a position that is certainly a boundary is right there: no need for the segmenter.
  const quick = safeBoundaryAtOrBefore(text, pos, target, target - 16);
  if (quick > pos && keptRegionAround(a, quick, budget) < 0 && !fenceLikeTail(text, quick)) return quick;

  // Segment a few dozen code units before the target; widen the window only when a cluster (or a run of
  // flags) is longer than that. The chunk's start is always a boundary.
  for (const back of [32, 512, budget]) {
    const from = safeBoundaryAtOrBefore(text, pos, target - back, pos);
    const best = lastBoundary(a, from, target, pos, budget);
    if (best > pos) return best;
    if (from === pos) break;
  }
  let p = hi;
  if (isHighSurrogate(text.charCodeAt(p - 1)) && isLowSurrogate(text.charCodeAt(p))) p--;
  return p;
}

/** The last usable grapheme boundary in `(pos, target]`, segmenting from `from` (a known boundary). */
function lastBoundary(a: Analysis, from: number, target: number, pos: number, budget: number): number {
  const { text } = a;
  let best = -1;
  for (const s of graphemes().segment(text.slice(from, Math.min(text.length, target + 2)))) {
    const b = from + s.index;
    if (b > target) break;
    if (b > pos && keptRegionAround(a, b, budget) < 0 && !fenceLikeTail(text, b)) best = b;
  }
  return best;
}

/**
 * The last position in `[lowest, from]` (`lowest >= pos`) that is a safe grapheme boundary (see
 * `isSafeBoundary`), or `pos` if there is none. `pos`, a chunk's start, always is a boundary.
 */
function safeBoundaryAtOrBefore(text: string, pos: number, from: number, lowest: number): number {
  const stop = Math.max(pos, lowest);
  for (let j = Math.min(from, text.length - 1); j > stop; j--) {
    if (isSafeBoundary(text, pos, j)) return j;
  }
  return pos;
}

/**
 * Whether `j` is certainly a grapheme boundary, and one after which segmentation does not depend on what
 * precedes it: after a line feed; or before a character that never extends a cluster (ASCII, Latin-1,
 * CJK, kana, fullwidth forms, most pictographic emoji, or a regional indicator) that follows a character
 * that never holds on to the next one (the same set, or a combining mark, variation selector, keycap,
 * skin tone or tag). Between two regional indicators, it is a boundary after an even number of them
 * (counted from `pos`, a known boundary, at the most).
 */
function isSafeBoundary(text: string, pos: number, j: number): boolean {
  const before = text.charCodeAt(j - 1);
  if (before === LF) return true;
  const cpAt = text.codePointAt(j)!;
  const atRi = isRegionalIndicator(cpAt);
  if (!atRi && !isPlain(cpAt)) return false;
  const cpBefore =
    isLowSurrogate(before) && j >= 2 && isHighSurrogate(text.charCodeAt(j - 2))
      ? text.codePointAt(j - 2)!
      : before;
  if (isRegionalIndicator(cpBefore)) {
    if (!atRi) return true;
    let count = 0;
    for (let q = j - 2; q >= pos && isRegionalIndicator(text.codePointAt(q)!); q -= 2) count++;
    return count % 2 === 0;
  }
  return isPlain(cpBefore) || isNonJoiningExtend(cpBefore);
}

/** Code points of grapheme break class Other that are neither regional indicators nor emoji modifiers. */
function isPlain(cp: number): boolean {
  if (cp < 0x3000)
    return (cp >= 0x20 && cp < 0x7f) || cp === TAB || (cp >= 0xa0 && cp < 0x300 && cp !== 0xad);
  if (cp <= 0xffff) {
    return (
      cp <= 0x3029 ||
      (cp >= 0x3030 && cp <= 0x303f) ||
      (cp >= 0x3041 && cp <= 0x3096) ||
      (cp >= 0x309b && cp <= 0x30ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) ||
      (cp >= 0xff01 && cp <= 0xff60)
    );
  }
  return (
    (cp >= 0x1f300 && cp <= 0x1f3fa) ||
    (cp >= 0x1f400 && cp <= 0x1f64f) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff)
  );
}

/** Extending code points that do not join with what follows: combining marks, VS, keycap, skin tones, tags. */
function isNonJoiningExtend(cp: number): boolean {
  return (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0x20e3 ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
    (cp >= 0xe0020 && cp <= 0xe007f)
  );
}

function isRegionalIndicator(cp: number): boolean {
  return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
