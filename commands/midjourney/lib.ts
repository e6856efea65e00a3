import type { MjCallOptions, MjSpeed } from '../../src/core/apicore.js';
import type { CommandContext } from '../../src/core/command.js';
import type { Localized } from '../../src/core/i18n.js';
import type { IncomingFile } from '../../src/core/platform.js';
import { inputError } from '../../src/errors.js';
import { readImage } from '../lib/images.js';

/** How often, and how many times, a pressed window button's task is checked for MODAL. */
const MODAL_CHECK_INTERVAL_MS = 1_500;
const MODAL_CHECKS = 6;

export const SPEEDS = ['fast', 'relax', 'turbo'] as const;

/** The `speed` choice commands offer (the gateway's `/mj-fast`, `/mj-relax`, `/mj-turbo`). */
export const SPEED_OPTION = {
  name: 'speed',
  type: 'choice',
  description: { en: 'Speed (price differs)', zh: '速度（价格不同）' },
  choices: [
    { value: 'fast', label: { en: 'Fast', zh: '快速 Fast' } },
    { value: 'relax', label: { en: 'Relax (slower, cheaper)', zh: '慢速 Relax（更便宜）' } },
    { value: 'turbo', label: { en: 'Turbo (fastest)', zh: '极速 Turbo' } },
  ],
} as const;

export function isSpeed(v: unknown): v is MjSpeed {
  return typeof v === 'string' && (SPEEDS as readonly string[]).includes(v);
}

/**
 * A prompt as Midjourney expects it: a Chinese input method's long dashes before a parameter
 * (`——ar 16:9`, `—v 6`) become `--`; everything else passes through untouched.
 */
export function normalizePrompt(prompt: string): string {
  return prompt.replace(/(^|\s)(?:——|—|–)(?=[a-z])/gi, '$1--').trim();
}

/** `--ar` must be two whole numbers; refused here before anything is paid. */
export function checkParameters(prompt: string): void {
  const ar = /--(?:ar|aspect)(?:\s+(\S+))?/i.exec(prompt);
  if (ar && !/^\d+:\d+$/.test(ar[1] ?? '')) {
    throw inputError(
      `--ar needs a ratio like 16:9 (got “${ar[1] ?? ''}”).`,
      `--ar 需要形如 16:9 的比例（收到“${ar[1] ?? ''}”）。`,
    );
  }
}

/** The speed asked for: the option, else a `--fast`/`--relax`/`--turbo` in the prompt (kept there). */
export function speedOf(option: unknown, prompt = ''): MjSpeed | undefined {
  if (isSpeed(option)) return option;
  const flag = /(?:^|\s)--(fast|relax|turbo)\b/i.exec(prompt)?.[1]?.toLowerCase();
  return isSpeed(flag) ? flag : undefined;
}

/** Call options with the abort signal and the speed. */
export function mjOpts(ctx: CommandContext<unknown>, speed: MjSpeed | undefined): MjCallOptions {
  return { signal: ctx.signal, ...(speed ? { speed } : {}) };
}

/** The images a command got: its image options in order, then an album's further photos. */
export function collectImages(ctx: CommandContext<unknown>, names: readonly string[]): IncomingFile[] {
  const args = ctx.args as Record<string, unknown>;
  const named = names
    .map((n) => args[n])
    .filter((f): f is IncomingFile => typeof f === 'object' && f !== null);
  return [...named, ...ctx.moreFiles.filter((f) => f.kind === 'image')];
}

/** Reads each image (size and type checked) into a data URL. */
export function readImages(ctx: CommandContext<unknown>, files: IncomingFile[]): Promise<string[]> {
  return Promise.all(files.map((f) => readImage(ctx, f)));
}

/** A refusal in both languages, for input the user can fix. */
export function refuse(text: Localized, values: Record<string, string | number> = {}): Error {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));
  return inputError(fill(text.en), fill(text.zh));
}

/**
 * Waits until a task made by a window button (Custom Zoom, Vary Region) waits in MODAL, so its
 * window can be confirmed. True when it does; false when it went on without one (it runs as is).
 */
export async function waitForModal(ctx: CommandContext<unknown>, taskId: string): Promise<boolean> {
  for (let i = 0; i < MODAL_CHECKS; i++) {
    const task = await ctx.apicore.mjFetch(taskId, { signal: ctx.signal });
    if (task.status === 'MODAL') return true;
    if (task.status === 'IN_PROGRESS' || task.status === 'SUCCESS' || task.status === 'FAILURE') return false;
    await new Promise((resolve) => setTimeout(resolve, MODAL_CHECK_INTERVAL_MS));
  }
  return true;
}
