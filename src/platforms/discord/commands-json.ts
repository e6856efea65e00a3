import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  PermissionFlagsBits,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from 'discord.js';
import type { CommandSummary } from '../../core/platform.js';
import { toRequestError } from './errors.js';
import { clip } from './payload.js';

/** Discord's caps on command definitions. */
const MAX_DESCRIPTION_CHARS = 100;
const MAX_STRING_OPTION_CHARS = 6000;
const MAX_OPTIONS = 25;
const MAX_OPTION_CHOICES = 25;
/** The locale our Chinese texts are published under. */
const ZH_LOCALE = 'zh-CN';

type Option = CommandSummary['options'][number];
type CommandJson = RESTPostAPIChatInputApplicationCommandsJSONBody;
type OptionJson = NonNullable<CommandJson['options']>[number];

/** Discord counts code points; keeps a description within 100 of them. */
function describe(text: string): string {
  const cps = [...text.trim()];
  return cps.length <= MAX_DESCRIPTION_CHARS
    ? cps.join('') || '-'
    : `${cps.slice(0, MAX_DESCRIPTION_CHARS - 1).join('')}…`;
}

/** Discord wants lowercase command and option names. */
export function discordName(name: string): string {
  return name.toLowerCase();
}

function localized(d: { en: string; zh: string }) {
  return { description: describe(d.en), description_localizations: { [ZH_LOCALE]: describe(d.zh) } };
}

function optionJson(o: Option): OptionJson {
  const base = { name: discordName(o.name), ...localized(o.description), required: o.required };
  switch (o.type) {
    case 'text':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(o.autocomplete ? { autocomplete: true } : {}),
        ...(o.minLength !== undefined ? { min_length: Math.min(o.minLength, MAX_STRING_OPTION_CHARS) } : {}),
        ...(o.maxLength !== undefined ? { max_length: Math.min(o.maxLength, MAX_STRING_OPTION_CHARS) } : {}),
      };
    case 'choice':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        choices: (o.choices ?? []).slice(0, MAX_OPTION_CHOICES).map((c) => ({
          name: describe(c.label.en),
          name_localizations: { [ZH_LOCALE]: describe(c.label.zh) },
          value: clip(c.value, 100),
        })),
      };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'integer':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(o.min !== undefined ? { min_value: o.min } : {}),
        ...(o.max !== undefined ? { max_value: o.max } : {}),
      };
    case 'image':
    case 'file':
    case 'audio':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
  }
}

/**
 * The slash command definitions for the core's commands: English descriptions with Chinese
 * localisations, option types mapped to Discord's, and required options first (Discord refuses
 * a required option after an optional one).
 */
export function commandsJson(commands: readonly CommandSummary[]): CommandJson[] {
  return commands.map((c) => {
    const options = [...c.options]
      .sort((a, b) => Number(b.required) - Number(a.required))
      .slice(0, MAX_OPTIONS)
      .map(optionJson);
    return {
      name: discordName(c.name),
      ...localized(c.description),
      options,
      // Members without Manage Server do not see it; a server can grant it to others in its settings.
      ...(c.adminOnly ? { default_member_permissions: PermissionFlagsBits.ManageGuild.toString() } : {}),
    };
  });
}

/**
 * Message context-menu commands (right-click a message → Apps): what each is called on Discord,
 * which core command it runs, and in Chinese. Published only when that core command exists.
 */
export const MESSAGE_COMMANDS = [
  { name: 'Describe image', zh: '描述图片', command: 'describe' },
  { name: 'Ask about this', zh: '问问这条消息', command: 'chat' },
] as const;

/** The message context-menu commands (type 3) for the core commands present. */
export function messageCommandsJson(commands: readonly CommandSummary[]) {
  const present = new Set(commands.map((c) => c.name));
  return MESSAGE_COMMANDS.filter((m) => present.has(m.command)).map((m) => ({
    name: m.name,
    name_localizations: { [ZH_LOCALE]: m.zh },
    type: ApplicationCommandType.Message,
  }));
}

/** Per command: Discord option name → the core's option name (they differ only in case). */
export function optionNames(commands: readonly CommandSummary[]): Map<string, Map<string, string>> {
  return new Map(
    commands.map((c) => [discordName(c.name), new Map(c.options.map((o) => [discordName(o.name), o.name]))]),
  );
}

export interface RegisterTarget {
  applicationId: string;
  /** Registers in this guild only (instant, for development); global otherwise. */
  guildId?: string | undefined;
}

/** Replaces the application's slash commands (guild-scoped when a guild id is given) with these. */
export async function registerCommands(
  rest: REST,
  target: RegisterTarget,
  commands: readonly CommandSummary[],
): Promise<{ scope: 'guild' | 'global'; count: number }> {
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  try {
    const body = [...commandsJson(commands), ...messageCommandsJson(commands)];
    const stored = (await rest.put(route, { body })) as unknown[];
    return { scope: target.guildId ? 'guild' : 'global', count: stored.length };
  } catch (error) {
    throw toRequestError('PUT', route, error);
  }
}
