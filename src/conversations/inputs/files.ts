import { getDocumentProxy } from 'unpdf';
import type { ChatInput, CommandContext } from '../../core/command.js';
import { sniffImage, toDataUrl } from '../../core/media.js';
import type { IncomingFile } from '../../core/platform.js';
import { IMAGE_TURNS_KEPT, type Turn, type TurnDocument } from '../history.js';
import { imageLimits, prepareImage } from './images.js';
import { bareModel, checkDeclaredSize, inputFamily, refusal, tooLarge } from './limits.js';

/** Longest text (a file's, or a PDF's extracted text) inlined into a conversation. */
export const MAX_INLINE_FILE_CHARS = 60_000;
/** Largest PDF read at all (natively or by extracting its text). */
export const PDF_MAX_BYTES = 20 * 1024 * 1024;
/** Native PDFs stay attached for as many user turns as images do, then become a marker. */
export const DOCUMENT_TURNS_KEPT = IMAGE_TURNS_KEPT;
/** What a PDF page costs a model that reads it natively (text plus the page's image), roughly. */
export const DOCUMENT_PAGE_TOKENS = 2_000;
/** Bytes looked at to tell text from binary. */
const SNIFF_BYTES = 8_192;

/**
 * Who reads a PDF itself, and up to what size. Claude (`/v1/messages` `document` blocks): 100
 * pages, 32 MB per request (base64 adds a third); the first Claude 3 models read no PDFs. Gemini
 * (an OpenAI-format data URI part, see request/openai.ts): inline data is limited to 20 MB per
 * request, base64 included. Everyone else gets the text (gpt-4o-all too: it reads files by URL,
 * catalogue §6.3, and we have no public URL to give it: Telegram's file URLs carry the bot token,
 * Discord's expire and are not on IncomingFile).
 */
function nativePdfLimits(model: string): { maxBytes: number; maxPages: number } | undefined {
  const family = inputFamily(model);
  if (family === 'claude' && !/^claude-3-(opus|sonnet|haiku)/.test(bareModel(model))) {
    return { maxBytes: PDF_MAX_BYTES, maxPages: 100 };
  }
  if (family === 'gemini') return { maxBytes: 14 * 1024 * 1024, maxPages: 1_000 };
  return undefined;
}

/** Whether `model` is sent this PDF as a document rather than as its text. */
export function readsPdfNatively(model: string, bytes: number, pages: number): boolean {
  const limits = nativePdfLimits(model);
  return limits !== undefined && bytes <= limits.maxBytes && pages <= limits.maxPages;
}

/** Files no chat model here reads, refused by name before they are downloaded. */
const BINARY_EXTENSIONS = new Set(
  (
    'zip rar 7z gz tgz bz2 xz zst tar cab iso dmg img exe dll msi sys com bat scr apk aab ipa jar war ' +
    'class so dylib o a lib bin dat db sqlite mdb doc docx docm xls xlsx xlsm ppt pptx odt ods odp rtf ' +
    'pages numbers key epub mobi azw3 psd ai sketch fig heic heif tif tiff bmp ico raw cr2 nef ' +
    'mp4 mov avi mkv webm flv wmv m4v mp3 wav flac aac ogg oga opus m4a wma amr ttf otf woff woff2 wasm'
  ).split(' '),
);

/** Binary formats recognised by their first bytes (a .txt that is really a zip is named a .zip). */
const MAGIC: [bytes: number[], ext: string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'zip'],
  [[0x50, 0x4b, 0x05, 0x06], 'zip'],
  [[0x52, 0x61, 0x72, 0x21], 'rar'],
  [[0x37, 0x7a, 0xbc, 0xaf], '7z'],
  [[0x1f, 0x8b], 'gz'],
  [[0x42, 0x5a, 0x68], 'bz2'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'xz'],
  [[0x4d, 0x5a], 'exe'],
  [[0x7f, 0x45, 0x4c, 0x46], 'elf'],
  [[0xcf, 0xfa, 0xed, 0xfe], 'macho'],
  [[0xca, 0xfe, 0xba, 0xbe], 'class'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'doc'],
  [[0x00, 0x61, 0x73, 0x6d], 'wasm'],
];

