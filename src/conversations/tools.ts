import { submitDescribe } from '../../commands/describe.js';
import { submitImagine } from '../../commands/imagine.js';
import { submitSong } from '../../commands/song/index.js';
import type { ClaudeTool, ToolCall, ToolSpec } from '../core/apicore.js';
import type { CommandContext } from '../core/command.js';
import { type Localized, t } from '../core/i18n.js';
import { type UsageRefusal, UsageRefusedError } from '../core/usage.js';
import { errorMessage } from '../error-text.js';

/** Models known to take `tools`; others are asked without them. */
export const TOOL_MODELS = /gpt-4|gpt-5|o3|o4|gemini|deepseek-(chat|v3)|qwen|glm|grok|kimi/i;
/** Claude models that take `tools` on /v1/messages (every one since Claude 3). */
export const CLAUDE_TOOL_MODELS = /^claude-(?!2|instant)/i;

/** The same tools in Claude's shape: `{name, description, input_schema}`. */
export function toClaudeTools(specs: readonly ToolSpec[]): ClaudeTool[] {
  return specs.map(({ function: f }) => ({
    name: f.name,
    description: f.description,
    input_schema: f.parameters,
  }));
}

export interface ToolRun {
  name: string;
  /** What the model reads back. */
  result: string;
  /** Set when a limit stopped the call before it started anything: why, for the user. */
  refused?: Localized | undefined;
}

/** The tools that start a paid upstream task. */
export const MEDIA_TOOLS: ReadonlySet<string> = new Set(['make_image', 'write_song', 'describe_image']);

/** Most tool calls run from one round of the tool loop; a model asking for more gets the first ones. */
export const MAX_TOOL_CALLS_PER_ROUND = 8;

const CAP_REACHED: Localized = {
  en: 'Not started: at most {n} media tasks per answer.',
  zh: '未启动：每次回答最多启动 {n} 个媒体任务。',
};

/**
 * What one answer's tool calls may still start, across every round of the tool loop: at most
 * `cap` media tasks (MAX_TOOL_TASKS_PER_ANSWER), and nothing more once the daily task quota or
 * the rate limit refused one.
 */
export class ToolAllowance {
  #admitted = 0;
  #refusal: UsageRefusal | undefined;

  constructor(readonly cap: number) {}

