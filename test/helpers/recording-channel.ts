import type { MessageRef, OutgoingMessage, ReplyChannel } from '../../src/core/platform.js';

export interface RecordedOp {
  op: 'send' | 'edit' | 'draft' | 'delete';
  at: number;
  messageId: string;
  text: string;
}

/**
 * A ReplyChannel that keeps what a user would see: each message's current text, every request
 * with its time (Date.now, so fake timers apply), and a latency per request like a real platform.
 */
export class RecordingChannel implements ReplyChannel {
  readonly ops: RecordedOp[] = [];
  readonly messages = new Map<string, string>();
  readonly order: string[] = [];
  draft?: (draftId: number, text: string) => Promise<boolean>;
  /** Present with `deletes: true`: a deleted message leaves `visible()`. */
  delete?: (ref: MessageRef) => Promise<void>;
  #next = 1;

  constructor(
    private readonly latencyMs = 30,
    options: { drafts?: 'accept' | 'refuse'; deletes?: boolean } = {},
  ) {
    if (options.deletes) {
      this.delete = async (ref) => {
        if (!this.messages.has(ref.messageId)) throw new Error(`delete of unknown message ${ref.messageId}`);
        this.ops.push({ op: 'delete', at: Date.now(), messageId: ref.messageId, text: '' });
        await this.#wait();
        this.messages.delete(ref.messageId);
        this.order.splice(this.order.indexOf(ref.messageId), 1);
      };
    }
    if (options.drafts) {
      const accept = options.drafts === 'accept';
      this.draft = async (draftId, text) => {
        await this.#wait();
        if (accept) this.ops.push({ op: 'draft', at: Date.now(), messageId: `draft-${draftId}`, text });
        return accept;
      };
    }
  }

  #wait(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.latencyMs));
  }

  async send(message: OutgoingMessage): Promise<MessageRef> {
    const id = String(this.#next++);
    this.ops.push({ op: 'send', at: Date.now(), messageId: id, text: message.text });
    await this.#wait();
    this.messages.set(id, message.text);
    this.order.push(id);
    return { chatId: 'c', messageId: id };
  }

  async edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    if (!this.messages.has(ref.messageId)) throw new Error(`edit of unknown message ${ref.messageId}`);
    this.ops.push({ op: 'edit', at: Date.now(), messageId: ref.messageId, text: message.text });
    await this.#wait();
    this.messages.set(ref.messageId, message.text);
  }

  /** The texts the user sees now, in message order. */
  visible(): string[] {
    return this.order.map((id) => this.messages.get(id) ?? '');
  }

  /** Requests whose text equals what that message already showed (must be none). */
  unchangedEdits(): RecordedOp[] {
    const last = new Map<string, string>();
    const bad: RecordedOp[] = [];
    for (const op of this.ops) {
      if (op.op === 'edit' && last.get(op.messageId) === op.text) bad.push(op);
      last.set(op.messageId, op.text);
    }
    return bad;
  }

  /** Most requests seen in any window of `ms`. */
  maxInWindow(ms: number, ops: RecordedOp[] = this.ops): number {
    const times = ops.map((o) => o.at).sort((a, b) => a - b);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= ms) start++;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }
}
