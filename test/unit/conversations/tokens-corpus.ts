/**
 * A mixed corpus for token counts: the kinds of text chats carry (English, Chinese, Thai, code,
 * JSON, emoji ZWJ sequences, other scripts, mixes). Used by the token tests and bench/trim.ts;
 * src/conversations/tokens.ts's estimate factors were calibrated on it.
 */

const ENGLISH =
  'The quick brown fox jumps over the lazy dog. In 2024, researchers found that large language models ' +
  "can summarise long documents reliably, but they still struggle with arithmetic and citations. Here's " +
  'what you need to know before you deploy one: costs scale with tokens, not characters; context windows ' +
  'are finite; and a long conversation gets more expensive with every turn unless older messages are dropped.';

const CHINESE =
  '黑洞是时空中引力极强的区域，任何物质和电磁辐射都无法从中逃逸。广义相对论预言，足够致密的质量可以使时空变形，' +
  '从而形成黑洞。黑洞的边界称为事件视界。虽然事件视界对穿过它的物体的命运有巨大影响，但在局部并没有可探测的特征。' +
  '许多方面，黑洞就像一个理想的黑体，因为它不反射任何光。';

const THAI =
  'หลุมดำคือบริเวณของกาลอวกาศที่มีแรงโน้มถ่วงสูงมากจนไม่มีสิ่งใด แม้แต่อนุภาคหรือรังสีแม่เหล็กไฟฟ้าเช่นแสง ' +
  'สามารถหลุดรอดออกมาได้ ทฤษฎีสัมพัทธภาพทั่วไปทำนายว่ามวลที่อัดแน่นมากพอจะทำให้กาลอวกาศบิดเบี้ยวจนเกิดเป็นหลุมดำ ' +
  'ขอบเขตที่ไม่สามารถหลบหนีได้เรียกว่าขอบฟ้าเหตุการณ์ สวัสดีครับ ยินดีต้อนรับสู่ประเทศไทย ขอบคุณมากค่ะ';

const TYPESCRIPT = `export async function* pieces(events: AsyncIterable<StreamEvent>): AsyncGenerator<AnswerPiece> {
  const splitter = new ThinkSplitter();
  for await (const event of events) {
    if (event.type !== 'text') {
      yield event;
      continue;
    }
    const { text, reasoning } = splitter.push(event.text);
    if (reasoning) yield { type: 'reasoning', text: reasoning };
    if (text) yield { type: 'text', text };
  }
  const rest = splitter.flush();
  if (rest.reasoning) yield { type: 'reasoning', text: rest.reasoning };
}

const CONTEXT_WINDOWS: [RegExp, number][] = [[/gemini/i, 1_000_000], [/claude/i, 200_000]];
for (let i = 0; i < items.length; i++) {
  if (items[i]!.tokens + 4 > budget && items.length - i >= keepLast) break;
}`;

const PYTHON = `import asyncio
from dataclasses import dataclass, field

@dataclass
class Turn:
    role: str
    text: str
    images: list[str] = field(default_factory=list)

async def main() -> None:
    async with httpx.AsyncClient(timeout=30.0) as client:
        r = await client.post("https://api.example.com/v1/chat/completions", json={"model": "gpt-4o"})
        r.raise_for_status()
        print({k: v for k, v in r.json().items() if k != "usage"})

if __name__ == "__main__":
    asyncio.run(main())`;

const MINIFIED_JS =
  'function e(t,n){if(!t)return n;for(var r=0,o=t.length;r<o;r++){var i=t[r];if(i&&i.id===n.id)return i}return' +
  ' null}var a=Object.assign||function(t){for(var n=1;n<arguments.length;n++){var r=arguments[n];for(var o in r)' +
  'Object.prototype.hasOwnProperty.call(r,o)&&(t[o]=r[o])}return t};module.exports={find:e,assign:a};';

