/**
 * Deterministic bench answers: about 500 characters mixing ASCII, Chinese and emoji (with
 * skin tones, ZWJ sequences and flags), streamed as tokens of 1–5 code points. The same id always
 * gives the same answer and the same tokens, so the fakes child and the orchestrator agree
 * without sending answers over IPC. The text is markdown-neutral (no `*_#>[]|~` and no list
 * markers), so what Telegram shows equals the answer exactly.
 */

/** Target answer length in UTF-16 code units (what Telegram and the renderer count). */
export const ANSWER_CHARS = 500;

const ASCII = [
  'stream',
  'token',
  'latency',
  'bench',
  'reply',
  'model',
  'gateway',
  'hello',
  'world',
  'fast',
  'paced',
  'edits',
  'answer',
  'budget',
  'chat',
  'final',
  'text',
  'exact',
  'loopback',
  'renderer',
];
const CHINESE = [
  '你好世界',
  '流式回答',
  '延迟测试',
  '机器人',
  '网关',
  '中文字符',
  '每秒令牌',
  '编辑次数',
  '最终文本',
  '表情符号',
  '并发',
  '预算',
];
const EMOJI = ['😀', '🎉', '🚀', '👍🏽', '👩‍💻', '🇨🇳', '❤️', '🧪', '✅', '🌏', '🇯🇵', '👨‍👩‍👧'];

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** The answer for bench question `id`. */
export function answerFor(id: number, chars = ANSWER_CHARS): string {
  const rand = prng(id * 7919 + 17);
  const paragraphs: string[] = [];
  let sentences: string[] = [];
  let length = 0;
  while (length < chars) {
    const words: string[] = [];
    const n = 4 + Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) {
      const r = rand();
      words.push(r < 0.5 ? pick(rand, ASCII) : r < 0.85 ? pick(rand, CHINESE) : pick(rand, EMOJI));
    }
    const first = words[0]!;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    const sentence = `${words.join(' ')}${rand() < 0.5 ? '.' : '。'}`;
    sentences.push(sentence);
    length += sentence.length + 1;
    if (sentences.length >= 3 && rand() < 0.4) {
      paragraphs.push(sentences.join(' '));
      sentences = [];
      length += 1;
    }
  }
  if (sentences.length) paragraphs.push(sentences.join(' '));
  return paragraphs.join('\n\n');
}

/** The answer's tokens: runs of 1–5 code points (so ZWJ sequences and flags may be split). */
export function tokensFor(id: number, answer = answerFor(id)): string[] {
  const rand = prng(id * 104_729 + 3);
  const cps = Array.from(answer);
  const out: string[] = [];
  for (let i = 0; i < cps.length; ) {
    const n = 1 + Math.floor(rand() * 5);
    out.push(cps.slice(i, i + n).join(''));
    i += n;
  }
  return out;
}

/** The bench question that asks for answer `id`; the upstream reads the id back from it. */
export function questionFor(id: number): string {
  return `q${id} please answer 请回答 🙏`;
}

/** The answer id a chat request asks for, from its last user message. */
export function idFromPrompt(text: string): number | undefined {
  const m = /\bq(\d+)\b/.exec(text);
  return m ? Number(m[1]) : undefined;
}
