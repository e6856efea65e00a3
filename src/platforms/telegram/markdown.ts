import { Marked, type Token, type Tokens } from 'marked';

/**
 * Markdown as models write it → the HTML subset Telegram accepts (b, i, s, u, code, pre,
 * blockquote, a). marked parses (CommonMark + GFM, kept and fast); this walker decides what each
 * token becomes, escaping every piece of text, so the output is always well-formed. Headings
 * become bold lines, lists become bullet lines, tables stay as monospace text.
 */
const marked = new Marked({ gfm: true });

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const escapeAttr = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map(inlineToken).join('');
}

function inlineToken(token: Token): string {
  switch (token.type) {
    case 'strong':
      return `<b>${inline((token as Tokens.Strong).tokens)}</b>`;
    case 'em':
      return `<i>${inline((token as Tokens.Em).tokens)}</i>`;
    case 'del':
      return `<s>${inline((token as Tokens.Del).tokens)}</s>`;
    case 'codespan':
      return `<code>${escapeHtml((token as Tokens.Codespan).text)}</code>`;
    case 'br':
      return '\n';
    case 'link': {
      const link = token as Tokens.Link;
      if (!/^(https?|tg|mailto):/i.test(link.href)) return inline(link.tokens);
      return `<a href="${escapeAttr(link.href)}">${inline(link.tokens)}</a>`;
    }
    case 'image': {
      const image = token as Tokens.Image;
      return /^https?:/i.test(image.href)
        ? `<a href="${escapeAttr(image.href)}">${escapeHtml(image.text || image.href)}</a>`
        : escapeHtml(image.text);
    }
    case 'text': {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    }
    case 'escape':
      return escapeHtml((token as Tokens.Escape).text);
    default:
      return escapeHtml(token.raw);
  }
}

function listItems(list: Tokens.List, depth: number): string {
  const start = typeof list.start === 'number' ? list.start : 1;
  return list.items
    .map((item, i) => {
      const bullet = list.ordered ? `${start + i}.` : item.task ? (item.checked ? '☑' : '☐') : '•';
      const body = item.tokens
        .map((t) => (t.type === 'list' ? `\n${listItems(t as Tokens.List, depth + 1)}` : block(t, depth + 1)))
        .join('')
        .trim();
      return `${'  '.repeat(depth)}${bullet} ${body}`;
    })
    .join('\n');
}

function block(token: Token, depth = 0): string {
  switch (token.type) {
    case 'paragraph':
      return inline((token as Tokens.Paragraph).tokens);
    case 'heading':
      return `<b>${inline((token as Tokens.Heading).tokens)}</b>`;
    case 'code': {
      const code = token as Tokens.Code;
      const lang = code.lang?.trim().split(/\s/)[0];
      const cls = lang && /^[\w+#-]+$/.test(lang) ? ` class="language-${lang}"` : '';
      return `<pre><code${cls}>${escapeHtml(code.text)}</code></pre>`;
    }
    case 'blockquote':
      return `<blockquote>${blocks((token as Tokens.Blockquote).tokens)}</blockquote>`;
    case 'list':
      return listItems(token as Tokens.List, depth);
    case 'hr':
      return '———';
    case 'table':
    case 'html':
      return escapeHtml(token.raw.trimEnd());
    case 'text': {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    }
    case 'space':
      return '';
    default:
      return escapeHtml(token.raw);
  }
}

function blocks(tokens: Token[]): string {
  return tokens
    .filter((t) => t.type !== 'space')
    .map((t) => block(t))
    .filter((s) => s !== '')
    .join('\n\n');
}

/** Markdown → Telegram HTML. */
export function toTelegramHtml(markdown: string): string {
  const cached = recentHtml.get(markdown);
  if (cached !== undefined) return cached;
  const html = blocks(marked.lexer(markdown));
  if (recentHtml.size >= RECENT_HTML_KEPT) recentHtml.delete(recentHtml.keys().next().value!);
  recentHtml.set(markdown, html);
  return html;
}

/**
 * The last conversions, oldest first: a message is converted to be measured (`telegramLength`,
 * while it is split) and again to be sent, the same text each time; the second is a lookup.
 */
const recentHtml = new Map<string, string>();
const RECENT_HTML_KEPT = 64;

const TAG_RE = /<[^>]*>/g;
const ENTITY_RE = /&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi;

/** Unicode code points in `text` (a surrogate pair is one), the unit Telegram's length limits count. */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * How long Telegram finds some Telegram HTML: the code points of the text its parser leaves (a tag
 * counts nothing, `&lt;` counts one). The Bot API checks text (4096) and captions (1024) "after
 * entities parsing", and tdlib counts that text with `utf8_length`, i.e. in code points.
 */
export function visibleLength(html: string): number {
  return codePoints(html.replace(TAG_RE, '').replace(ENTITY_RE, '_'));
}

/**
 * The length a markdown message has for Telegram as this adapter sends it: the visible text of its
 * HTML, or the markdown itself when Telegram refuses that HTML and the plain text goes instead,
 * whichever is longer, so both sends fit. A list-heavy answer renders longer than its markdown
 * (blocks are joined by blank lines), which is why the length of the markdown alone is not enough.
 */
export function telegramLength(markdown: string): number {
  return Math.max(codePoints(markdown), visibleLength(toTelegramHtml(markdown)));
}
