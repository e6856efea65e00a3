import { submitDescribe } from '../../commands/describe.js';
import { submitImagine } from '../../commands/imagine.js';
import { submitSong } from '../../commands/song.js';
import type { ToolCall, ToolSpec } from '../core/apicore.js';
import type { CommandContext } from '../core/command.js';
import { errorMessage } from '../error-text.js';

/** Models known to take `tools`; others are asked without them. */
export const TOOL_MODELS = /gpt-4|gpt-5|o3|o4|gemini|deepseek-(chat|v3)|qwen|glm|grok|kimi/i;

export interface ToolRun {
  name: string;
  /** What the model reads back. */
  result: string;
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

/** The bot's own commands as tools the model may call. */
export function toolSpecs(hasImage: boolean): ToolSpec[] {
  const specs: ToolSpec[] = [
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
  if (hasImage) {
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

/** Runs one tool call with the same code paths (and task records) as the commands. */
export async function runTool(
  ctx: CommandContext<unknown>,
  call: ToolCall,
  image: string | undefined,
): Promise<ToolRun> {
  const args = parseArgs(call);
  const name = call.function.name;
  try {
    switch (name) {
      case 'make_image': {
        const prompt = str(args.prompt)?.trim();
        if (!prompt) return { name, result: 'error: prompt is required' };
        const record = await submitImagine(ctx, prompt);
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
        const record = await submitSong(ctx, {
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
        const record = await submitDescribe(ctx, image);
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
    ctx.log.warn({ err: error, tool: name }, 'tool call failed');
    return { name, result: `error: ${errorMessage(error, 'en')}` };
  }
}