const CANNOT_READ = {
  en: 'This model cannot read .{ext} files (“{name}”). Send text, a PDF or images, or paste the contents.',
  zh: '该模型无法读取 .{ext} 文件（“{name}”）。请发送文本、PDF 或图片，或直接粘贴内容。',
};
const CANNOT_READ_BINARY = {
  en: 'This model cannot read “{name}” (it is not text, a PDF or an image).',
  zh: '该模型无法读取“{name}”（不是文本、PDF 或图片）。',
};
const BAD_PDF = {
  en: '“{name}” could not be read as a PDF (it may be damaged).',
  zh: '无法读取 PDF 文件“{name}”（文件可能已损坏）。',
};
const LOCKED_PDF = {
  en: '“{name}” is password-protected. Please send a copy without a password.',
  zh: '“{name}” 有密码保护，请发送未加密的版本。',
};
const NO_TEXT_PDF = {
  en: '“{name}” has no text to extract (a scan?), and this model cannot read PDFs itself. Try a model that does, such as Claude or Gemini (/model).',
  zh: '“{name}” 中没有可提取的文字（可能是扫描件），而该模型无法直接读取 PDF。请换用能读取 PDF 的模型，例如 Claude 或 Gemini（/model）。',
};

/** What the question's files add to it. */
export interface ReadFiles {
  /** Inlined text (text files, PDFs' extracted text), appended to the question. */
  text: string;
  /** PDFs the model reads itself. */
  documents: TurnDocument[];
  /** Files that turned out to be images, as data URLs (see readImages). */
  images: string[];
}

function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

const startsWith = (b: Uint8Array, magic: number[], at = 0) => magic.every((x, i) => b[at + i] === x);

/** `%PDF-` within the first kilobyte (the header need not be at byte 0). */
function isPdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  return head.includes('%PDF-');
}

function isPdfByName(file: IncomingFile): boolean {
  return extensionOf(file.name) === 'pdf' || file.mime === 'application/pdf';
}

function cannotRead(name: string, ext: string) {
  return ext ? refusal(CANNOT_READ, { ext, name }) : refusal(CANNOT_READ_BINARY, { name });
}

/** The largest a file may be, judged from its name before it is downloaded. */
function maxBytesFor(file: IncomingFile, maxDownloadBytes: number): number {
  return isPdfByName(file) ? Math.min(PDF_MAX_BYTES, maxDownloadBytes) : maxDownloadBytes;
}

/**
 * The question's files, read for `model`: text files inlined as text (UTF-8, UTF-16 with a BOM,
 * or GB18030), PDFs as documents for models that read them (see `readsPdfNatively`) and as their
 * extracted text for the others, images as images; anything else is refused in the user's
 * language. Every file is checked by its name and declared size before the first download.
 */
export async function readFiles(
  ctx: CommandContext<unknown>,
  input: ChatInput,
  model: string,
): Promise<ReadFiles> {
  const out: ReadFiles = { text: '', documents: [], images: [] };
  for (const file of input.files) {
    const ext = extensionOf(file.name);
    if (BINARY_EXTENSIONS.has(ext)) throw cannotRead(file.name, ext);
    checkDeclaredSize(file, maxBytesFor(file, ctx.limits.maxDownloadBytes));
  }
  for (const file of input.files) {
    const bytes = await file.fetch(maxBytesFor(file, ctx.limits.maxDownloadBytes));
    if (sniffImage(bytes)) {
      const image = await prepareImage(bytes, imageLimits(model), file.name);
      out.images.push(toDataUrl(image.data, image.mime));
    } else if (isPdf(bytes)) {
      if (bytes.length > PDF_MAX_BYTES) throw tooLarge(file.name, bytes.length, PDF_MAX_BYTES);
      const pdf = await readPdf(bytes, file.name, model);
      if (pdf.document) out.documents.push(pdf.document);
      else out.text += pdf.text;
    } else {
      out.text += inlineText(bytes, file.name);
    }
  }
  return out;
}

