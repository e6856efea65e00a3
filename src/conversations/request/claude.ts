import type { ClaudeBlock, ClaudeMessage, ClaudeRequest } from '../../core/apicore.js';
import type { ChatSettings } from '../../core/command.js';
import { parseDataUrl } from '../../core/media.js';
import type { Turn } from '../history.js';
import { turnText } from './openai.js';
import { claudeLimits } from './params.js';

/**
 * A /v1/messages request for `messages`: the chat's system prompt as `system`, `max_tokens`
 * always (the chat's cap, else CLAUDE_MAX_TOKENS) and, for `*-thinking` models, a thinking budget
 * on top of it (see claudeLimits). Tools are added per round by the tool loop.
 */
export function claudeRequest(
  model: string,
  messages: ClaudeMessage[],
  system: string | undefined,
  settings: Pick<ChatSettings, 'maxTokens' | 'reasoningEffort' | 'verbosity'>,
): ClaudeRequest {
  return { model, ...claudeLimits(model, settings), messages, ...(system ? { system } : {}) };
}

export function toClaude(turns: Turn[], group: boolean): ClaudeMessage[] {
  return turns.map((turn) => {
    const text = turnText(turn, group);
    if (turn.role === 'user' && (turn.images?.length || turn.documents?.length)) {
      // Documents first, then images, then the question (Anthropic: put long documents first).
      const blocks: ClaudeBlock[] = [];
      for (const doc of turn.documents ?? []) {
        blocks.push({
          type: 'document',
          source: { type: 'base64', media_type: doc.mime, data: doc.data },
          title: doc.name,
        });
      }
      for (const url of turn.images ?? []) {
        const d = parseDataUrl(url);
        if (d) blocks.push({ type: 'image', source: { type: 'base64', media_type: d.mime, data: d.base64 } });
      }
      // An empty text block is refused; a document alone is a question in itself.
      if (text || blocks.length === 0) blocks.push({ type: 'text', text });
      return { role: 'user', content: blocks };
    }
    return { role: turn.role, content: text };
  });
}
