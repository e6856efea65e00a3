import { Writable } from 'node:stream';

const ESC = String.fromCharCode(0x1b);
/** `ESC [ <n> <letter>`: the control sequences a terminal acts on (CSI). */
const CONTROL = new RegExp(`${ESC}\\[(\\d*)([A-Za-z])`, 'y');

/**
 * A small terminal for the console platform to write to, so the contract can read what a person at a
 * terminal sees: text wraps at `columns` display columns (a CJK ideograph or an emoji takes two, a
 * joiner or variation selector none, like wcwidth), and the two control sequences the console uses to
 * redraw in place work: `ESC [ n F` (cursor to the start of the line n lines up) and `ESC [ J` (erase
 * from the cursor to the end of the screen). Any other control sequence is recorded as a problem.
 *
 * With `isTTY` false it stands for a pipe: nothing wraps, and the console writes each message once.
 */
export class Terminal extends Writable {
  /** Screen rows; `soft` when the row ended because the text wrapped, not at a line break. */
  readonly #rows: { text: string; width: number; soft: boolean }[] = [{ text: '', width: 0, soft: false }];
  #row = 0;
  #col = 0;
  /** Every text write, as the rows it was drawn on: [start, end). */
  readonly drawings: { start: number; end: number }[] = [];
  /** Control sequences or overwrites this terminal does not model. */
  readonly problems: string[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly isTTY: boolean,
    readonly columns: number,
  ) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.#feed(chunk.toString());
    for (const listener of [...this.#listeners]) listener();
    done();
  }

  /** Calls `listener` after every write; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #feed(s: string): void {
    let i = 0;
    let drawnFrom: number | undefined;
    while (i < s.length) {
      if (s[i] === ESC) {
        CONTROL.lastIndex = i;
        const m = CONTROL.exec(s);
        if (!m) {
          this.problems.push(`unparsed control sequence ${JSON.stringify(s.slice(i, i + 8))}`);
          i++;
          continue;
        }
        this.#control(Number(m[1] || '1'), m[2]!, m[0]);
        i += m[0].length;
        continue;
      }
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      drawnFrom ??= this.#row;
      this.#put(ch, cp);
    }
    if (drawnFrom !== undefined)
      this.drawings.push({ start: drawnFrom, end: this.#row + (this.#col > 0 ? 1 : 0) });
  }

  #control(n: number, command: string, raw: string): void {
    if (command === 'F') {
      this.#row = Math.max(0, this.#row - n);
      this.#col = 0;
    } else if (command === 'J' && raw === `${ESC}[J`) {
      const kept = this.#rows[this.#row]!;
      kept.text = cut(kept.text, this.#col);
      kept.width = displayWidth(kept.text);
      kept.soft = false;
      // The row above no longer continues into an erased one.
      const above = this.#rows[this.#row - 1];
      if (above && this.#col === 0) above.soft = false;
      this.#rows.length = this.#row + 1;
    } else {
      this.problems.push(`unmodelled control sequence ${JSON.stringify(raw)}`);
    }
  }

  #put(ch: string, cp: number): void {
    if (ch === '\n') {
      this.#rows[this.#row]!.soft = false;
      this.#newRow();
      return;
    }
    if (ch === '\r' || cp < 0x20) {
      this.problems.push(`unmodelled control character U+${cp.toString(16)}`);
      return;
    }
    const w = width(cp);
    if (w > 0 && this.#col + w > this.columns) {
      this.#rows[this.#row]!.soft = true;
      this.#newRow();
    }
    const row = this.#rows[this.#row]!;
    if (row.width !== this.#col) {
      this.problems.push(`overwrite at row ${this.#row}, column ${this.#col}`);
      row.text = cut(row.text, this.#col);
    }
    row.text += ch;
    this.#col += w;
    row.width = this.#col;
  }

  #newRow(): void {
    this.#row++;
    this.#col = 0;
    this.#rows[this.#row] ??= { text: '', width: 0, soft: false };
  }

  /** The text on rows [start, end), wrapped rows joined back into their lines. */
  read(start = 0, end = this.#rows.length): string {
    let out = '';
    for (let r = start; r < Math.min(end, this.#rows.length); r++) {
      const row = this.#rows[r]!;
      out += row.text + (row.soft ? '' : '\n');
    }
    return out.replace(/\n+$/, '');
  }
}

/** The first `columns` display columns of `text`. */
function cut(text: string, columns: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = width(ch.codePointAt(0)!);
    if (used + w > columns) break;
    out += ch;
    used += w;
  }
  return out;
}

function displayWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += width(ch.codePointAt(0)!);
  return n;
}

const ZERO_WIDTH: readonly [number, number][] = [
  [0x0300, 0x036f], // combining diacritical marks
  [0x200b, 0x200f], // zero width space, joiners, direction marks
  [0xfe00, 0xfe0f], // variation selectors
  [0x1f3fb, 0x1f3ff], // skin tone modifiers (drawn with the emoji before them)
  [0xe0020, 0xe007f], // tag characters
];

/** East Asian Wide and Fullwidth ranges (Unicode 15, EastAsianWidth.txt, condensed), emoji included. */
const WIDE: readonly [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335],
  [0x1f337, 0x1f37c],
  [0x1f37e, 0x1f393],
  [0x1f3a0, 0x1f3ca],
  [0x1f3cf, 0x1f3d3],
  [0x1f3e0, 0x1f3f0],
  [0x1f3f4, 0x1f3f4],
  [0x1f3f8, 0x1f43e],
  [0x1f440, 0x1f440],
  [0x1f442, 0x1f4fc],
  [0x1f4ff, 0x1f53d],
  [0x1f54b, 0x1f54e],
  [0x1f550, 0x1f567],
  [0x1f57a, 0x1f57a],
  [0x1f595, 0x1f596],
  [0x1f5a4, 0x1f5a4],
  [0x1f5fb, 0x1f64f],
  [0x1f680, 0x1f6c5],
  [0x1f6cc, 0x1f6cc],
  [0x1f6d0, 0x1f6d2],
  [0x1f6d5, 0x1f6d7],
  [0x1f6eb, 0x1f6ec],
  [0x1f6f4, 0x1f6fc],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f93a],
  [0x1f93c, 0x1f945],
  [0x1f947, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

const within = (cp: number, ranges: readonly [number, number][]) =>
  ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

/** Display columns of one code point on a terminal (wcwidth, simplified). */
export function width(cp: number): 0 | 1 | 2 {
  if (within(cp, ZERO_WIDTH)) return 0;
  return within(cp, WIDE) ? 2 : 1;
}
