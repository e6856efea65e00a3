import { PassThrough, Writable } from 'node:stream';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { AnyCommand } from '../../src/core/command.js';
import type { Store } from '../../src/core/store.js';
import { createLogger } from '../../src/log.js';
import { ConsolePlatform } from '../../src/platforms/console/console-platform.js';
import { memoryStore } from '../../src/store/index.js';
import { FAKE_API_KEY, type FakeApiCore } from '../fakes/apicore.js';

export interface ConsoleRun {
  /** What standard output showed. */
  output: string;
  /** Log lines (JSON) the app wrote. */
  logs: string[];
}

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs the bot's console platform in-process against the fake APICore: feeds `lines` on
 * standard input, ends it, and waits until the console has finished every command.
 */
export async function runConsole(
  fake: FakeApiCore,
  /** Lines to type; `{ after }` waits until the output matches before typing the rest. */
  lines: (string | { after: RegExp })[],
  options: {
    env?: Record<string, string>;
    store?: Store;
    locale?: string;
    tty?: boolean;
    /** The commands to run (default: the bot's own). */
    commands?: readonly AnyCommand[];
  } = {},
): Promise<ConsoleRun> {
  const input = new PassThrough();
  const output = new Capture(options.tty ?? false);
  const logs: string[] = [];
  const config = loadConfig({
    APICORE_API_KEY: FAKE_API_KEY,
    APICORE_BASE_URL: fake.url,
    STORE_URL: 'memory',
    DEFAULT_MODEL: 'gpt-4o-mini',
    ...options.env,
  });
  const log = createLogger({
    level: 'debug',
    secrets: [FAKE_API_KEY],
    destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
  });
  const platform = new ConsolePlatform({ input, output, locale: options.locale ?? 'en_US.UTF-8' });
  const app: App = createApp({
    config,
    log,
    adapters: [platform],
    store: options.store ?? memoryStore(),
    ...(options.commands ? { commands: options.commands } : {}),
  });
  await app.start();
  for (const line of lines) {
    if (typeof line === 'string') input.write(`${line}\n`);
    else await until(() => line.after.test(output.text), `output to match ${line.after}`);
  }
  input.end();
  await platform.finished;
  await app.poller.idle();
  await app.stop(1000);
  return { output: output.text, logs };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
