import type { RawFile } from 'discord.js';
import type { OutgoingFile, OutgoingMessage, PlatformButton } from '../../core/platform.js';
import {
  DISCORD_MAX_CHARS,
  MAX_BUTTON_LABEL_CHARS,
  MAX_BUTTON_ROWS,
  MAX_BUTTONS_PER_ROW,
  MAX_CUSTOM_ID_CHARS,
  MAX_FILES_PER_MESSAGE,
} from './limits.js';

/** Shown instead of nothing: Discord refuses a message with no content, file or component. */
const BLANK = '\u200b';
const BUTTON = 2;
const ACTION_ROW = 1;
const SECONDARY = 2;

/** The JSON body of a message create or edit, as Discord's REST API takes it. */
export interface MessageBody {
  content: string;
  components?: { type: number; components: Record<string, unknown>[] }[];
  attachments?: { id: number; filename: string }[];
  allowed_mentions: { parse: string[]; replied_user: boolean };
  message_reference?: { message_id: string; fail_if_not_exists: boolean };
}

/** One request's worth of message: body, files, and a signature to tell an unchanged edit. */
export interface BuiltMessage {
  body: MessageBody;
  files: RawFile[];
  signature: string;
}

/** Cuts `s` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return s.slice(0, end);
}

const FENCE = /^\s*(```+|~~~+)(.*)$/;

/** The fence opener left open at the end of `text`, if any (e.g. '```ts'). */
function openFence(text: string): string | undefined {
  let open: { marker: string; opener: string } | undefined;
  for (const line of text.split('\n')) {
    const m = FENCE.exec(line);
    if (!m) continue;
    const marker = m[1]!;
    if (!open) open = { marker, opener: `${marker}${m[2]!.trim()}` };
    else if (marker.startsWith(open.marker) && m[2]!.trim() === '') open = undefined;
  }
  return open?.opener;
}

/**
 * Splits text that is too long for one message (long captions and lyrics; streamed answers are
 * split by the renderer before they get here): at a line break, else a space, never inside a
 * surrogate pair, closing and re-opening a code block that spans the cut.
 */
export function splitText(text: string, max = DISCORD_MAX_CHARS): string[] {
  const out: string[] = [];
  let rest = text;
  let reopen = '';
  while (rest.length > 0) {
    const room = max - reopen.length;
    if (rest.length <= room) {
      out.push(reopen + rest);
      break;
    }
    // Leave room to close a fence ("\n```" at most 8 units with a long marker).
    const window = clip(rest, room - 8);
    let cut = window.lastIndexOf('\n');
    if (cut < window.length / 2) cut = window.lastIndexOf(' ');
    if (cut < window.length / 2) cut = window.length;
    const head = reopen + rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\n/, '');
    const fence = openFence(head);
    if (fence) {
      out.push(`${head}\n${fence.replace(/^(`+|~+).*$/, '$1')}`);
      reopen = `${fence}\n`;
    } else {
      out.push(head);
      reopen = '';
    }
  }
  return out;
}

function rows(buttons: PlatformButton[][]): NonNullable<MessageBody['components']> {
  const flat: PlatformButton[][] = [];
  for (const row of buttons) {
    for (let i = 0; i < row.length; i += MAX_BUTTONS_PER_ROW)
      flat.push(row.slice(i, i + MAX_BUTTONS_PER_ROW));
  }
  return flat
    .filter((row) => row.length > 0)
    .slice(0, MAX_BUTTON_ROWS)
    .map((row) => ({
      type: ACTION_ROW,
      components: row.map((b) => ({
        type: BUTTON,
        style: SECONDARY,
        label: clip(b.label, MAX_BUTTON_LABEL_CHARS) || '·',
        custom_id: clip(b.data, MAX_CUSTOM_ID_CHARS),
      })),
    }));
}

/** Files that can go up as attachments, and link lines for the rest. */
function sortFiles(files: readonly OutgoingFile[], maxUploadBytes: number, text: string) {
  const uploads: RawFile[] = [];
  const links: string[] = [];
  for (const f of files) {
    if (f.data && f.data.length <= maxUploadBytes && uploads.length < MAX_FILES_PER_MESSAGE) {
      uploads.push({
        name: f.name,
        data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength),
        ...(f.mime ? { contentType: f.mime } : {}),
      });
    } else if (f.url && !text.includes(f.url)) links.push(f.url);
    else if (!f.url) links.push(`📎 ${f.name}`);
  }
  return { uploads, links };
}

function assemble(
  content: string,
  uploads: RawFile[],
  components: MessageBody['components'] | undefined,
): BuiltMessage {
  const body: MessageBody = {
    content: content || (uploads.length === 0 && !components?.length ? BLANK : ''),
    allowed_mentions: { parse: [], replied_user: false },
  };
  if (components) body.components = components;
  if (uploads.length > 0) body.attachments = uploads.map((f, i) => ({ id: i, filename: f.name }));
  const signature = JSON.stringify([body.content, components ?? null, uploads.map((f) => f.name)]);
  return { body, files: uploads, signature };
}

/**
 * A message to create, as one or more requests: text over the limit continues in further
 * messages; files and buttons go with the last one. Files without bytes (or over the upload
 * limit) are shown as their links.
 */
export function buildSend(message: OutgoingMessage, maxUploadBytes: number): BuiltMessage[] {
  const { uploads, links } = sortFiles(message.files ?? [], maxUploadBytes, message.text);
  const text = [message.text, ...links].filter((s) => s.length > 0).join('\n');
  const parts = text.length > 0 ? splitText(text) : [''];
  const components = message.buttons?.length ? rows(message.buttons) : undefined;
  return parts.map((part, i) =>
    i === parts.length - 1 ? assemble(part, uploads, components) : assemble(part, [], undefined),
  );
}

/**
 * An edit: the text (cut to the limit, which the core's splitting makes rare), buttons replaced
 * when given (`[]` removes them, absent keeps them), files replacing the old ones when given.
 */
export function buildEdit(message: OutgoingMessage, maxUploadBytes: number): BuiltMessage {
  const { uploads, links } = sortFiles(message.files ?? [], maxUploadBytes, message.text);
  let text = [message.text, ...links].filter((s) => s.length > 0).join('\n');
  if (text.length > DISCORD_MAX_CHARS) text = `${clip(text, DISCORD_MAX_CHARS - 1)}…`;
  const components = message.buttons ? rows(message.buttons) : undefined;
  return assemble(text, uploads, components);
}
