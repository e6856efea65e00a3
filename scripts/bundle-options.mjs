// esbuild options shared by scripts/build.mjs (the bundle `npm start` runs) and the bench's own entries.
export const BUNDLE_OPTIONS = {
  bundle: true,
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
