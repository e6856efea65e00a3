import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Field names whose values are never logged, wherever they appear. */
const REDACT_PATHS = [
  'apiKey',
  'token',
  'authorization',
  'Authorization',
  '*.apiKey',
  '*.token',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  level: string;
  /** Secret values (API key, bot tokens) scrubbed from every line, whatever field holds them. */
  secrets: readonly (string | undefined)[];
  /** Where lines go; standard error by default so the console platform owns standard output. */
  destination?: NodeJS.WritableStream;
}

/**
 * The root logger. Two layers keep secrets out: pino's path redaction for known fields, and a
 * last scrub of each serialized line for the literal secret values, which catches tokens that
 * hide inside URLs or error messages (grammY puts the bot token in its request URLs).
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const target = options.destination ?? process.stderr;
  const stream =
    secrets.length === 0
      ? target
      : new Writable({
          write(chunk: Buffer | string, _enc, done) {
            target.write(scrub(chunk.toString(), secrets));
            done();
          },
        });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: null,
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}

/** Replaces every occurrence of each secret with a marker. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** A logger that drops everything, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
