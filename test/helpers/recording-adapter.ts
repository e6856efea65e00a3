import type {
  ChatRef,
  MessageRef,
  OutgoingFile,
  OutgoingMessage,
  PlatformAdapter,
  PlatformLimits,
  ReplyChannel,
} from '../../src/core/platform.js';

export interface SeenMessage {
  id: string;
  chatId: string;
  text: string;
  files: OutgoingFile[];
  buttons: string[][];
  /** Every text it showed, first included. */
  texts: string[];
}

export const TEST_LIMITS: PlatformLimits = {
  maxChars: 4096,
  maxCaptionChars: 1024,
  maxUploadBytes: 10 * 1024 * 1024,
  maxDownloadBytes: 20 * 1024 * 1024,
  minEditIntervalMs: 0,
  privateBudget: { count: 1000, perMs: 1000 },
  groupBudget: { count: 1000, perMs: 1000 },
  liveEdits: true,
};

/**
 * A platform that keeps what each chat shows. `failSendWhen` makes a send throw after the message
 * was shown, like a process dying right after the platform accepted it; `refuseSendWhen` makes it
 * throw without showing anything, like a 5xx or a 429 past the client's retries.
 */
export class RecordingAdapter implements PlatformAdapter {
  readonly name: string;
  readonly messages: SeenMessage[] = [];
  failSendWhen: ((message: OutgoingMessage) => boolean) | undefined;
  refuseSendWhen: ((message: OutgoingMessage) => boolean) | undefined;
  /** Sends refused so far. */
  refused = 0;
  #next = 1;

  constructor(
    name = 'test',
    private readonly limitsValue: PlatformLimits = TEST_LIMITS,
  ) {
    this.name = name;
  }

  limits(): PlatformLimits {
    return this.limitsValue;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  channel(chat: ChatRef): ReplyChannel {
    return {
      send: async (message): Promise<MessageRef> => {
        if (this.refuseSendWhen?.(message)) {
          this.refused++;
          throw new Error('502 Bad Gateway');
        }
        const id = String(this.#next++);
        this.messages.push({
          id,
          chatId: chat.id,
          text: message.text,
          files: message.files ?? [],
          buttons: (message.buttons ?? []).map((row) => row.map((b) => b.label)),
          texts: [message.text],
        });
        if (this.failSendWhen?.(message)) throw new Error('crashed right after sending');
        return { chatId: chat.id, messageId: id };
      },
      edit: async (ref, message) => {
        const m = this.messages.find((x) => x.id === ref.messageId);
        if (!m) throw new Error(`unknown message ${ref.messageId}`);
        m.text = message.text;
        m.texts.push(message.text);
      },
    };
  }

  /** Messages carrying a file of `kind`. */
  withFiles(kind: OutgoingFile['kind']): SeenMessage[] {
    return this.messages.filter((m) => m.files.some((f) => f.kind === kind));
  }
}