  /** Media tasks let through so far. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Counts one media call and answers undefined when it may go ahead; otherwise the refusal. */
  admit(name: string): ToolRun | undefined {
    if (this.#refusal) return refusedRun(name, this.#refusal);
    if (this.#admitted >= this.cap) {
      return {
        name,
        result:
          `not started: at most ${this.cap} media tasks (make_image, write_song, describe_image) may be ` +
          'started in one answer and this answer reached that limit. Do not call them again in this ' +
          'answer; tell the user which requests were not started and that they can ask again.',
        refused: { en: t('en', CAP_REACHED, { n: this.cap }), zh: t('zh', CAP_REACHED, { n: this.cap }) },
      };
    }
    this.#admitted++;
    return undefined;
  }

  /** A quota or rate refusal: every later media call in this answer is refused the same way. */
  refuse(name: string, refusal: UsageRefusal): ToolRun {
    this.#refusal = refusal;
    return refusedRun(name, refusal);
  }
}

function refusedRun(name: string, refusal: UsageRefusal): ToolRun {
  const result =
    refusal.reason === 'tasks'
      ? `refused: the user's daily quota of media tasks is used up (${refusal.used} of ${refusal.quota} ` +
        'today), so no task was started. Do not call make_image, write_song or describe_image again; ' +
        'tell the user the quota resets at midnight UTC.'
      : refusal.reason === 'songs'
        ? `refused: this group's songs for today are used up (${refusal.used} of ${refusal.quota}), so ` +
          'no song was started. Do not call write_song again; tell the user the budget resets at midnight UTC.'
        : `refused: the user is over the rate limit (${refusal.perMinute} requests a minute), so no task ` +
          'was started. Do not call make_image, write_song or describe_image again in this answer; tell ' +
          'the user to wait a minute and ask again.';
  return { name, result, refused: refusal.message };
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

/** The bot's own commands as tools the model may call; without `media`, only the free ones. */
export function toolSpecs(hasImage: boolean, media = true): ToolSpec[] {
  const all: ToolSpec[] = [
    {
      type: 'function',
      function: {
        name: 'make_image',
        description:
          'Create an image with Midjourney from an English prompt; it is posted in the chat when ready.',
        parameters: object({ prompt: { type: 'string', description: 'Midjourney prompt, in English' } }, [
          'prompt',
        ]),
      },
    },
    {
      type: 'function',
      function: {
        name: 'write_song',
        description:
          'Compose and sing a song with Suno; the audio is posted in the chat when ready (a few minutes).',
        parameters: object(
          {
            prompt: { type: 'string', description: 'What the song is about' },
            tags: { type: 'string', description: 'Music style, e.g. "jazz, female vocal"' },
            title: { type: 'string' },
            instrumental: { type: 'boolean' },
          },
          ['prompt'],
        ),
      },
    },
    {
      type: 'function',
      function: {
        name: 'current_time',
        description: 'The current date and time, optionally in an IANA time zone such as Asia/Shanghai.',
        parameters: object({ timezone: { type: 'string' } }),
      },
    },
  ];
  const specs = all.filter((spec) => media || !MEDIA_TOOLS.has(spec.function.name));
  if (hasImage && media) {
    specs.push({
      type: 'function',
      function: {
        name: 'describe_image',
        description:
          'Ask Midjourney for four prompts describing the image the user attached; posted when ready.',
        parameters: object({}),
      },
    });
  }
  return specs;
}

function parseArgs(call: ToolCall): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(call.function.arguments || '{}');
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Runs one tool call with the same code paths (and task records, quota and rate gates) as the
 * commands. Media calls count against the answer's `allowance`; one a limit stops starts nothing
 * and tells the model why, so it does not keep trying.
 */
export async function runTool(
  ctx: CommandContext<unknown>,
  call: ToolCall,
  image: string | undefined,
  allowance: ToolAllowance,
): Promise<ToolRun> {
  const args = parseArgs(call);
  const name = call.function.name;
  // Tasks a tool call starts pay a per-minute request too (startTask reads `toolCall`).
  const tool: CommandContext<unknown> = { ...ctx, toolCall: name };
  try {
    switch (name) {
      case 'make_image': {
        const prompt = str(args.prompt)?.trim();
        if (!prompt) return { name, result: 'error: prompt is required' };
        const stop = allowance.admit(name);
        if (stop) return stop;
        const record = await submitImagine(tool, prompt);
        return {
          name,
          result: record
            ? `submitted Midjourney task ${record.upstreamId}; the image will be posted in the chat`
            : 'the task was refused',
        };
      }
      case 'write_song': {
        const prompt = str(args.prompt)?.trim();
        if (!prompt) return { name, result: 'error: prompt is required' };
        const stop = allowance.admit(name);
        if (stop) return stop;
        const record = await submitSong(tool, {
          prompt,
          tags: str(args.tags),
          title: str(args.title),
          instrumental: args.instrumental === true,
        });
        return {
          name,
          result: record
            ? `submitted Suno task ${record.upstreamId}; the song will be posted in the chat`
            : 'the task was refused',
        };
      }
      case 'describe_image': {
        if (!image) return { name, result: 'error: no image is attached' };
        const stop = allowance.admit(name);
        if (stop) return stop;
        const record = await submitDescribe(tool, image);
        return {
          name,
          result: record ? `submitted; four prompts will be posted in the chat` : 'the task was refused',
        };
      }
      case 'current_time': {
        const timeZone = str(args.timezone);
        const now = new Date();
        try {
          const local = now.toLocaleString('sv-SE', timeZone ? { timeZone } : {});
          return { name, result: `${local} (${timeZone ?? 'server time'}); UTC ${now.toISOString()}` };
        } catch {
          return { name, result: `UTC ${now.toISOString()} (unknown time zone ${timeZone})` };
        }
      }
      default:
        return { name, result: `error: unknown tool ${name}` };
    }
  } catch (error) {
    if (error instanceof UsageRefusedError) return allowance.refuse(name, error.refusal);
    ctx.log.warn({ err: error, tool: name }, 'tool call failed');
    return { name, result: `error: ${errorMessage(error, 'en')}` };
  }
}
