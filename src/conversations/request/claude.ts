import type { ClaudeBlock, ClaudeMessage } from '../../core/apicore.js';
import { parseDataUrl } from '../../core/media.js';
import type { Turn } from '../history.js';
import { turnText } from './openai.js';

export const CLAUDE_MAX_TOKENS = 8_192;
export const CLAUDE_THINKING_BUDGET_TOKENS = 4_096;

/** Claude models go to the native /v1/messages endpoint; everything else to chat completions. */
export function isClaudeModel(model: string): boolean {
  return /^claude/i.test(model);
}

export function toClaude(turns: Turn[], group: boolean): ClaudeMessage[] {
  return turns.map((turn) => {
    const text = turnText(turn, group);
    if (turn.role === 'user' && turn.images?.length) {
      const blocks: ClaudeBlock[] = [];
      for (const url of turn.images) {
        const d = parseDataUrl(url);
        if (d) blocks.push({ type: 'image', source: { type: 'base64', media_type: d.mime, data: d.base64 } });
      }
      blocks.push({ type: 'text', text });
      return { role: 'user', content: blocks };
    }
    return { role: turn.role, content: text };
  });
}
