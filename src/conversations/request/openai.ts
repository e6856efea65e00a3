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
    if (turn.role === 'user' && (turn.images?.length || turn.documents?.length)) {
      const parts: ContentPart[] = text ? [{ type: 'text', text }] : [];
      for (const url of turn.images ?? []) parts.push({ type: 'image_url', image_url: { url } });
      // PDFs reach only models that read them (Gemini: inputs/files.ts decides). They go as a
      // data URI in an `image_url` part, as the gateways document for Gemini (catalogue §6.2):
      // the gateway turns any data URI into Gemini inline data by its MIME type. The OpenAI
      // `file` part ({type:'file', file:{filename, file_data}}) is documented there for Claude in
      // OpenAI format only, and our Claude models use the native endpoint.
      for (const doc of turn.documents ?? []) {
        parts.push({ type: 'image_url', image_url: { url: `data:${doc.mime};base64,${doc.data}` } });
      }
      messages.push({ role: 'user', content: parts });
    } else {
      messages.push({ role: turn.role, content: text });
    }
  }
  return messages;
}
