import { describe, expect, it } from 'vitest';
import { closeOpenFence, openFenceAt, splitMessage } from '../../../src/render/split.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemesOf = (s: string): string[] => Array.from(segmenter.segment(s), (g) => g.segment);

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'lorem',
  'ipsum',
  'split',
  'message',
  'the',
  'quick',
  'brown',
  'fox',
  'a',
  'I',
  'jumps',
  'over',
];
const LONG_WORDS = [
  'supercalifragilisticexpialidocious',
  'https://example.com/a/very/long/path?with=query&and=more',
  'type ```js to open a block',
  'or ~~~ and ``` inline',
];
const CHINESE = [
  '你好世界',
  '，',
  '这是一个测试',
  '。',
  '我们正在测试消息分割',
  '中文没有空格所以需要按字素切分',
  '、',
  '！',
];
const EMOJI = [
  '😀',
  '👨‍👩‍👧',
  '👩🏽‍💻',
  '🧑‍🤝‍🧑',
  '🇨🇳',
  '🇺🇸🇯🇵',
  '1️⃣',
  '#️⃣',
  '❤️',
  '👍🏿',
  '🏴󠁧󠁢󠁥󠁮󠁧󠁿',
  'e\u0301',
  '\u0301',
];
const LANGS = ['python', 'ts', '', 'bash', 'json', 'typescript'];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function link(rnd: () => number): string {
  const text = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
    pick(rnd, [...WORDS, '链接', '🔗']),
  ).join(' ');
  const path = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(rnd, WORDS)).join('/');
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return `![${text}](https://img.example.com/${path}.png)`;
    case 1:
      return `[see [1]](https://en.wikipedia.org/wiki/${path}_(disambiguation))`;
    case 2:
      return `[${text}](https://example.com/${path} "a title")`;
    default:
      return `[${text}](https://example.com/${path})`;
  }
}

function inline(rnd: () => number): string {
  const r = rnd();
  if (r < 0.45) return pick(rnd, WORDS);
  if (r < 0.5) return pick(rnd, LONG_WORDS);
  if (r < 0.75) return pick(rnd, CHINESE);
  if (r < 0.9) return pick(rnd, EMOJI);
  return link(rnd);
}

function paragraph(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 60);
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = rnd();
    out += inline(rnd);
    out += r < 0.6 ? ' ' : r < 0.9 ? '' : r < 0.97 ? '\n' : '\u3000';
  }
  return out;
}

function codeBlock(rnd: () => number): string {
  const lines = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => {
    const r = rnd();
    if (r < 0.1) return '';
    if (r < 0.15) return 'x'.repeat(Math.floor(rnd() * 120));
    if (r < 0.2) return `print("${pick(rnd, CHINESE)}${pick(rnd, EMOJI)}")`;
    if (r < 0.25) return 'arr[i](x)';
    return `${'  '.repeat(Math.floor(rnd() * 3))}const ${pick(rnd, WORDS)} = ${Math.floor(rnd() * 1000)};`;
  });
  const body = lines.join('\n');
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return `~~~${pick(rnd, LANGS)}\n${body}\n\`\`\`not a closer\n~~~`;
    case 1:
      return `\`\`\`\`md\n${body}\n\`\`\`py\ninner()\n\`\`\`\n\`\`\`\``;
    case 2:
      return `  \`\`\`${pick(rnd, LANGS)}\n${body}\n  \`\`\``;
    default:
      return `\`\`\`${pick(rnd, LANGS)}\n${body}\n\`\`\``;
  }
}

function document(seed: number): string {
  const rnd = prng(seed);
  const blocks = Math.floor(rnd() * 25);
  let out = '';
  for (let i = 0; i < blocks; i++) {
    const r = rnd();
    if (r < 0.55) out += paragraph(rnd);
    else if (r < 0.8) out += codeBlock(rnd);
    else if (r < 0.88) out += pick(rnd, CHINESE).repeat(20 + Math.floor(rnd() * 200));
    else if (r < 0.93) out += '🇨🇳🇺🇸🇯🇵'.repeat(5 + Math.floor(rnd() * 60));
    else if (r < 0.96) out += '👨‍👩‍👧'.repeat(5 + Math.floor(rnd() * 60));
    else out += `- item ${link(rnd)}\n- ${pick(rnd, CHINESE)} ${link(rnd)}`;
    out += pick(rnd, ['\n\n', '\n\n', '\n', '\n \n', '\n\n\n']);
  }
  if (rnd() < 0.2) out = out.replaceAll('\n', '\r\n');
  return out;
}

