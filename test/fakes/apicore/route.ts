import type { MjStage, MjTaskState, RecordedRequest, Scripted, SunoStage, SunoTaskState } from './types.js';

/** Which error envelope a route answers with. */
export type Family = 'openai' | 'claude' | 'mj' | 'suno';

/** What route handlers may see of the fake. */
export interface RouteContext {
  readonly url: string;
  readonly mjTasks: Map<string, MjTaskState>;
  readonly sunoTasks: Map<string, SunoTaskState>;
  mjStages: MjStage[][];
  sunoStages: SunoStage[][];
  nextSeq(kind: 'mj' | 'suno' | 'clip'): number;
}

/** A validation failure: a short message, optionally with the envelope's `code` and an HTTP status (400). */
export type Problem = string | { message: string; code: string | number; status?: number };

export type JsonBody = Record<string, unknown>;

export interface Route {
  method: string;
  pattern: RegExp;
  family: Family;
  /** How the request body must be encoded. */
  body: 'json' | 'multipart' | 'none';
  /** No auth needed (CDN-style files). */
  public?: boolean;
  validate?: (
    json: JsonBody,
    rec: RecordedRequest,
    ctx: RouteContext,
    params: string[],
  ) => Problem | undefined;
  /** May be async (the Suno upload route fetches the URL it was given). */
  handle: (
    json: JsonBody,
    rec: RecordedRequest,
    ctx: RouteContext,
    params: string[],
  ) => Scripted | Promise<Scripted>;
}

export const isObject = (v: unknown): v is JsonBody =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
export const isDataUrl = (v: unknown): boolean =>
  typeof v === 'string' && /^data:[\w.+-]+\/[\w.+-]+;base64,./.test(v);

/** First problem among `checks` whose condition is false. */
export function firstProblem(...checks: [boolean, Problem][]): Problem | undefined {
  return checks.find(([ok]) => !ok)?.[1];
}

export const json = (body: unknown, status = 200): Scripted => ({ kind: 'json', status, body });
