import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import type { IncomingFile, MediaKind } from '../../core/platform.js';
import { readLocalFile } from './local-file.js';

const KINDS: Record<string, MediaKind> = {
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.gif': 'image',
  '.webp': 'image',
  '.mp3': 'audio',
  '.m4a': 'audio',
  '.ogg': 'audio',
  '.wav': 'audio',
  '.mp4': 'video',
};

export interface ParsedLine {
  command: string | undefined;
  text: string;
  files: IncomingFile[];
}

/** A word that names an existing local file (./photo.png, /tmp/a.txt) becomes an attachment. */
function asFile(word: string, cwd: string): IncomingFile | undefined {
  if (!/^(\.{0,2}\/|~\/)|\.\w{2,5}$/.test(word)) return undefined;
  const path = resolve(cwd, word.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  const kind = KINDS[extname(path).toLowerCase()] ?? 'file';
  return { kind, name: basename(path), size: statSync(path).size, fetch: (max) => readLocalFile(path, max) };
}

/** `/chat what is this? ./photo.png` → command `chat`, text `what is this?`, one image. */
export function parseLine(line: string, cwd = process.cwd()): ParsedLine {
  const trimmed = line.trim();
  const m = /^\/(\w+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(trimmed);
  const command = m?.[1]?.toLowerCase();
  const rest = m ? (m[2] ?? '') : trimmed;
  const files: IncomingFile[] = [];
  const words = rest.split(/\s+/).filter((w) => {
    const file = w ? asFile(w, cwd) : undefined;
    if (file) files.push(file);
    return !file;
  });
  return { command, text: files.length ? words.join(' ').trim() : rest, files };
}
