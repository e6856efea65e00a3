import type { ChatRef } from '../core/platform.js';
import type { GroupSongBudget, SongReservation } from '../core/songs.js';
import type { Counters, Store } from '../core/store.js';

const DAY_MS = 24 * 3600_000;
/** A day's counter lives that day and as long again. */
const GROUP_SONGS_TTL_MS = 2 * DAY_MS;

/** Store counter namespace: songs per group and UTC day. */
export const GROUP_SONG_COUNTERS = 'group-songs';

const REFUSAL = {
  en: '🎵 This group has used all {quota} of today’s songs (GROUP_DAILY_SONGS). More tomorrow (UTC).',
  zh: '🎵 本群今天的 {quota} 首歌已经用完（GROUP_DAILY_SONGS），明天（UTC）再来吧。',
};

/**
 * GROUP_DAILY_SONGS: one counter per group and UTC day in the store, bumped atomically (Redis
 * INCRBY, a SQLite upsert) before a song is submitted and given back when the submit is refused.
 * Counted on top of each member's own daily task quota; private chats are never counted.
 */
export class GroupSongs {
  readonly #counters: Counters;

  constructor(
    private readonly quota: number,
    store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.#counters = store.counters(GROUP_SONG_COUNTERS);
  }

  /** The key for this group today: `platform:chat:YYYY-MM-DD` (topics share their group's). */
  dayKey(chat: ChatRef): string {
    return `${chat.platform}:${chat.id}:${new Date(this.now()).toISOString().slice(0, 10)}`;
  }

  /** The budget one event's command sees (the day is fixed when the event arrives). */
  for(chat: ChatRef): GroupSongBudget {
    const quota = this.quota;
    const counters = this.#counters;
    const key = this.dayKey(chat);
    const group = chat.kind === 'group';
    return {
      reserve: async (): Promise<SongReservation> => {
        if (!group) return { granted: true, release: async () => {} };
        const count = await counters.add(key, 1, GROUP_SONGS_TTL_MS);
        if (quota > 0 && count > quota) {
          await counters.add(key, -1, GROUP_SONGS_TTL_MS);
          return { granted: false, used: quota, quota, message: fill(REFUSAL, quota) };
        }
        let released = false;
        return {
          granted: true,
          release: async () => {
            if (released) return;
            released = true;
            await counters.add(key, -1, GROUP_SONGS_TTL_MS);
          },
        };
      },
      today: async () => (group ? { used: await counters.get(key), quota } : undefined),
    };
  }
}

function fill(text: { en: string; zh: string }, quota: number): { en: string; zh: string } {
  return { en: text.en.replace('{quota}', String(quota)), zh: text.zh.replace('{quota}', String(quota)) };
}