const clusterCache = new Map<string, Map<number, string>>();
/** The input's grapheme clusters by start offset (cached: each text is checked at several limits). */
function clustersOf(input: string): Map<number, string> {
  let m = clusterCache.get(input);
  if (!m) {
    // Segment line by line: a line feed always ends a cluster, and V8's segmenter is superlinear on
    // long strings.
    m = new Map();
    let start = 0;
    for (const line of input.split(/(?<=\n)/)) {
      for (const g of segmenter.segment(line)) m.set(start + g.index, g.segment);
      start += line.length;
    }
    clusterCache.set(input, m);
  }
  return m;
}

/**
 * Undoes the fence decoration: returns the chunks' contents, which must concatenate to `input`.
 * A chunk that starts inside a fence must start with its opening line; one that ends inside a fence
 * must end with '\n' and the fence's marker. Problems are reported into `problems`.
 */
function reconstruct(input: string, chunks: string[], problems: string[]): string[] {
  const bodies: string[] = [];
  let off = 0;
  chunks.forEach((chunk, i) => {
    let body = chunk;
    const open = openFenceAt(input.slice(0, off));
    if (i > 0 && open !== null) {
      if (!body.startsWith(`${open}\n`)) problems.push(`chunk ${i} does not re-open ${open}`);
      else body = body.slice(open.length + 1);
    }
    if (i === chunks.length - 1) {
      if (body !== input.slice(off)) problems.push(`last chunk is not the rest of the input`);
    } else {
      const m = /\n(`{3,}|~{3,})$/.exec(body);
      const stripped = m ? body.slice(0, m.index) : null;
      if (
        stripped !== null &&
        input.startsWith(stripped, off) &&
        openFenceAt(input.slice(0, off + stripped.length))?.startsWith(m![1]!) === true
      ) {
        body = stripped;
      } else if (!input.startsWith(body, off)) {
        problems.push(`chunk ${i} is not a slice of the input`);
      } else if (openFenceAt(input.slice(0, off + body.length)) !== null) {
        problems.push(`chunk ${i} ends in an open fence without a closer`);
      }
    }
    if (body.length === 0) problems.push(`chunk ${i} is empty`);
    bodies.push(body);
    off += body.length;
  });
  return bodies;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINK =
  /!?\[[^[\]\n]*(?:\[[^[\]\n]*\][^[\]\n]*)*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?: "[^"\n]*")?\)/g;

/** Splits `input` and checks every invariant; returns the chunks. */
function checkSplit(input: string, maxChars: number): string[] {
  const chunks = splitMessage(input, maxChars);
  if (input === '') {
    expect(chunks).toEqual([]);
    return chunks;
  }
  const problems: string[] = [];
  for (const [i, c] of chunks.entries()) {
    if (c.length > maxChars) problems.push(`chunk ${i} is ${c.length} long`);
    if (LONE_SURROGATE.test(c)) problems.push(`chunk ${i} has a lone surrogate`);
    if (openFenceAt(c) !== null) problems.push(`chunk ${i} has unbalanced fences`);
  }
  const bodies = reconstruct(input, chunks, problems);
  expect(problems).toEqual([]);
  expect(bodies.join('')).toBe(input);

  // No grapheme cluster is split: every cut is a boundary of the input's clusters, and the clusters on
  // either side of it are the last cluster of the piece before and the first of the piece after.
  const clusters = clustersOf(input);
  const cuts: number[] = [];
  let at = 0;
  for (let i = 0; i + 1 < bodies.length; i++) {
    const before = bodies[i]!;
    const after = bodies[i + 1]!;
    at += before.length;
    cuts.push(at);
    const next = clusters.get(at);
    const last = segmenter.segment(before).containing(before.length - 1)?.segment ?? '';
    if (next === undefined) problems.push(`cut at ${at} splits a grapheme cluster`);
    else if (segmenter.segment(after).containing(0)?.segment !== next) problems.push(`cluster after ${at}`);
    if (clusters.get(at - last.length) !== last) problems.push(`cluster before ${at}`);
  }

  // A link that fits (with room for a fence opener and closer) is never cut.
  const isCut = new Uint8Array(input.length + 1);
  for (const c of cuts) isCut[c] = 1;
  for (const m of input.matchAll(LINK)) {
    if (m[0].length > maxChars - 20) continue;
    for (let p = m.index + 1; p < m.index + m[0].length; p++) {
      if (isCut[p]) problems.push(`link ${m[0]} cut at ${p}`);
    }
  }
  expect(problems).toEqual([]);
  return chunks;
}

describe('splitMessage: properties over generated markdown', () => {
  for (const maxChars of [50, 200, 2000, 4096]) {
    it(`holds every invariant at maxChars=${maxChars}`, () => {
      let split = 0;
      for (let seed = 1; seed <= 150; seed++) {
        const input = document(seed * 7919);
        const chunks = checkSplit(input, maxChars);
        if (chunks.length > 1) split++;
      }
      expect(split).toBeGreaterThan(20); // the generator does exercise splitting
    });
  }

  it('holds on texts at tiny limits', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const input = graphemesOf(document(seed)).slice(0, 600).join('');
      for (const maxChars of [2, 3, 7, 16, 25]) {
        const chunks = splitMessage(input, maxChars);
        for (const c of chunks) {
          expect(c.length).toBeLessThanOrEqual(maxChars);
          expect(LONE_SURROGATE.test(c)).toBe(false);
        }
      }
    }
  });
});

describe('splitMessage: examples', () => {
  it('returns [] for empty text and [text] when it fits', () => {
    expect(splitMessage('', 100)).toEqual([]);
    expect(splitMessage('hello 👋', 100)).toEqual(['hello 👋']);
    expect(splitMessage('x'.repeat(100), 100)).toEqual(['x'.repeat(100)]);
  });

  it('rejects a limit that cannot hold a surrogate pair', () => {
    expect(() => splitMessage('abc', 1)).toThrow(RangeError);
    expect(() => splitMessage('abc', 2.5)).toThrow(RangeError);
  });

  it('keeps the language of a long code block in each of its chunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `print("line ${i} 你好")`);
    const input = `\`\`\`python\n${lines.join('\n')}\n\`\`\``;
    const chunks = checkSplit(input, 250);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of chunks) {
      expect(c.startsWith('```python\n')).toBe(true);
      expect(c.endsWith('\n```')).toBe(true);
      expect(openFenceAt(c)).toBeNull();
    }
    // Cut at line ends: the newline stays with the earlier chunk, before the added closer.
    expect(chunks[0]!.endsWith(')\n\n```')).toBe(true);
    expect(chunks[1]!.startsWith('```python\nprint(')).toBe(true);
  });

  it('prefers a paragraph break to a later line break or space', () => {
    const input = `${'A '.repeat(35)}\n\n${'B '.repeat(10)}\n${'C '.repeat(30)}`;
    const chunks = checkSplit(input, 100);
    expect(chunks[0]).toBe(`${'A '.repeat(35)}\n\n`);
  });

  it('prefers a line break to a space, and a space to a bare grapheme boundary', () => {
    expect(checkSplit(`${'a'.repeat(60)}\n${'b '.repeat(30)}`, 100)[0]).toBe(`${'a'.repeat(60)}\n`);
    expect(checkSplit(`${'a'.repeat(60)} ${'b'.repeat(60)}`, 100)[0]).toBe(`${'a'.repeat(60)} `);
  });

  it('does not look further back than half the limit', () => {
    const input = `${'a'.repeat(20)}\n\n${'b'.repeat(200)}`;
    const chunks = checkSplit(input, 100);
    expect(chunks[0]!.length).toBe(100);
  });

  it('splits a 5000-character line of Chinese at or below the limit', () => {
    const input = '你好世界这是一个测试'.repeat(500);
    expect(input.length).toBe(5000);
    const chunks = checkSplit(input, 4096);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toHaveLength(4096);
  });

  it('cuts Chinese prose after its punctuation when there is no space', () => {
    const input = `${'你好世界'.repeat(20)}，${'这是一个测试'.repeat(20)}`;
    const chunks = checkSplit(input, 150);
    expect(chunks[0]!.endsWith('，')).toBe(true);
  });

  it('never splits emoji sequences, flags or keycaps', () => {
    for (const unit of ['👨‍👩‍👧', '🇨🇳', '1️⃣', '👍🏿', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', 'e\u0301']) {
      for (const maxChars of [20, 21, 22, 23]) {
        const input = unit.repeat(30);
        const chunks = checkSplit(input, maxChars);
        for (const c of chunks) expect(c.replaceAll(unit, '')).toBe('');
      }
    }
  });

  it('moves the cut before a link that would be split', () => {
    const url = '[the documentation](https://example.com/docs/getting-started)';
    const input = `${'word '.repeat(14)}${url} and more text after it`;
    const chunks = checkSplit(input, 100);
    expect(chunks[0]).toBe('word '.repeat(14));
    expect(chunks[1]!.startsWith(url)).toBe(true);
  });

  it('moves the cut before a link even when no space is near, if the link fits', () => {
    const img = '![图片](https://img.example.com/a.png)';
    const input = `${'中'.repeat(30)}${img}${'文'.repeat(40)}`;
    const chunks = checkSplit(input, 50);
    expect(chunks[0]).toBe('中'.repeat(30));
  });

  it('cuts inside a link that is longer than a message', () => {
    const input = `[x](https://example.com/${'y'.repeat(200)})`;
    const chunks = checkSplit(input, 100);
    expect(chunks.length).toBe(3);
  });

  it('does not start a chunk with a mid-line ``` that would open a fence', () => {
    const input = `${'word '.repeat(19)}\`\`\`python is how a block starts`;
    const chunks = checkSplit(input, 100);
    for (const c of chunks) expect(openFenceAt(c)).toBeNull();
  });

  it('does not leave an empty code block at the end or start of a chunk', () => {
    const code = `\`\`\`python\n${'x = 1\n'.repeat(30)}\`\`\`\n`;
    // The opening line would end right at the limit.
    const before = checkSplit(`${'word '.repeat(17)}\n${code}`, 100);
    expect(before[0]).toBe(`${'word '.repeat(17)}\n`);
    // A cut right before the (long) closing line would fit, one after it would not.
    const after = checkSplit(`\`\`\`python\n${'x = 1\n'.repeat(14)}\`\`\`      \n${'word '.repeat(30)}`, 100);
    for (const c of after) expect(c).not.toMatch(/```python\n\n?```/);
  });

  it('closes a tilde fence with tildes and re-opens it', () => {
    const input = `~~~md\n${'text with ``` inside\n'.repeat(20)}~~~\n`;
    const chunks = checkSplit(input, 200);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0]!.endsWith('\n~~~')).toBe(true);
    expect(chunks[1]!.startsWith('~~~md\n')).toBe(true);
  });

  it('reserves room for the opener and the closer', () => {
    const input = `\`\`\`typescript\n${'const value = 1;\n'.repeat(200)}\`\`\``;
    for (const maxChars of [40, 41, 57, 100, 333]) {
      const chunks = checkSplit(input, maxChars);
      for (const c of chunks) expect(c.length).toBeLessThanOrEqual(maxChars);
    }
  });

  it('is fast on a 1 MB answer', () => {
    let input = '';
    for (let seed = 1; input.length < 1_000_000; seed++) input += `${document(seed)}\n\n`;
    splitMessage(input.slice(0, 100_000), 4096); // warm up
    const t0 = performance.now();
    const chunks = splitMessage(input, 4096);
    const ms = performance.now() - t0;
    expect(chunks.length).toBeGreaterThan(240);
    expect(ms).toBeLessThan(200); // typically ~10 ms; loose bound for busy CI machines
  });
});

