import type { AnyCommand, OptionSpec } from '../core/command.js';
import { t } from '../core/i18n.js';
import type { IncomingFile, RawArg } from '../core/platform.js';
import { BotError } from '../errors.js';
import { M } from './messages.js';

function fail(message: { en: string; zh: string }, values: Record<string, string | number>): BotError {
  const en = t('en', message, values);
  return new BotError('input', en, { userMessage: { en, zh: t('zh', message, values) } });
}

const isFile = (v: RawArg | undefined): v is IncomingFile => typeof v === 'object' && v !== null;

/** `/imagine <prompt> [style]`: a usage line built from the spec. */
export function usage(command: AnyCommand): string {
  return (command.options as readonly OptionSpec[])
    .map((o) => (o.required ? `<${o.name}>` : `[${o.name}]`))
    .join(' ');
}

/**
 * Checks raw option values against the command's spec and returns typed arguments. A text line
 * with no named options fills the first text option; loose files fill the first file option.
 */
export function parseArgs(
  command: AnyCommand,
  raw: Record<string, RawArg>,
  line?: string,
  files: IncomingFile[] = [],
): Record<string, unknown> {
  const values: Record<string, RawArg> = { ...raw };
  const options = command.options as readonly OptionSpec[];
  if (line !== undefined && line.trim() !== '') {
    const first = options.find((o) => o.type === 'text' && values[o.name] === undefined);
    if (first) values[first.name] = line.trim();
  }
  // Loose files go to the option of their kind: images to an image option, audio to an audio
  // option, anything  to a file option.
  const looseFiles = [...files];
  for (const want of ['image', 'audio', 'file'] as const) {
    for (const o of options) {
      if (o.type !== want || values[o.name] !== undefined) continue;
      const at = looseFiles.findIndex((f) => want === 'file' || f.kind === want);
      if (at >= 0) values[o.name] = looseFiles.splice(at, 1)[0]!;
    }
  }
  // A file of a kind the command has no option for goes to a free image or audio option, whose
  // command then says what is wrong with it. Files of a kind it does take (an album's further
  // photos) stay loose: see `looseFiles`.
  const takes = (f: IncomingFile) => options.some((o) => o.type === f.kind || o.type === 'file');
  for (const o of options) {
    if ((o.type === 'image' || o.type === 'audio') && values[o.name] === undefined) {
      const at = looseFiles.findIndex((f) => !takes(f));
      if (at >= 0) values[o.name] = looseFiles.splice(at, 1)[0]!;
    }
  }
  const args: Record<string, unknown> = {};
  for (const o of options) {
    const v = values[o.name];
    const name = o.name;
    if (v === undefined || v === '') {
      if (o.required) {
        throw fail(M.missingOption, { option: name, command: command.name, usage: usage(command) });
      }
      continue;
    }
    switch (o.type) {
      case 'text': {
        const s = String(v).trim();
        if (o.maxLength !== undefined && s.length > o.maxLength) {
          throw fail(M.tooLong, { option: name, length: s.length, max: o.maxLength });
        }
        if (o.minLength !== undefined && s.length < o.minLength)
          throw fail(M.tooShort, { option: name, min: o.minLength });
        args[name] = s;
        break;
      }
      case 'choice': {
        const s = String(v).trim();
        const match = o.choices.find((c) => c.value.toLowerCase() === s.toLowerCase());
        if (!match)
          throw fail(M.badChoice, { option: name, choices: o.choices.map((c) => c.value).join(', ') });
        args[name] = match.value;
        break;
      }
      case 'boolean':
        args[name] = typeof v === 'boolean' ? v : /^(1|true|yes|on|是)$/i.test(String(v).trim());
        break;
      case 'integer': {
        const n = typeof v === 'number' ? v : Number(String(v).trim());
        const min = o.min ?? Number.MIN_SAFE_INTEGER;
        const max = o.max ?? Number.MAX_SAFE_INTEGER;
        if (!Number.isInteger(n) || n < min || n > max) throw fail(M.badNumber, { option: name, min, max });
        args[name] = n;
        break;
      }
      default:
        if (!isFile(v)) throw fail(M.badFile, { option: name });
        args[name] = v;
    }
  }
  return args;
}
