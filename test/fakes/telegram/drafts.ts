/** How a draft stopped showing. */
export type DraftEndReason = 'expired' | 'message' | 'stopped';

/** A draft that stopped showing: ran out of time, replaced by a bot message, or stopped by the user. */
export interface DraftEnd {
  chat_id: number;
  draft_id: number;
  reason: DraftEndReason;
  /** Date.now() when it ended. */
  at: number;
}

/** A draft the user sees now. */
export interface LiveDraft {
  chatId: number;
  draftId: number;
  /** The last update asked for a stop button (`can_stop`). */
  canStop: boolean;
  /** The last update asked to keep the draft when stop is pressed (`keep_on_stop`). */
  keepOnStop: boolean;
  /** Date.now() of the last update. */
  updatedAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The drafts (sendMessageDraft) chats show, as Telegram keeps them: each update restarts a preview
 * of `lifetimeMs()` (30 s by default); without an update in that time the draft expires. A bot
 * message in the chat ends its drafts; a stop ends one unless it was sent with `keep_on_stop`.
 */
export class DraftBoard {
  readonly #live = new Map<string, LiveDraft>();
  /** Every draft that stopped showing, in order. */
  readonly ended: DraftEnd[] = [];
  /** Called when a draft ends on its own (expiry), so waiters can look again. */
  onChange: (() => void) | undefined;

  constructor(private readonly lifetimeMs: () => number) {}

  /** An update of draft `draftId` in `chatId`: it shows (again) for another lifetime. */
  touch(chatId: number, draftId: number, opts: { canStop: boolean; keepOnStop: boolean }): void {
    const key = `${chatId}:${draftId}`;
    const previous = this.#live.get(key);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.end(chatId, draftId, 'expired');
      this.onChange?.();
    }, this.lifetimeMs());
    timer.unref?.();
    this.#live.set(key, { chatId, draftId, ...opts, updatedAt: Date.now(), timer });
  }

  live(chatId: number, draftId: number): LiveDraft | undefined {
    return this.#live.get(`${chatId}:${draftId}`);
  }

  liveIn(chatId: number): LiveDraft[] {
    return [...this.#live.values()].filter((d) => d.chatId === chatId);
  }

  end(chatId: number, draftId: number, reason: DraftEndReason): void {
    const key = `${chatId}:${draftId}`;
    const draft = this.#live.get(key);
    if (!draft) return;
    clearTimeout(draft.timer);
    this.#live.delete(key);
    this.ended.push({ chat_id: chatId, draft_id: draftId, reason, at: Date.now() });
  }

  /** The bot sent a message to the chat: its drafts disappear. */
  endChat(chatId: number): void {
    for (const d of this.liveIn(chatId)) this.end(chatId, d.draftId, 'message');
  }

  /** Stops every timer (the fake is closing). */
  close(): void {
    for (const d of this.#live.values()) clearTimeout(d.timer);
    this.#live.clear();
  }
}
