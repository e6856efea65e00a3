import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UploadedPart } from './types.js';

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ParsedBody {
  /** Parameters: typed values for JSON bodies, strings for form / multipart / query fields. */
  fields: Record<string, unknown>;
  files: UploadedPart[];
  /** Set when the body could not be parsed. */
  error?: string;
}

/** Parse a Bot API request body: JSON, x-www-form-urlencoded or multipart/form-data (plus query string). */
export function parseRequestBody(
  contentType: string | undefined,
  body: Buffer,
  query: URLSearchParams,
): ParsedBody {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of query) fields[k] = v;
  const type = (contentType ?? '').toLowerCase();
  if (body.length === 0) return { fields, files: [] };
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { fields, files: [], error: "can't parse JSON body" };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { fields, files: [], error: 'JSON body is not an object' };
    }
    Object.assign(fields, parsed);
    return { fields, files: [] };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) fields[k] = v;
    return { fields, files: [] };
  }
  if (type.startsWith('multipart/form-data')) {
    const parts = parseMultipart(contentType ?? '', body);
    if (!parts) return { fields, files: [], error: "can't parse multipart body" };
    const files: UploadedPart[] = [];
    for (const part of parts) {
      if (part.filename !== undefined) files.push(part);
      else fields[part.name] = part.bytes.toString('utf8');
    }
    return { fields, files };
  }
  return { fields, files: [], error: `unsupported content-type ${contentType ?? '(none)'}` };
}

function headerParam(header: string, name: string): string | undefined {
  // Quoted value, or (grammY sends `filename=a.png` unquoted as the last parameter) the rest up to ';'.
  const quoted = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  const bare = new RegExp(`(?:^|;)\\s*${name}=([^;]*)`, 'i').exec(header);
  return bare ? bare[1]!.trim() : undefined;
}

/** multipart/form-data parser tolerant of grammY's compact headers (`content-disposition:form-data;name="x"`). */
export function parseMultipart(contentType: string, body: Buffer): UploadedPart[] | undefined {
  const boundary = headerParam(contentType, 'boundary');
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: UploadedPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') return undefined;
    const headerEnd = body.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(nextDelimiter, headerEnd + 4);
    if (next < 0) return undefined;
    const headers = new Map<string, string>();
    for (const line of body
      .subarray(pos + 2, headerEnd)
      .toString('utf8')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (name === undefined) return undefined;
    const part: UploadedPart = { name, bytes: Buffer.from(body.subarray(headerEnd + 4, next)) };
    const filename = headerParam(disposition, 'filename');
    if (filename !== undefined) part.filename = filename;
    const partType = headers.get('content-type');
    if (partType !== undefined) part.contentType = partType;
    parts.push(part);
    pos = next + 2;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export function sendBytes(res: ServerResponse, mime: string, bytes: Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(200, { 'content-type': mime, 'content-length': bytes.length });
  res.end(bytes);
}
