import { execFileSync } from 'node:child_process';

/** The process tests run the bot as it ships: the bundle `npm start` runs, built when stale. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
}
