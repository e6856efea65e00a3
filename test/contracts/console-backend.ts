import { PassThrough } from 'node:stream';
import type { MediaKind, MessageRef, ReplyChannel } from '../../src/core/platform.js';
import { ConsolePlatform } from '../../src/platforms/console/console-platform.js';
import type { Backend, Harness, Seen, SeenFile } from './harness.js';
import { RecordingHooks, WAIT_MS } from './hooks.js';
import { Terminal } from './terminal.js';

/** A common terminal width; wide enough for every contract text but the one about wrapped lines. */
const TERMINAL_COLUMNS = 80;
/** A pipe has no width: nothing wraps. */
const PIPE_COLUMNS = Number.MAX_SAFE_INTEGER;

const BUTTON_ROW = /^\[[^\]\n]*\](?: \[[^\]\n]*\])*$/;
const FILE_LINE = /^📎 (image|audio|video|file): (.*?)(?: \((\d+) bytes\))?$/;

/** One printed message, read back: its text, then file lines (`📎 image: a.png (68 bytes)`), then button rows. */
function parsePrinted(block: string): Seen {
  const lines = block.split('\n');
  const buttons: string[][] = [];
  while (lines.length > 0 && BUTTON_ROW.test(lines.at(-1)!)) {
    buttons.unshift([...lines.pop()!.matchAll(/\[([^\]\n]*)\]/g)].map((m) => m[1]!));
  }
  const files: SeenFile[] = [];
  for (let m = FILE_LINE.exec(lines.at(-1) ?? ''); m; m = FILE_LINE.exec(lines.at(-1) ?? '')) {
    lines.pop();
    files.unshift({
      kind: m[1] as MediaKind,
      name: m[2],
      size: m[3] === undefined ? undefined : Number(m[3]),
    });
  }
  const text = lines.join('\n');
  return { text, length: text.length, buttons, files, replyTo: undefined };
}

/**
 * The console platform on in-memory streams: lines typed on its input, its output on a {@link Terminal}
 * (a terminal 80 columns wide, or a pipe), read back as the person at it sees it.
 */
function consoleBackend(tty: boolean): Backend {
  return {
    name: tty ? 'console (terminal)' : 'console (pipe)',
    cannot: {
      reply: 'a terminal prints replies one after another; it has no reply threads',
      editAfterRestartInPlace:
        'a new process cannot reach what an earlier one printed; it prints the new text',
      pressAfterRestart: 'a terminal knows only the buttons it printed itself; after a restart [U1] is text',
      pressOlderOfSameLabel:
        'a button is pressed by typing its label, which presses the newest of that label',
      ...(tty
        ? {
            editOlderInPlace:
              'a terminal redraws only its newest message; an older one is printed again below',
          }
        : {}),
    },
    knownBugs: [],
    async start(): Promise<Harness> {
      const terminal = new Terminal(tty, tty ? TERMINAL_COLUMNS : PIPE_COLUMNS);
      const hooks = new RecordingHooks();
      let input = new PassThrough();
      let adapter = new ConsolePlatform({ input, output: terminal, locale: 'en_US.UTF-8', userName: 'ada' });
      await adapter.start(hooks);
      const stop = async () => {
        input.end();
        await adapter.finished;
        await adapter.stop();
      };
      /** The drawings (indexes into terminal.drawings) each message's send and edits made, in order. */
      const drawn = new Map<string, number[]>();
      const note = (ref: MessageRef, from: number) => {
        const list = drawn.get(ref.messageId) ?? [];
        for (let i = from; i < terminal.drawings.length; i++) list.push(i);
        drawn.set(ref.messageId, list);
      };
      const readDrawing = (index: number): Seen | undefined => {
        const d = terminal.drawings[index];
        if (!d) return undefined;
        const block = terminal.read(d.start, d.end);
        return block === '' ? undefined : parsePrinted(block);
      };
      const view = (ref: MessageRef): Seen | undefined => {
        const last = drawn.get(ref.messageId)?.at(-1);
        return last === undefined ? undefined : readDrawing(last);
      };
      return {
        get adapter() {
          return adapter;
        },
        chat: adapter.chat,
        hooks,
        channel(): ReplyChannel {
          // The platform's own channel; each call only notes which lines it printed.
          const inner = adapter.channel();
          return {
            async send(message) {
              const from = terminal.drawings.length;
              const ref = await inner.send(message);
              note(ref, from);
              return ref;
            },
            async edit(ref, message) {
              const from = terminal.drawings.length;
              await inner.edit(ref, message);
              note(ref, from);
            },
          };
        },
        view,
        mark() {
          const from = terminal.drawings.length;
          return () => {
            const out: Seen[] = [];
            const all = terminal.drawings;
            for (let i = from; i < all.length; i++) {
              // A drawing a later one was drawn over (a redraw in place) is no longer there.
              if (all.slice(i + 1).some((later) => later.start < all[i]!.end)) continue;
              const seen = readDrawing(i);
              if (seen) out.push(seen);
            }
            return out;
          };
        },
        screen: () => terminal.read(),
        waitFor<T>(check: () => T | undefined | null | false, what: string): Promise<T> {
          return new Promise((resolve, reject) => {
            const attempt = (): boolean => {
              const value = check();
              if (!value) return false;
              stopListening();
              clearTimeout(timer);
              resolve(value);
              return true;
            };
            const stopListening = terminal.onChange(() => void attempt());
            const timer = setTimeout(() => {
              stopListening();
              reject(new Error(`the terminal did not show ${what} within ${WAIT_MS} ms`));
            }, WAIT_MS);
            attempt();
          });
        },
        async press(ref, label) {
          const shown = view(ref)?.buttons.flat() ?? [];
          if (!shown.includes(label)) throw new Error(`no [${label}] under the message (shown: ${shown})`);
          // A button is pressed by typing its label in brackets.
          input.write(`[${label}]\n`);
        },
        // A terminal has no spinner and no "typing…": the answer is printed when it is ready.
        busy: () => false,
        typings: () => 0,
        async userMessage() {
          throw new Error('the console has no messages to reply to');
        },
        missingMessageId: 'out-gone-1',
        problems: () => [...terminal.problems],
        async restart() {
          await stop();
          // The same terminal, a new process: new input, nothing remembered.
          input = new PassThrough();
          adapter = new ConsolePlatform({ input, output: terminal, locale: 'en_US.UTF-8', userName: 'ada' });
          await adapter.start(hooks);
        },
        stop,
      };
    },
  };
}

export const consolePipe = consoleBackend(false);
export const consoleTerminal = consoleBackend(true);
