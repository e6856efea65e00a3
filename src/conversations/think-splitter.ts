const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Separates `<think>…</think>` spans that some channels put inline in `content` from the
 * answer, incrementally: a tag split across two deltas is recognised, and text that might be the
 * start of a tag is held back until the next delta decides.
 */
export class ThinkSplitter {
  #inThink = false;
  #held = '';

  /** Feeds one delta; returns the answer and reasoning text it completes. */
  push(delta: string): { text: string; reasoning: string } {
    let input = this.#held + delta;
    this.#held = '';
    let text = '';
    let reasoning = '';
    while (input.length > 0) {
      const tag = this.#inThink ? CLOSE : OPEN;
      const at = input.indexOf(tag);
      if (at >= 0) {
        if (this.#inThink) reasoning += input.slice(0, at);
        else text += input.slice(0, at);
        input = input.slice(at + tag.length);
        this.#inThink = !this.#inThink;
        continue;
      }
      // Hold back a suffix that could be the beginning of the tag.
      let keep = 0;
      for (let n = Math.min(tag.length - 1, input.length); n > 0; n--) {
        if (tag.startsWith(input.slice(input.length - n))) {
          keep = n;
          break;
        }
      }
      const out = input.slice(0, input.length - keep);
      if (this.#inThink) reasoning += out;
      else text += out;
      this.#held = input.slice(input.length - keep);
      input = '';
    }
    return { text, reasoning };
  }

  /** Whatever was held back, once the stream has ended. */
  flush(): { text: string; reasoning: string } {
    const rest = this.#held;
    this.#held = '';
    return this.#inThink ? { text: '', reasoning: rest } : { text: rest, reasoning: '' };
  }
}
