import { type Localized, t } from '../../core/i18n.js';
import { formatBytes } from '../../core/media.js';
import type { IncomingFile } from '../../core/platform.js';
import { type BotError, inputError } from '../../errors.js';

/**
 * What a model family reads, as far as images and files are concerned. Decided from the model id
 * because the gateway publishes no capability list; an unknown model is `other` (images by the
 * default limits, PDFs as extracted text).
 */
export type InputFamily = 'claude' | 'gemini' | 'openai' | 'gpt-all' | 'other';

export function inputFamily(model: string): InputFamily {
  const m = bareModel(model);
  if (m.startsWith('claude')) return 'claude';
  if (m.startsWith('gemini')) return 'gemini';
  // gpt-4o-all, gpt-4-all (catalogue §6.3): browse and read files by URL, which we cannot give.
  if (/^gpt-4o?-all\b/.test(m)) return 'gpt-all';
  if (/^(gpt-|chatgpt|o\d)/.test(m)) return 'openai';
  return 'other';
}

/** Vendor prefixes and `:free`-style suffixes do not change the family (as request/params.ts). */
export function bareModel(model: string): string {
  return model.toLowerCase().replace(/^.*\//, '').replace(/:.*$/, '');
}

const TOO_LARGE = {
  en: '“{name}” is too large ({size}; at most {max}).',
  zh: '“{name}” 太大（{size}，最多 {max}）。',
};

export function tooLarge(name: string, size: number, max: number): BotError {
  return refusal(TOO_LARGE, { name, size: formatBytes(size), max: formatBytes(max) });
}

/** Refuses a file whose declared size is over `max`, before a byte of it is downloaded. */
export function checkDeclaredSize(file: IncomingFile, max: number): void {
  if (file.size !== undefined && file.size > max) throw tooLarge(file.name, file.size, max);
}

/** An input error the user reads in their language, with `{name}` placeholders filled. */
export function refusal(text: Localized, values: Record<string, string | number>): BotError {
  return inputError(t('en', text, values), t('zh', text, values));
}
