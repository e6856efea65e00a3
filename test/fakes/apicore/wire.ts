import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MultipartPart, Scripted, SseEvent } from './types.js';

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function tryParseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Minimal multipart/form-data parser. Returns undefined when the body is malformed. */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartPart[] | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') return undefined;
    const headerEnd = body.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
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
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return undefined;
    const part: MultipartPart = { name, data: body.subarray(headerEnd + 4, next) };
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== undefined) part.filename = filename;
    const partType = headers.get('content-type');
    if (partType !== undefined) part.contentType = partType;
    parts.push(part);
    pos = next + 2;
  }
}

export function encodeSseEvent(ev: SseEvent): string {
  const data = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
  const lines = data.split('\n').map((line) => `data: ${line}\n`);
  return `${ev.event !== undefined ? `event: ${ev.event}\n` : ''}${lines.join('')}\n`;
}

function pause(ms: number | undefined): Promise<void> {
  return new Promise((resolve) => (ms ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

/** Write and wait until the chunk is handed to the kernel; false if the response is gone. */
function write(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) {
      resolve(false);
      return;
    }
    const onClose = (): void => resolve(false);
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      resolve(!err);
    });
  });
}

async function writeAll(
  res: ServerResponse,
  chunks: (string | Buffer)[],
  delayMs?: number,
  beforeChunk?: (index: number) => Promise<void>,
): Promise<boolean> {
  for (const [i, chunk] of chunks.entries()) {
    if (i > 0) await pause(delayMs);
    if (beforeChunk) await beforeChunk(i);
    if (!(await write(res, chunk))) return false;
  }
  return true;
}

export async function sendScripted(res: ServerResponse, s: Scripted): Promise<void> {
  switch (s.kind) {
    case 'json': {
      const body = JSON.stringify(s.body);
      res.writeHead(s.status ?? 200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        ...s.headers,
      });
      res.end(body);
      return;
    }
    case 'binary':
      res.writeHead(s.status ?? 200, {
        'content-type': s.contentType,
        'content-length': String(s.body.length),
      });
      res.end(s.body);
      return;
    case 'hang':
      return; // left open until the fake closes
    case 'raw': {
      res.writeHead(s.status ?? 200, s.headers ?? {});
      if (s.beforeChunk) res.flushHeaders();
      if (!(await writeAll(res, s.chunks, s.delayMs, s.beforeChunk))) return;
      if (s.destroy) res.destroy();
      else res.end();
      return;
    }
    case 'sse': {
      res.socket?.setNoDelay(true);
      res.writeHead(s.status ?? 200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      const cut = s.cutAfterEvents !== undefined;
      const segments = (cut ? s.events.slice(0, s.cutAfterEvents) : s.events).map(encodeSseEvent);
      if (!cut && s.done !== false) segments.push('data: [DONE]\n\n');
      let chunks: (string | Buffer)[] = segments;
      if (s.chunkBytes !== undefined) {
        const size = Math.max(1, Math.floor(s.chunkBytes));
        const all = Buffer.from(segments.join(''), 'utf8');
        chunks = [];
        for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      }
      if (!(await writeAll(res, chunks, s.delayMs))) return;
      if (cut) res.destroy();
      else res.end();
      return;
    }
  }
}
