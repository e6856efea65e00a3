// esbuild options shared by scripts/build.mjs (the bundle `npm start` runs) and the bench's own entries.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_OPTIONS = {
  bundle: true,
  // Packages loaded on first use (the tokenizer's encodings, unpdf's pdf.js: 8 MB together) become
  // chunks of their own, read only when imported; the rest stays in one file per entry.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  legalComments: 'none',
  logLevel: 'warning',
  // Bundling renames clashing classes (AbortSignal → AbortSignal2); node-fetch, under grammY, checks
  // the signal's constructor name, so names are kept.
  keepNames: true,
  // Native or optional packages stay outside the bundle: better-sqlite3's binding, sharp (libvips,
  // loaded from its @img/* package at run time), and the optional speed-ups discord.js and ws look
  // for inside try/catch.
  external: [
    'better-sqlite3',
    'sharp',
    'zlib-sync',
    'bufferutil',
    'utf-8-validate',
    'erlpack',
    '@discordjs/opus',
    'sodium-native',
  ],
  // Some bundled CommonJS packages call require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
};

/**
 * Escapes every non-ASCII character left in the bundles under `dir` (esbuild escapes them in
 * strings, but not in comments and regular expressions). V8 keeps a module's source text for as
 * long as the process runs, two bytes a character if a single one is outside Latin-1: ASCII-only,
 * the 19 MB main bundle costs 19 MB of heap, not 38. A `\u` escape means the same in a regular
 * expression, a string or an identifier (astral characters as surrogate pairs, as a regular
 * expression without the u flag sees them); in a comment it only reads differently.
 */
export function asciiOnly(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.mjs')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const text = readFileSync(file, 'utf8');
    let escaped = '';
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) continue;
      // Already escaped by a backslash (an identity escape such as `\—`): the `\u` escape replaces it.
      let slashes = 0;
      while (i - slashes > from && text.charCodeAt(i - slashes - 1) === 0x5c) slashes++;
      escaped += text.slice(from, slashes % 2 === 1 ? i - 1 : i);
      escaped += `\\u${code.toString(16).padStart(4, '0')}`;
      from = i + 1;
    }
    escaped += text.slice(from);
    if (escaped !== text) writeFileSync(file, escaped);
  }
}
