import { Agent } from 'undici';

/**
 * The pool for file downloads (user files, audio covers). Passing it explicitly matters: a bare
 * `undici.request` installs undici 7's pool as the process-wide default, which discord.js's
 * bundled undici 6 then picks up and fails on ("action is not a function") when uploading.
 */
export const downloadPool = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
