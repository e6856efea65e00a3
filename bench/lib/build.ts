import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { asciiOnly, BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs';

/** How the bench starts bot processes. */
export interface BotBuild {
  /** The bot as `npm start` runs it. */
  main: string;
  /** The what-if entry (bench/lib/bot-main.ts), bundled the same way. */
  whatIf: string;
  /** `--import` argument of bench/monitor.ts, bundled. */
  monitor: string;
  /** Extra node arguments every bot process needs (none for bundles). */
  execArgv: string[];
  /** What the table says about it. */
  describe: string;
}

/**
 * `npm start` runs dist/main.mjs, an esbuild bundle made by scripts/build.mjs (rebuilt when stale);
 * the bench runs exactly that, and bundles its own two entries the same way (the same options,
 * scripts/bundle-options.mjs) into bench/.build/, so no bot process carries tsx.
 */
export async function buildBot(root: string, options: { sources?: boolean } = {}): Promise<BotBuild> {
  const out = join(root, 'bench/.build');
  const script = join(root, 'scripts/build.mjs');
  if (options.sources || !existsSync(script)) {
    // The sources under tsx: for profiles that name each package and file (a bundle is one file),
    // or a checkout from before the bundle, when `npm start` ran them this way.
    const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    return {
      main: join(root, 'src/main.ts'),
      whatIf: join(root, 'bench/lib/bot-main.ts'),
      monitor: pathToFileURL(join(root, 'bench/monitor.ts')).href,
      execArgv: ['--import', tsx],
      describe: '`node --import tsx src/main.ts` (the sources, not the bundle `npm start` runs)',
    };
  }
  // Its output goes to standard error: standard output is the table's.
  execFileSync(process.execPath, [script, '--if-stale'], { cwd: root, stdio: ['ignore', 2, 2] });
  rmSync(out, { recursive: true, force: true });
  await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: { 'bot-main': 'bench/lib/bot-main.ts', monitor: 'bench/monitor.ts' },
    outdir: out,
  });
  asciiOnly(out);
  return {
    main: join(root, 'dist/main.mjs'),
    whatIf: join(out, 'bot-main.mjs'),
    monitor: pathToFileURL(join(out, 'monitor.mjs')).href,
    execArgv: [],
    describe: '`node dist/main.mjs`, the esbuild bundle `npm start` runs (scripts/build.mjs)',
  };
}