/** A text file as it is appended to the question; binary content is refused. */
function inlineText(bytes: Uint8Array, name: string): string {
  const ext = extensionOf(name);
  const magic = MAGIC.find(([m]) => startsWith(bytes, m));
  if (magic) throw cannotRead(name, magic[1]);
  const text = decodeText(bytes);
  if (text === undefined) throw cannotRead(name, ext);
  const truncated = text.length > MAX_INLINE_FILE_CHARS;
  const note = truncated ? ` (first ${MAX_INLINE_FILE_CHARS} characters of ${text.length})` : '';
  return `\n\n--- ${name}${note} ---\n${truncated ? text.slice(0, MAX_INLINE_FILE_CHARS) : text}`;
}

/** Text in the encodings people send; undefined for binary (a NUL byte without a UTF-16 BOM). */
function decodeText(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(bytes);
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes);
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) return undefined;
  for (const encoding of ['utf-8', 'gb18030']) {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      // Not this encoding.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * A PDF for `model`: a document when the model reads it itself, else its text with a note. Its
 * pages are counted either way (a PDF too long to send natively is sent as text).
 */
async function readPdf(
  bytes: Uint8Array,
  name: string,
  model: string,
): Promise<{ document?: TurnDocument; text: string }> {
  // pdf.js takes over (detaches) the buffer it is given, so the base64 is made first.
  const data = nativePdfLimits(model) ? Buffer.from(bytes).toString('base64') : undefined;
  const size = bytes.length;
  const { pages, text, complete } = await extractPdf(bytes, name, data === undefined);
  if (data !== undefined && readsPdfNatively(model, size, pages)) {
    return { document: { name, mime: 'application/pdf', data, pages }, text: '' };
  }
  if (data !== undefined) {
    // Too long to send natively: its text after all.
    const again = await extractPdf(Buffer.from(data, 'base64'), name, true);
    return { text: pdfNote(name, again.pages, again.text, again.complete) };
  }
  return { text: pdfNote(name, pages, text, complete) };
}

/** A PDF's extracted text as it is appended to the question; refused when it has none. */
export function pdfNote(name: string, pages: number, text: string, complete: boolean): string {
  if (!text.trim()) throw refusal(NO_TEXT_PDF, { name });
  const cut = complete ? '' : `; first ${MAX_INLINE_FILE_CHARS} characters only`;
  return `\n\n--- ${name} ---\n(text extracted from ${name}, ${pages} page${pages === 1 ? '' : 's'}${cut})\n${text}`;
}

/**
 * A PDF's page count and, when `withText`, its text up to MAX_INLINE_FILE_CHARS (pages are read
 * one at a time and reading stops there, so a long PDF costs no more than a short one).
 */
export async function extractPdf(
  bytes: Uint8Array,
  name: string,
  withText: boolean,
): Promise<{ pages: number; text: string; complete: boolean }> {
  // Hand pdf.js a buffer it may detach: ours when the view owns all of it, else a copy (a view
  // into Node's shared Buffer pool must never be detached). A plain Uint8Array: it refuses Buffers.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const data = own ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    doc = await getDocumentProxy(data, {
      verbosity: 0,
      isEvalSupported: false,
    });
  } catch (e) {
    throw refusal((e as Error)?.name === 'PasswordException' ? LOCKED_PDF : BAD_PDF, { name });
  }
  try {
    let text = '';
    let complete = true;
    for (let n = 1; withText && n <= doc.numPages; n++) {
      if (text.length >= MAX_INLINE_FILE_CHARS) {
        complete = false;
        break;
      }
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      }
      text += '\n\n';
      page.cleanup();
    }
    if (text.length > MAX_INLINE_FILE_CHARS) {
      text = text.slice(0, MAX_INLINE_FILE_CHARS);
      complete = false;
    }
    return {
      pages: doc.numPages,
      text: text
        .replace(/[^\S\n]+/g, ' ')
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
      complete,
    };
  } catch {
    throw refusal(BAD_PDF, { name });
  } finally {
    void doc.destroy();
  }
}

/** Tokens a turn's native PDFs cost, roughly (for the history budget). */
export function documentTokens(turn: Turn): number {
  return (turn.documents ?? []).reduce((n, d) => n + d.pages * DOCUMENT_PAGE_TOKENS, 0);
}
