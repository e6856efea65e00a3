import type { BuildOptions } from 'esbuild';

export declare const BUNDLE_OPTIONS: BuildOptions;

/** Escapes every non-ASCII character left in the `.mjs` bundles under `dir` (see bundle-options.mjs). */
export declare function asciiOnly(dir: string): void;
