import type { ChatMessage, ContentPart } from '../../core/apicore.js';
import type { Turn } from '../history.js';

/** The text of a turn as the model sees it: in a group, a question is prefixed with its author. */
export function turnText(turn: Turn, group: boolean): string {
  return group && turn.role === 'user' && turn.author ? `${turn.author}: ${turn.text}` : turn.text;
}

export function toOpenAi(system: string | undefined, turns: Turn[], group: boolean): ChatMessage[] {
  const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const turn of turns) {
    const text = turnText(turn, group);
    if (turn.role === 'user' && turn.images?.length) {
      const parts: ContentPart[] = [{ type: 'text', text }];
      for (const url of turn.images) parts.push({ type: 'image_url', image_url: { url } });
      messages.push({ role: 'user', content: parts });
    } else {
      messages.push({ role: turn.role, content: text });
    }
  }
  return messages;
}