const JSON_PRETTY = JSON.stringify(
  {
    id: 'chatcmpl-9xYzAbCdEfGhIjKlMnOpQrSt',
    object: 'chat.completion',
    created: 1718000000,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello! 你好 👋', tool_calls: null },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1234, completion_tokens: 56, total_tokens: 1290 },
    tasks: [
      { task_id: '7f3c2a10-8d1e-4b6a-9c2f-0e5d4a3b2c1d', status: 'SUCCESS', progress: '100%' },
      { task_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', status: 'IN_PROGRESS', progress: '42%' },
    ],
  },
  null,
  2,
);

const JSON_MINIFIED = JSON.stringify({
  data: Array.from({ length: 12 }, (_, i) => ({
    id: i,
    sku: `SKU-${(i * 7919).toString(16).toUpperCase()}`,
    price: Math.round(i * 13.37 * 100) / 100,
    tags: ['a', 'b'],
    ok: i % 2 === 0,
  })),
});

const EMOJI_ZWJ = '👨‍👩‍👧‍👦👩‍❤️‍💋‍👨🏳️‍🌈🏳️‍⚧️👩🏽‍💻🧑🏿‍🚀👨🏻‍🦰🧔🏾‍♀️🐻‍❄️❤️‍🔥🇯🇵🇨🇳🇹🇭🇺🇸🏴󠁧󠁢󠁳󠁣󠁴󠁿👍🏽🙏🏻🤦🏼‍♂️';

const EMOJI_CHAT = '哈哈 😂😂😂 that was great 👏👏 see you tomorrow 👋🏽 🎉🎂🥳 家人们 👨‍👩‍👧‍👦 ❤️';

const MIXED =
  'Can you fix this? 这个函数报错了 😭\n```ts\nconst x: Record<string, number> = JSON.parse(raw); // TypeError\n```\n' +
  'Error: `Unexpected token } in JSON at position 42` — ขอบคุณครับ 🙏';

const OTHER_SCRIPTS =
  'Привет, как дела? Чёрная дыра — область пространства-времени. ' +
  'مرحبا، كيف حالك؟ الثقب الأسود منطقة في الزمكان. ' +
  'नमस्ते, आप कैसे हैं? ब्लैक होल अंतरिक्ष-समय का एक क्षेत्र है। ' +
  'こんにちは、ブラックホールは時空の領域です。안녕하세요, 블랙홀은 시공간의 영역입니다.';

const MARKDOWN =
  '| Model | Context | Price |\n|---|---:|---:|\n| gpt-4o | 128k | $2.50 |\n| claude-sonnet-4 | 200k | $3.00 |\n\n' +
  '1. **Install**: `npm i gpt-tokenizer`\n2. _Count_: see <https://github.com/niieani/gpt-tokenizer>\n\n> Note: 1,234,567.89';

const BASE64_HEX =
  'data:text/plain;base64,SGVsbG8sIFdvcmxkISBUaGlzIGlzIGEgdGVzdCBvZiBiYXNlNjQgZW5jb2Rpbmcu sha256=' +
  '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 https://cdn.example.com/a/b/c?x=1&y=%E4%BD%A0';

/** Named samples: one kind of text each, plus mixes. */
export const CORPUS: Record<string, string> = {
  english: ENGLISH,
  chinese: CHINESE,
  thai: THAI,
  typescript: TYPESCRIPT,
  python: PYTHON,
  'minified js': MINIFIED_JS,
  'json (pretty)': JSON_PRETTY,
  'json (minified)': JSON_MINIFIED,
  'emoji ZWJ sequences': EMOJI_ZWJ,
  'emoji chat': EMOJI_CHAT,
  'mixed question': MIXED,
  'other scripts': OTHER_SCRIPTS,
  markdown: MARKDOWN,
  'base64, hex, URL': BASE64_HEX,
  'short ASCII': 'ok thanks!',
  'short Chinese': '谢谢',
  'one emoji': '👍',
  whitespace: `${' '.repeat(40)}\n\n\t\t${' '.repeat(17)}x`,
};

/** A conversation of `n` turns (user, assistant, …) cycling through `samples`, each turn unique (numbered). */
export function history(
  n: number,
  samples: readonly string[],
  repeat = 3,
): { role: 'user' | 'assistant'; text: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const role = i % 2 === 0 ? ('user' as const) : ('assistant' as const);
    // Questions are short; answers carry `repeat` samples, the next ones in turn.
    const body =
      role === 'user'
        ? samples[i % samples.length]!.slice(0, 400)
        : Array.from({ length: repeat }, (_, k) => samples[(i + k) % samples.length]!).join('\n\n');
    return { role, text: `#${i} ${body}` };
  });
}
