import { REST, RESTEvents, type RESTOptions } from 'discord.js';

/** The events of the interaction REST client that are re-emitted on the main one (logs, bench). */
const FORWARDED = [
  RESTEvents.RateLimited,
  RESTEvents.Response,
  RESTEvents.Debug,
  RESTEvents.InvalidRequestWarning,
] as const;

/** One REST call as discord.js's REST manager queues it. */
type QueuedRequest = Parameters<REST['queueRequest']>[0];

/**
 * discord.js's REST manager with the application's interaction endpoints on a second manager
 * that has no client-side global limit. Discord does not count the interaction callback, edits of
 * the original response and follow-ups (`/interactions/…`, `/webhooks/{application id}/{token}…`)
 * against the bot's 50 requests/s, but @discordjs/rest paces every webhook call with it, so 240
 * answers at once would wait in line for seconds. Per-route buckets (the ~5 edits per 5 s of one
 * token) and 429s are still handled by the second manager's queues; every other call (channel
 * messages, threads, commands) keeps the global limit. Used as the gateway client's `rest`, so
 * discord.js's own interaction calls (`deferReply`, `update`…) take the same path.
 */
export class InteractionRoutingREST extends REST {
  /** The interaction endpoints' manager, without the client-side global limit. */
  readonly interactions: REST;
  readonly #webhookPrefix: string;

  constructor(applicationId: string, options: Partial<RESTOptions>) {
    super(options);
    this.#webhookPrefix = `/webhooks/${applicationId}/`;
    this.interactions = new REST({ ...options, globalRequestsPerSecond: Number.POSITIVE_INFINITY });
    for (const event of FORWARDED)
      this.interactions.on(event, (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      );
  }

  /** True for the calls Discord exempts from the global limit. */
  isInteractionRoute(route: string): boolean {
    return route.startsWith('/interactions/') || route.startsWith(this.#webhookPrefix);
  }

  override queueRequest(request: QueuedRequest): ReturnType<REST['queueRequest']> {
    return this.isInteractionRoute(request.fullRoute)
      ? this.interactions.queueRequest(request)
      : super.queueRequest(request);
  }

  override setToken(token: string): this {
    super.setToken(token);
    this.interactions.setToken(token);
    return this;
  }

  override clearHashSweeper(): void {
    super.clearHashSweeper();
    this.interactions.clearHashSweeper();
  }

  override clearHandlerSweeper(): void {
    super.clearHandlerSweeper();
    this.interactions.clearHandlerSweeper();
  }
}
