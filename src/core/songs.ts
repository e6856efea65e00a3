import type { Localized } from './i18n.js';

/**
 * Suno models `/song` offers (the `mv` names the gateway accepts), oldest first, and Udio's two.
 * Stems, the music video and timed lyrics are "仅限chirp_auk" per the gateway: chirp-auk or newer.
 */
export const SUNO_MODELS = ['chirp-v3-5', 'chirp-v4', 'chirp-auk', 'chirp-bluejay', 'chirp-crow'] as const;
export const UDIO_MODELS = ['udio32-v1.5', 'udio130-v1.5'] as const;
export type SunoModel = (typeof SUNO_MODELS)[number];
export type UdioModel = (typeof UDIO_MODELS)[number];
export type SongModel = SunoModel | UdioModel;

/** The default for SUNO_MODEL: v4.5, the oldest model every song feature works on. */
export const DEFAULT_SUNO_MODEL: SunoModel = 'chirp-auk';

/** One of today's group songs, taken before a paid submit. */
export interface SongSlot {
  granted: true;
  /** Gives the song back (the submit was refused). Idempotent. */
  release(): Promise<void>;
}

export type SongReservation = SongSlot | { granted: false; used: number; quota: number; message: Localized };

/**
 * A group's songs per UTC day (GROUP_DAILY_SONGS, 0 = unlimited), on top of each member's own task
 * quota: atomic store counters, so two members (or two processes) never both take the last song.
 * Private chats are never limited by it.
 */
export interface GroupSongBudget {
  /** Takes one of today's songs for this chat; refuses when the group has used them all. */
  reserve(): Promise<SongReservation>;
  /** Today's figures for this chat; undefined in a private chat. `quota` 0: unlimited. */
  today(): Promise<{ used: number; quota: number } | undefined>;
}

/** What the song commands need besides the gateway: the default model and the group's budget. */
export interface SongServices {
  /** SUNO_MODEL. */
  defaultModel: SunoModel;
  budget: GroupSongBudget;
}

/**
 * Makes bytes fetchable by anyone holding the link for a while (`${PUBLIC_BASE_URL}/files/<random>`,
 * served by the bot's own HTTP server): how a Telegram voice note or a terminal file reaches the
 * gateway without ever sending a URL that carries the bot's token.
 */
export interface PublicFiles {
  publish(bytes: Uint8Array, options: { mime: string; name: string; ttlMs: number }): Promise<string>;
}
