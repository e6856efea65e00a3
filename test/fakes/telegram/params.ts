import type { UploadedPart } from './types.js';

/** A Bot API error answer. `unexpected` ones are also pushed to `FakeTelegram.unexpected`. */
export class TgError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly extra: {
      unexpected?: boolean;
      injected?: boolean;
      retry_after?: number;
      migrate_to_chat_id?: number;
    } = {},
  ) {
    super(description);
  }
}

/** 400 "Bad Request: <msg>". `unexpected` marks a protocol misuse a test should never see. */
export function badRequest(msg: string, unexpected = false): TgError {
  return new TgError(400, `Bad Request: ${msg}`, { unexpected });
}

const INT_FIELDS = new Set([
  'message_id',
  'offset',
  'limit',
  'timeout',
  'draft_id',
  'reply_to_message_id',
  'message_thread_id',
  'duration',
  'width',
  'height',
  'cache_time',
  'from_chat_id',
  'user_id',
  'max_connections',
]);

const BOOL_FIELDS = new Set([
  'disable_notification',
  'protect_content',
  'show_alert',
  'drop_pending_updates',
  'has_spoiler',
  'can_stop',
  'keep_on_stop',
  'allow_sending_without_reply',
  'disable_web_page_preview',
  'supports_streaming',
  'allow_paid_broadcast',
  'disable_content_type_detection',
  'show_caption_above_media',
]);

const JSON_FIELDS: Record<string, string> = {
  reply_markup: 'reply keyboard markup',
  entities: 'entities',
  caption_entities: 'caption entities',
  reply_parameters: 'reply parameters',
  link_preview_options: 'link preview options',
  scope: 'bot command scope',
  commands: 'bot commands',
  allowed_updates: 'allowed updates',
  media: 'media',
  message_ids: 'message identifiers',
};

/**
 * Coerce raw parameters the way the Bot API does: form and multipart fields arrive as strings, so
 * integers, booleans and JSON-typed fields (reply_markup, entities, ...) are decoded by name.
 * Throws a 400 for undecodable values.
 */
export function coerceParams(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (key === 'chat_id') {
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) out[key] = Number(value.trim());
      else if (typeof value === 'number' || typeof value === 'string') out[key] = value;
      else throw badRequest('chat_id must be an integer or a @username string', true);
    } else if (INT_FIELDS.has(key)) {
      if (typeof value === 'number' && Number.isInteger(value)) out[key] = value;
      else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) out[key] = Number(value.trim());
      else if (typeof value === 'string' && value === '') continue;
      else throw badRequest(`invalid ${key} specified: ${JSON.stringify(value)}`, true);
    } else if (BOOL_FIELDS.has(key)) {
      if (typeof value === 'boolean') out[key] = value;
      else if (value === 'true' || value === '1' || value === 1) out[key] = true;
      else if (value === 'false' || value === '0' || value === 0 || value === '') out[key] = false;
      else throw badRequest(`invalid ${key} specified: ${JSON.stringify(value)}`, true);
    } else if (key in JSON_FIELDS) {
      if (typeof value === 'string') {
        if (value === '') continue;
        try {
          out[key] = JSON.parse(value);
        } catch {
          throw badRequest(`can't parse ${JSON_FIELDS[key]} JSON object`, true);
        }
      } else out[key] = value;
    } else out[key] = value;
  }
  return out;
}

/** Typed access to coerced parameters. */
export class Params {
  constructor(
    readonly values: Record<string, unknown>,
    readonly files: UploadedPart[],
  ) {}

  has(name: string): boolean {
    const v = this.values[name];
    return v !== undefined && v !== null && v !== '';
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw badRequest(`${name} must be a string`, true);
  }

  int(name: string): number | undefined {
    const v = this.values[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    throw badRequest(`invalid ${name} specified`, true);
  }

  requireInt(name: string, missing = `${name} is required`): number {
    const v = this.int(name);
    if (v === undefined) throw badRequest(missing, true);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.values[name];
    return typeof v === 'boolean' ? v : undefined;
  }

  /** A JSON-typed field (already decoded by coerceParams). */
  json(name: string): unknown {
    return this.values[name];
  }

  array(name: string): unknown[] | undefined {
    const v = this.values[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw badRequest(`${name} must be an array`, true);
    return v;
  }

  object(name: string): Record<string, unknown> | undefined {
    const v = this.values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw badRequest(`${name} must be an object`, true);
    return v as Record<string, unknown>;
  }

  /** The file part an `attach://name` value (or, for plain form uploads, the field itself) refers to. */
  part(value: string | undefined, field: string): UploadedPart | undefined {
    if (value?.startsWith('attach://')) return this.files.find((f) => f.name === value.slice(9));
    if (value === undefined) return this.files.find((f) => f.name === field);
    return undefined;
  }
}
