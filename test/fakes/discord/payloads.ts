import type {
  ApiUser,
  FakeGuildSpec,
  StoredAttachment,
  StoredMessage,
  ThreadRecord,
  UserInput,
} from './types.js';
import { DEFAULT_USER_ID, iso, TEXT_PERMISSIONS } from './util.js';

export function apiUser(input: UserInput | undefined, fallbackId = DEFAULT_USER_ID): ApiUser {
  const username = input?.username ?? 'tester';
  return {
    id: input?.id ?? fallbackId,
    username,
    discriminator: '0',
    global_name:
      input?.global_name === undefined ? username[0]!.toUpperCase() + username.slice(1) : input.global_name,
    avatar: null,
    ...(input?.bot ? { bot: true } : {}),
  };
}

/** The id of the bot's managed role in a guild (Discord makes one per bot it adds). */
export function botRoleId(guildId: string): string {
  return `${guildId}7`;
}

export function apiMember(
  user: ApiUser,
  joinedAt: number,
  permissions?: string,
  roles: string[] = [],
): Record<string, unknown> {
  return {
    user,
    roles,
    nick: null,
    avatar: null,
    banner: null,
    joined_at: iso(joinedAt),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    ...(permissions === undefined ? {} : { permissions }),
  };
}

export function apiChannel(
  id: string,
  guildId: string | null,
  opts: { name?: string; type?: number; position?: number; permissions?: string; parentId?: string } = {},
): Record<string, unknown> {
  if (guildId === null) return { id, type: 1, last_message_id: null, flags: 0, recipients: [] };
  if (opts.parentId !== undefined)
    return {
      id,
      type: opts.type ?? 11,
      guild_id: guildId,
      parent_id: opts.parentId,
      name: opts.name ?? `thread-${id.slice(-4)}`,
      owner_id: '1',
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
      message_count: 0,
      member_count: 1,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 4320,
        archive_timestamp: new Date(0).toISOString(),
        locked: false,
      },
      ...(opts.permissions === undefined ? {} : { permissions: opts.permissions }),
    };
  return {
    id,
    type: opts.type ?? 0,
    guild_id: guildId,
    name: opts.name ?? `channel-${id.slice(-4)}`,
    position: opts.position ?? 0,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
    ...(opts.permissions === undefined ? {} : { permissions: opts.permissions }),
  };
}

export function guildCreate(spec: FakeGuildSpec, bot: ApiUser, joinedAt: number): Record<string, unknown> {
  const locale = spec.locale ?? 'en-US';
  return {
    id: spec.id,
    name: spec.name ?? 'Test Guild',
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: '1000000000000000009',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    preferred_locale: locale,
    features: [],
    application_id: null,
    max_members: 500000,
    max_video_channel_users: 25,
    large: false,
    unavailable: false,
    member_count: 2,
    joined_at: iso(joinedAt),
    roles: [
      {
        id: spec.id,
        name: '@everyone',
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 0,
        permissions: TEXT_PERMISSIONS,
        managed: false,
        mentionable: false,
        flags: 0,
      },
      {
        // The bot's managed role: typing @Bot in a server often inserts this role's mention.
        id: botRoleId(spec.id),
        name: bot.username,
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 1,
        permissions: TEXT_PERMISSIONS,
        managed: true,
        mentionable: true,
        flags: 0,
        tags: { bot_id: bot.id },
      },
    ],
    emojis: [],
    stickers: [],
    members: [apiMember(bot, joinedAt, undefined, [botRoleId(spec.id)])],
    channels: (spec.channels ?? [])
      .filter((c) => c.parentId === undefined)
      .map((c, i) =>
        apiChannel(c.id, spec.id, {
          ...(c.name === undefined ? {} : { name: c.name }),
          type: c.type ?? 0,
          position: i,
        }),
      ),
    threads: (spec.channels ?? []).flatMap((c) =>
      c.parentId === undefined
        ? []
        : [
            apiChannel(c.id, spec.id, {
              ...(c.name === undefined ? {} : { name: c.name }),
              type: c.type ?? 11,
              parentId: c.parentId,
            }),
          ],
    ),
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function apiAttachment(a: StoredAttachment, ephemeral = false): Record<string, unknown> {
  return {
    id: a.id,
    filename: a.filename,
    size: a.size,
    url: a.url,
    proxy_url: a.url,
    content_type: a.contentType,
    ...(a.description === undefined ? {} : { description: a.description }),
    ...(a.durationSecs === undefined ? {} : { duration_secs: a.durationSecs }),
    ...(a.waveform === undefined ? {} : { waveform: a.waveform }),
    ...(ephemeral ? { ephemeral: true } : {}),
  };
}

/** The full message object Discord returns. */
export function apiMessage(
  m: StoredMessage,
  lookup?: (id: string) => StoredMessage | undefined,
  applicationId?: string,
): Record<string, unknown> {
  const ref = m.message_reference;
  const referenced = ref?.message_id && lookup ? lookup(ref.message_id) : undefined;
  return {
    id: m.id,
    channel_id: m.channelId,
    ...(m.guildId === null ? {} : { guild_id: m.guildId }),
    type: ref && ref.type !== 1 ? 19 : 0,
    content: m.content,
    author: m.author,
    timestamp: iso(m.createdAt),
    edited_timestamp: m.editedAt === null ? null : iso(m.editedAt),
    tts: m.tts,
    mention_everyone: false,
    mentions: m.mentions,
    mention_roles: m.mentionRoles ?? [],
    mention_channels: [],
    attachments: m.attachments.map((a) => apiAttachment(a)),
    embeds: m.embeds,
    components: m.components,
    reactions: [],
    pinned: false,
    flags: m.flags,
    ...(m.origin === 'original' || m.origin === 'followup'
      ? { webhook_id: applicationId ?? m.author.id, application_id: applicationId ?? m.author.id }
      : {}),
    ...(ref ? { message_reference: { type: 0, ...ref, channel_id: ref.channel_id ?? m.channelId } } : {}),
    ...(ref
      ? { referenced_message: referenced ? apiMessage(referenced, undefined, applicationId) : null }
      : {}),
  };
}

export function apiThread(t: ThreadRecord, botUserId: string): Record<string, unknown> {
  return {
    id: t.id,
    type: 11,
    guild_id: t.guildId,
    parent_id: t.parentId,
    owner_id: botUserId,
    name: t.name,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: t.autoArchiveDuration,
      archive_timestamp: iso(t.createdAt),
      locked: false,
      create_timestamp: iso(t.createdAt),
    },
    member: { id: t.id, user_id: botUserId, join_timestamp: iso(t.createdAt), flags: 0 },
  };
}
