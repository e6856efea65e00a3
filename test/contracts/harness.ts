import type {
  ChatRef,
  MediaKind,
  MessageRef,
  PlatformAdapter,
  ReplyChannel,
} from '../../src/core/platform.js';
import type { RecordingHooks } from './hooks.js';

/** A file as the user sees it under a message. */
export interface SeenFile {
  kind: MediaKind;
  /** Bytes, where the platform tells (the console prints the count). */
  size: number | undefined;
  name: string | undefined;
}

/** One message as the user of the platform sees it. */
export interface Seen {
  /**
   * The text (or caption), with the platform's formatting written back as markdown (Telegram's bold
   * entity becomes `**…**` again), so one expected text serves every platform.
   */
  text: string;
  /** The length the platform counts against `limits.maxChars` (Telegram: code points of the visible text). */
  length: number;
  /** Button labels, row by row. */
  buttons: string[][];
  files: SeenFile[];
  /** The message this one is shown as a reply to. */
  replyTo: string | undefined;
}

/**
 * What a platform truly cannot do, each with the reason the test is skipped. Absent: it can, and the
 * contract holds it to that.
 */
export interface Cannot {
  /** A user presses a button and the press reaches the bot. */
  press?: string;
  /** A message shown as a reply to another (`OutgoingMessage.replyTo`). */
  reply?: string;
  /** An edit of a message that is not the newest changes it where it is (not reprinted below). */
  editOlderInPlace?: string;
  /** After a restart, an edit of a message the earlier process sent changes it where it is. */
  editAfterRestartInPlace?: string;
  /** After a restart, a press on a button the earlier process sent reaches the new one. */
  pressAfterRestart?: string;
  /** Two messages show a button with the same label: a press on the older one's is told apart. */
  pressOlderOfSameLabel?: string;
}

/**
 * A contract test that fails on this backend because of an adapter bug (reported, not yet fixed):
 * the test runs as `it.fails`, so it turns red once the bug is fixed and the entry can go.
 */
export type KnownBug = 'wide-lines-redraw';

/** The real adapter running against its fake, in one chat, and how to read what its user sees there. */
export interface Harness {
  /** The adapter running now (a new one after `restart()`). */
  readonly adapter: PlatformAdapter;
  readonly chat: ChatRef;
  readonly hooks: RecordingHooks;
  /** The adapter's reply channel for the chat (the console's is watched to tell which lines each call printed). */
  channel(): ReplyChannel;
  /** The message as the user sees it now; undefined when it is not shown. */
  view(ref: MessageRef): Seen | undefined;
  /** Remembers what is shown now; the returned function lists the bot messages shown since, in order. */
  mark(): () => Seen[];
  /** Everything the user sees in the chat from the bot, as text. */
  screen(): string;
  /** Resolves with the first truthy value of `check`, re-checked as the platform changes; bounded. */
  waitFor<T>(check: () => T | undefined | null | false, what: string): Promise<T>;
  /** The user presses the button labelled `label` under the message, as the platform shows it. */
  press(ref: MessageRef, label: string): Promise<void>;
  /**
   * The platform shows that the bot has not finished with a press: a Telegram button still spinning
   * (its callback query unanswered), a Discord "thinking…" not yet filled or removed.
   */
  busy(): boolean;
  /** How many "typing…" indicators the chat was shown. */
  typings(): number;
  /** A message the user writes in the chat (for replies); its id. */
  userMessage(text: string): Promise<string>;
  /** An id no message in the chat has (a deleted one). */
  readonly missingMessageId: string;
  /**
   * Stops the adapter and starts a new one on the same platform (a process restart): messages the
   * first sent stay, and only their MessageRefs connect them to the new one.
   */
  restart(): Promise<void>;
  /** Protocol misuse the fake noticed (malformed requests, unknown routes), control sequences not understood. */
  problems(): string[];
  stop(): Promise<void>;
}

export interface Backend {
  name: string;
  cannot: Cannot;
  knownBugs: readonly KnownBug[];
  start(): Promise<Harness>;
}
