/** Moved to commands/midjourney/; kept so existing imports (the chat's tools) still resolve. */
export { default, submitImagine } from './midjourney/imagine.js';
