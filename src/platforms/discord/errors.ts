import { DiscordAPIError, HTTPError } from 'discord.js';

/** Discord's error codes that mean an interaction token can no longer be used. */
const TOKEN_GONE_CODES = new Set<number | string>([50027, 10015]);

/** Replaces interaction tokens in a URL or route with a marker, so logs never carry them. */
export function redactRoute(route: string): string {
  return route
    .replace(/(\/webhooks\/\d+\/)[^/?#]+/g, '$1:token')
    .replace(/(\/interactions\/\d+\/)[^/?#]+/g, '$1:token');
}

/**
 * A failed Discord REST call, without the request body (files, content) and with interaction
 * tokens taken out of its route: safe to log and to hand to the router's catch point.
 */
export class DiscordRequestError extends Error {
  override readonly name = 'DiscordRequestError';
  readonly status: number | undefined;
  readonly code: number | string | undefined;
  readonly method: string;
  readonly route: string;

  constructor(
    method: string,
    route: string,
    status: number | undefined,
    code: number | string | undefined,
    message: string,
  ) {
    super(`${method} ${redactRoute(route)} failed: ${status ?? 'no status'} ${message}`);
    this.method = method;
    this.route = redactRoute(route);
    this.status = status;
    this.code = code;
  }

  /** True when the interaction token behind a webhook call is expired or unknown. */
  get tokenGone(): boolean {
    return (this.code !== undefined && TOKEN_GONE_CODES.has(this.code)) || this.status === 401;
  }
}

/** Wraps whatever a discord.js REST call threw into a {@link DiscordRequestError}. */
export function toRequestError(method: string, route: string, error: unknown): DiscordRequestError {
  if (error instanceof DiscordRequestError) return error;
  if (error instanceof DiscordAPIError)
    return new DiscordRequestError(method, route, error.status, error.code, redactRoute(error.message));
  if (error instanceof HTTPError)
    return new DiscordRequestError(method, route, error.status, undefined, redactRoute(error.message));
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DiscordRequestError(method, route, undefined, undefined, redactRoute(message));
}

/** An error in a shape safe to log: DiscordAPIError carries its request body and token-bearing URL. */
export function loggable(error: unknown): unknown {
  if (error instanceof DiscordAPIError || error instanceof HTTPError)
    return toRequestError(error.method, error.url, error);
  return error;
}
