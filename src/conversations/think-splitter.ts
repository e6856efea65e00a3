const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Separates the `<think>…</think>` span that some models (see THINK_TAG_MODELS) put at the very
 * start of `content` from the answer, incrementally: a tag split across deltas is recognised, and
 * text that might still be the opening tag is held back until the next delta decides.
 *
 * Only a span that opens the content (after whitespace) is reasoning. Once any other character
 * arrived, or the span closed, everything is answer text, printed verbatim: an answer that talks
 * about `<think>` blocks keeps them. A splitter made with `enabled` false passes text through.
 */
export class ThinkSplitter {
  /** `start`: nothing but whitespace seen; `think`: inside the leading span; `after`: just left it; `text`: the rest. */
  #state: 'start' | 'think' | 'after' | 'text';
  #held = '';

  constructor(enabled = true) {
    this.#state = enabled ? 'start' : 'text';
  }

  /** Feeds one delta; returns the answer and reasoning text it completes. */
  push(delta: string): { text: string; reasoning: string } {
    if (this.#state === 'text') return { text: delta, reasoning: '' };
    let input = this.#held + delta;
    this.#held = '';
    let text = '';
    let reasoning = '';
    if (this.#state === 'start') {
      const body = input.trimStart();
      if (body.startsWith(OPEN)) {
        input = body.slice(OPEN.length);
        this.#state = 'think';
      } else if (OPEN.startsWith(body)) {
        // Whitespace and perhaps the beginning of the tag: wait for more.
        this.#held = input;
        return { text, reasoning };
      } else {
        this.#state = 'text';
        return { text: input, reasoning };
      }
    }
    if (this.#state === 'think') {
      const at = input.indexOf(CLOSE);
      if (at < 0) {
        const keep = partialSuffix(input, CLOSE);
        reasoning = input.slice(0, input.length - keep);
        this.#held = input.slice(input.length - keep);
        return { text, reasoning };
      }
      reasoning = input.slice(0, at);
      input = input.slice(at + CLOSE.length);
      this.#state = 'after';
    }
    // The blank lines between the span and the answer are layout, not answer.
    const body = input.trimStart();
    if (body) {
      this.#state = 'text';
      text = body;
    }
    return { text, reasoning };
  }

  /** Whatever was held back, once the stream has ended. */
  flush(): { text: string; reasoning: string } {
    const rest = this.#held;
    this.#held = '';
    if (this.#state === 'think') return { text: '', reasoning: rest };
    // A stream that ended on `<thi` or on whitespace: that was the answer.
    return { text: this.#state === 'start' ? rest : '', reasoning: '' };
  }
}

/** Length of the longest suffix of `input` that is a proper prefix of `tag`. */
function partialSuffix(input: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, input.length); n > 0; n--) {
    if (tag.startsWith(input.slice(input.length - n))) return n;
  }
  return 0;
}
