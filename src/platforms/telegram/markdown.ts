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
  return blocks(marked.lexer(markdown));
}

/** The text a user would see of some Telegram HTML; used to measure against Telegram's limits. */
export function visibleLength(html: string): number {
  return html.replace(/<[^>]+>/g, '').replace(/&(lt|gt|amp|quot);/g, '_').length;
}