describe('openFenceAt / closeOpenFence', () => {
  it('finds the fence open at the end', () => {
    expect(openFenceAt('intro\n```ts\nconst a = 1;')).toBe('```ts');
    expect(openFenceAt('```ts\nconst a = 1;\n```\nafter')).toBeNull();
    expect(openFenceAt('```ts\nconst a = 1;\n```')).toBeNull();
    expect(openFenceAt('plain text')).toBeNull();
    expect(openFenceAt('')).toBeNull();
    expect(openFenceAt('``` python \ncode')).toBe('```python');
    expect(openFenceAt('~~~\n```\ninside\n```\n')).toBe('~~~');
    expect(openFenceAt('````md\n```py\nx\n```\n')).toBe('````md');
    expect(openFenceAt('````md\n```py\nx\n```\n````')).toBeNull();
    expect(openFenceAt('```foo``` is inline, not a fence')).toBeNull();
    expect(openFenceAt('```py\n``` not a closer')).toBe('```py');
    expect(openFenceAt('  ```bash\nls\r\n  ```\r\n')).toBeNull();
    expect(openFenceAt('```py')).toBe('```py');
  });

  it('closes an open fence for a streaming edit', () => {
    expect(closeOpenFence('intro\n```ts\nconst a = 1;')).toBe('intro\n```ts\nconst a = 1;\n```');
    expect(closeOpenFence('```ts\nconst a = 1;\n')).toBe('```ts\nconst a = 1;\n\n```');
    expect(closeOpenFence('~~~\ncode')).toBe('~~~\ncode\n~~~');
    expect(closeOpenFence('```ts\nconst a = 1;\n```')).toBe('```ts\nconst a = 1;\n```');
    expect(closeOpenFence('no code here')).toBe('no code here');
    expect(openFenceAt(closeOpenFence('a\n````md\n```py\nx'))).toBeNull();
  });
});
