import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';

type Reply = string | number | null | Reply[];

/** Parses one RESP2 reply at `at`; undefined while incomplete. */
function parse(buf: Buffer, at: number): { value: Reply; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const head = buf.subarray(at + 1, eol).toString();
  switch (type) {
    case '+':
      return { value: head, end: eol + 2 };
    case '-':
      throw new Error(`redis: ${head}`);
    case ':':
      return { value: Number(head), end: eol + 2 };
    case '$': {
      const length = Number(head);
      if (length < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + length + 2) return undefined;
      return { value: buf.subarray(eol + 2, eol + 2 + length).toString(), end: eol + 2 + length + 2 };
    }
    case '*': {
      const n = Number(head);
      const items: Reply[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`redis: unexpected reply ${JSON.stringify(head)}`);
  }
}

/** One command to a Redis server on 127.0.0.1 over a fresh connection (no client library). */
export function redisCommand(port: number, ...args: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(5_000, () => fail(new Error(`redis ${args[0]}: no answer within 5 s`)));
    socket.on('error', fail);
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      try {
        const parsed = parse(reply, 0);
        if (!parsed) return;
        socket.destroy();
        resolve(parsed.value);
      } catch (error) {
        fail(error as Error);
      }
    });
  });
}

/** `INFO <section>` as field → value. */
export async function redisInfo(port: number, section = 'stats'): Promise<Record<string, string>> {
  const text = String(await redisCommand(port, 'INFO', section));
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** The pid of a child of `parent` whose command name is `comm` (from /proc), or undefined. */
export function childPid(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
