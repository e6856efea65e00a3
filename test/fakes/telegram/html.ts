import type { MessageEntity } from 'grammy/types';

/** Thrown for markup Telegram would reject; the message goes after "Bad Request: can't parse entities: ". */
export class HtmlParseError extends Error {}

export interface ParsedText {
  /** Visible text: tags removed, entities decoded, surrounding whitespace trimmed. */
  text: string;
  entities: MessageEntity[];
}

const ALLOWED_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r';

/** Trim the way Telegram does (spaces and line breaks only). */
export function tgTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start])) start++;
  while (end > start && isSpace(s[end - 1])) end--;
  return s.slice(start, end);
}

function byteOffset(s: string, index: number): number {
  return Buffer.byteLength(s.slice(0, index), 'utf8');
}

/** Decode an HTML entity starting at `s[i] === '&'`; undefined when it is not one Telegram knows. */
function decodeEntity(s: string, i: number, lenient: boolean): { text: string; end: number } | undefined {
  let j = i + 1;
  let text: string | undefined;
  if (s[j] === '#') {
    j++;
    let code = Number.NaN;
    if (s[j] === 'x' || s[j] === 'X') {
      j++;
      const start = j;
      while (j < s.length && /[0-9a-fA-F]/.test(s[j]!)) j++;
      if (j > start) code = Number.parseInt(s.slice(start, j), 16);
    } else {
      const start = j;
      while (j < s.length && /[0-9]/.test(s[j]!)) j++;
      if (j > start) code = Number.parseInt(s.slice(start, j), 10);
    }
    if (Number.isNaN(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return undefined;
    text = String.fromCodePoint(code);
  } else {
    const start = j;
    while (j < s.length && /[a-zA-Z]/.test(s[j]!)) j++;
    text = NAMED_ENTITIES[s.slice(start, j)];
    if (text === undefined) return undefined;
  }
  if (s[j] === ';') return { text, end: j + 1 };
  return lenient ? { text, end: j } : undefined;
}

interface OpenTag {
  name: string;
  arg: string | undefined;
  offset: number;
}

/**
 * Parse Telegram "HTML style" markup the way the Bot API does (modelled on tdlib's parse_html):
 * supported tags only, properly nested, attributes quoted or bare, `&lt; &gt; &amp; &quot;` and numeric
 * entities. Offsets in entities are UTF-16 code units, like the Bot API's.
 */
export function parseTelegramHtml(input: string, opts: { lenientEntities?: boolean } = {}): ParsedText {
  const lenient = opts.lenientEntities ?? false;
  const s = tgTrim(input);
  const n = s.length;
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  const codeLanguages = new Map<MessageEntity, string>();
  let i = 0;
  while (i < n) {
    const c = s[i]!;
    if (c === '&') {
      const decoded = decodeEntity(s, i, lenient);
      if (decoded) {
        out += decoded.text;
        i = decoded.end;
        continue;
      }
      if (!lenient) {
        throw new HtmlParseError(
          `Unsupported HTML entity or unescaped "&" at byte offset ${byteOffset(s, i)} ` +
            '(Telegram keeps it literally; FakeTelegram is strict, see lenientHtmlEntities)',
        );
      }
      out += c;
      i++;
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const tagStart = i;
    const at = (): number => byteOffset(s, tagStart);
    let j = i + 1;
    if (s[j] !== '/') {
      const nameStart = j;
      while (j < n && !isSpace(s[j]) && s[j] !== '>') j++;
      if (j >= n) throw new HtmlParseError(`Unclosed start tag at byte offset ${at()}`);
      const name = s.slice(nameStart, j).toLowerCase();
      if (!ALLOWED_TAGS.has(name))
        throw new HtmlParseError(`Unsupported start tag "${name}" at byte offset ${at()}`);
      let arg: string | undefined;
      while (s[j] !== '>') {
        while (j < n && isSpace(s[j])) j++;
        if (j >= n) throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${at()}`);
        if (s[j] === '>') break;
        const attrStart = j;
        while (j < n && !isSpace(s[j]) && !'=>/"\''.includes(s[j]!)) j++;
        const attr = s.slice(attrStart, j).toLowerCase();
        if (attr === '') {
          throw new HtmlParseError(`Empty attribute name in the tag "${name}" at byte offset ${at()}`);
        }
        while (j < n && isSpace(s[j])) j++;
        if (j >= n) throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${at()}`);
        if (s[j] !== '=') {
          if (name === 'blockquote' && attr === 'expandable') arg = 'expandable';
          continue;
        }
        j++;
        while (j < n && isSpace(s[j])) j++;
        if (j >= n) throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${at()}`);
        let value = '';
        const q = s[j]!;
        if (q !== '"' && q !== "'") {
          const tokenStart = j;
          while (j < n && /[a-zA-Z0-9.-]/.test(s[j]!)) j++;
          value = s.slice(tokenStart, j).toLowerCase();
          if (j >= n) throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${at()}`);
          if (!isSpace(s[j]) && s[j] !== '>') {
            throw new HtmlParseError(
              `Unexpected end of name token at byte offset ${byteOffset(s, tokenStart)}`,
            );
          }
        } else {
          j++;
          while (j < n && s[j] !== q) {
            if (s[j] === '&') {
              const decoded = decodeEntity(s, j, true);
              if (decoded) {
                value += decoded.text;
                j = decoded.end;
                continue;
              }
            }
            value += s[j];
            j++;
          }
          if (j >= n) throw new HtmlParseError(`Unclosed start tag at byte offset ${at()}`);
          j++;
        }
        if (name === 'a' && attr === 'href') arg = value;
        else if (name === 'code' && attr === 'class' && value.startsWith('language-')) arg = value.slice(9);
        else if (name === 'span' && attr === 'class' && value.startsWith('tg-')) arg = value.slice(3);
        else if (name === 'tg-emoji' && attr === 'emoji-id') arg = value;
        else if (name === 'blockquote' && attr === 'expandable') arg = 'expandable';
      }
      if (name === 'span' && arg !== 'spoiler') {
        throw new HtmlParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at()}`);
      }
      stack.push({ name, arg, offset: out.length });
      i = j + 1;
      continue;
    }
    // End tag.
    const top = stack.at(-1);
    if (!top) throw new HtmlParseError(`Unexpected end tag at byte offset ${at()}`);
    j++;
    const nameStart = j;
    while (j < n && !isSpace(s[j]) && s[j] !== '>') j++;
    const endName = s.slice(nameStart, j).toLowerCase();
    while (j < n && isSpace(s[j])) j++;
    if (s[j] !== '>') throw new HtmlParseError(`Unclosed end tag at byte offset ${at()}`);
    if (endName !== '' && endName !== top.name) {
      throw new HtmlParseError(
        `Unmatched end tag at byte offset ${at()}, expected "</${top.name}>", found "</${endName}>"`,
      );
    }
    stack.pop();
    const length = out.length - top.offset;
    if (length > 0) addEntity(entities, top, length, out, codeLanguages);
    i = j + 1;
  }
  const open = stack.at(-1);
  if (open) throw new HtmlParseError(`Can't find end tag corresponding to start tag "${open.name}"`);
  // Telegram trims the result again; shrink entities that covered trailing whitespace.
  const text = out.replace(/[ \t\r\n]+$/, '');
  const kept: MessageEntity[] = [];
  for (const e of entities) {
    const end = Math.min(e.offset + e.length, text.length);
    if (end > e.offset) kept.push({ ...e, length: end - e.offset });
  }
  kept.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities: kept };
}

function addEntity(
  entities: MessageEntity[],
  tag: OpenTag,
  length: number,
  out: string,
  codeLanguages: Map<MessageEntity, string>,
): void {
  const offset = tag.offset;
  switch (tag.name) {
    case 'b':
    case 'strong':
      entities.push({ type: 'bold', offset, length });
      return;
    case 'i':
    case 'em':
      entities.push({ type: 'italic', offset, length });
      return;
    case 'u':
    case 'ins':
      entities.push({ type: 'underline', offset, length });
      return;
    case 's':
    case 'strike':
    case 'del':
      entities.push({ type: 'strikethrough', offset, length });
      return;
    case 'span':
    case 'tg-spoiler':
      entities.push({ type: 'spoiler', offset, length });
      return;
    case 'a': {
      const url = tag.arg ?? out.slice(offset, offset + length);
      entities.push({ type: 'text_link', offset, length, url });
      return;
    }
    case 'tg-emoji': {
      if (tag.arg === undefined || !/^\d+$/.test(tag.arg)) {
        throw new HtmlParseError('Invalid custom emoji identifier specified');
      }
      entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: tag.arg });
      return;
    }
    case 'code': {
      const entity: MessageEntity = { type: 'code', offset, length };
      if (tag.arg !== undefined) codeLanguages.set(entity, tag.arg);
      entities.push(entity);
      return;
    }
    case 'pre': {
      const last = entities.at(-1);
      if (last?.type === 'code' && last.offset === offset && last.length === length) {
        entities.pop();
        // <pre><code class="language-x"> becomes one pre entity with a language.
        const codeTagLanguage = codeLanguages.get(last);
        entities.push(
          codeTagLanguage !== undefined
            ? { type: 'pre', offset, length, language: codeTagLanguage }
            : { type: 'pre', offset, length },
        );
        return;
      }
      entities.push({ type: 'pre', offset, length });
      return;
    }
    case 'blockquote':
      entities.push({
        type: tag.arg === 'expandable' ? 'expandable_blockquote' : 'blockquote',
        offset,
        length,
      });
      return;
  }
}
