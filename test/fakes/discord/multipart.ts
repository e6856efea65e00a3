import type { IncomingMessage } from 'node:http';
import type { UploadedFile } from './types.js';

export interface MultipartBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export async function readRaw(req: IncomingMessage, max = 120 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new Error(`request body over ${max} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function headerParam(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]?.trim();
}

/** Parses `multipart/form-data` (as undici's FormData writes it). Throws on a malformed body. */
export function parseMultipart(body: Buffer, contentType: string): MultipartBody {
  const boundary = headerParam(contentType, 'boundary');
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw new Error('multipart boundary not found');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('malformed multipart delimiter');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) throw new Error('multipart part without header end');
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const contentStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), contentStart);
    if (next === -1) throw new Error('unterminated multipart part');
    const content = body.subarray(contentStart, next);
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (name === undefined) throw new Error('multipart part without a name');
    const filename = headerParam(disposition, 'filename');
    if (filename === undefined) fields[name] = content.toString('utf8');
    else
      files.push({
        field: name,
        filename: decodeFilename(filename),
        contentType: headers.get('content-type') ?? 'application/octet-stream',
        bytes: Buffer.from(content),
      });
    pos = next + 2;
  }
  return { fields, files };
}

/** undici escapes `"`, CR and LF in filenames as %22, %0D, %0A. */
function decodeFilename(name: string): string {
  return name.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}
