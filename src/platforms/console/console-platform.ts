import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import stringWidth from 'string-width';
import type {
  AdapterHooks,
  ChatRef,
  Invocation,
  MessageRef,
  OutgoingMessage,
  PlatformAdapter,
  PlatformLimits,
  ReplyChannel,
  UserRef,
} from '../../core/platform.js';
import { parseLine } from './parse-line.js';

/** A terminal redraws fast; keep edits at most this often so output stays readable. */
const TTY_EDIT_INTERVAL_MS = 80;
const MAX_CHARS = 8_000;

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: Writable & { isTTY?: boolean; columns?: number };
  /** Locale of the person at the terminal (from LANG). */
  locale?: string | undefined;
  userName?: string | undefined;
}

interface Printed {
  text: string;
  buttons: string;
  files: string;
}

/**
 * The terminal as a platform. On a terminal each reply grows in place; when standard output is a
 * pipe, each reply is printed once, final, after its command finished (later edits, such as task
 * status, are printed as lines), so the output can be read by another program.
 */
export class ConsolePlatform implements PlatformAdapter {
  readonly name = 'console';
  readonly chat: ChatRef = { platform: 'console', id: 'local', kind: 'private' };
  readonly #user: UserRef;
  readonly #live: boolean;
  readonly #messages = new Map<string, Printed>();
  /** Messages of the running command, printed when it ends (pipe mode). */
  #pending: string[] = [];
  #running = false;
  #seq = 0;
  /** Message ids stay unique across restarts, so a task never edits another run's message by mistake. */
  readonly #runId = Date.now().toString(36);
  /** The message drawn last on the terminal and how many lines it took. */
  #drawn: { id: string; lines: number } | undefined;
  #finished: Promise<void> | undefined;
  /** The newest button for each label, so typing `[U1]` presses it. */
  readonly #buttons = new Map<string, string>();

  constructor(private readonly options: ConsoleOptions) {
    this.#live = Boolean(options.output.isTTY);
    this.#user = { id: 'local', name: options.userName ?? 'you', locale: options.locale };
  }

  limits(): PlatformLimits {
    const unlimited = { count: 1_000_000, perMs: 1000 };
    return {
      maxChars: MAX_CHARS,
      maxCaptionChars: MAX_CHARS,
      maxUploadBytes: Number.MAX_SAFE_INTEGER,
      maxDownloadBytes: 20 * 1024 * 1024,
      minEditIntervalMs: this.#live ? TTY_EDIT_INTERVAL_MS : 0,
      privateBudget: unlimited,
      groupBudget: unlimited,
      liveEdits: this.#live,
      nextLineAnswers: true,
    };
  }

  channel(): ReplyChannel {
    return {
      send: async (message) => this.#send(message),
      edit: async (ref, message) => this.#edit(ref, message),
      delete: async (ref) => this.#delete(ref),
    };
  }

  /** Resolves once input has ended and every command it started has finished. */
  get finished(): Promise<void> {
    return this.#finished ?? Promise.resolve();
  }

  async start({ dispatch }: AdapterHooks): Promise<void> {
    const lines = createInterface({
      input: this.options.input,
      terminal: false,
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    this.#finished = (async () => {
      // One line at a time: the next question may continue the previous answer's conversation.
      for await (const line of lines) {
        if (!line.trim()) continue;
        await this.#run(line, dispatch);
      }
    })();
  }

  async stop(): Promise<void> {
    this.options.input.pause?.();
  }

  async #run(line: string, dispatch: (invocation: Invocation) => Promise<void>): Promise<void> {
    const parsed = parseLine(line);
    const messageId = `in-${this.#runId}-${++this.#seq}`;
    const pressed = /^\[(.+)\]$/.exec(line.trim())?.[1];
    const button = pressed === undefined ? undefined : this.#buttons.get(pressed);
    const event: Invocation['event'] = button
      ? { type: 'button', data: button }
      : parsed.command
        ? { type: 'command', name: parsed.command, args: {}, text: parsed.text, files: parsed.files }
        : { type: 'message', text: parsed.text, files: parsed.files };
    this.#running = true;
    try {
      await dispatch({ user: this.#user, chat: this.chat, channel: this.channel(), messageId, event });
    } finally {
      this.#running = false;
      this.#flushPending();
    }
  }

  #render(m: Printed): string {
    return [m.text, m.files, m.buttons].filter((s) => s).join('\n');
  }

  #send(message: OutgoingMessage): MessageRef {
    const id = `out-${this.#runId}-${++this.#seq}`;
    this.#messages.set(id, this.#toPrinted(message));
    if (this.#live) this.#draw(id, true);
    else if (this.#running) this.#pending.push(id);
    else this.#write(`${this.#render(this.#messages.get(id)!)}\n`);
    return { chatId: this.chat.id, messageId: id };
  }

  #edit(ref: MessageRef, message: OutgoingMessage): void {
    const before = this.#messages.get(ref.messageId);
    if (!before) {
      // A message from before a restart: the terminal can't change it, so the new text is printed.
      this.#send(message);
      return;
    }
    const after = this.#toPrinted(message, before);
    this.#messages.set(ref.messageId, after);
    if (this.#live) this.#draw(ref.messageId, false);
    else if (!this.#running || !this.#pending.includes(ref.messageId))
      this.#write(`${this.#render(after)}\n`);
  }

  /**
   * Forgets a message: not printed at all when still pending (pipe mode), erased when it is the one
   * drawn last on the terminal; a line already scrolled past stays.
   */
  #delete(ref: MessageRef): void {
    if (!this.#messages.delete(ref.messageId)) return;
    this.#pending = this.#pending.filter((id) => id !== ref.messageId);
    if (this.#live && this.#drawn?.id === ref.messageId) {
      this.#write(`\x1b[${this.#drawn.lines}F\x1b[J`);
      this.#drawn = undefined;
    }
  }

  #toPrinted(message: OutgoingMessage, before?: Printed): Printed {
    for (const b of message.buttons?.flat() ?? []) this.#buttons.set(b.label, b.data);
    const buttons = message.buttons?.length
      ? message.buttons.map((row) => row.map((b) => `[${b.label}]`).join(' ')).join('\n')
      : message.buttons
        ? ''
        : (before?.buttons ?? '');
    const files = message.files?.length
      ? message.files
          .map((f) => `📎 ${f.kind}: ${f.url ?? `${f.name} (${f.data?.length ?? 0} bytes)`}`)
          .join('\n')
      : (before?.files ?? '');
    return { text: message.text, buttons, files };
  }

  #flushPending(): void {
    for (const id of this.#pending) {
      const m = this.#messages.get(id);
      if (m) this.#write(`${this.#render(m)}\n`);
    }
    this.#pending = [];
  }

  /** Redraws the last message in place; a new or older message is printed below. */
  #draw(id: string, isNew: boolean): void {
    const text = this.#render(this.#messages.get(id)!);
    const width = Math.max(20, this.options.output.columns ?? 80);
    // Rows on screen, by display width: a Chinese character takes two columns, a joined emoji two.
    const lines = text.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil(stringWidth(l) / width)), 0);
    if (!isNew && this.#drawn?.id === id) this.#write(`\x1b[${this.#drawn.lines}F\x1b[J`);
    this.#write(`${text}\n`);
    this.#drawn = { id, lines };
  }

  #write(s: string): void {
    this.options.output.write(s);
  }
}
