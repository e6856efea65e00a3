import { execFileSync } from 'node:child_process';
import { redisNotice } from './helpers/redis-available.js';

/** The process tests run the bot as it ships: the bundle `npm start` runs, built when stale. */
export default function setup(): () => void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  // Printed once, after the run's summary, where it is seen: the Redis suites are skipped (or will fail) here.
  const notice = redisNotice();
  return () => {
    if (notice) console.log(`\n⚠ ${notice}\n`);
  };
}
