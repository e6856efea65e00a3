/**
 * Strict checks and replies for Claude-native `/v1/messages` content: tools, tool_use /
 * tool_result pairing, and PDF `document` blocks.
 *
 * Replies (non-fault models):
 * - the last user turn carries tool_result blocks → text `Tool result: <their text>`;
 * - `tools` were sent and the last user text contains `[tool:NAME]` for one of them → one
 *   `tool_use` block calling NAME with `{"prompt": <the text without the marker>}`;
 * - otherwise the usual `Echo: <text>`, followed by ` [document application/pdf N bytes]` for each
 *   PDF document block in the last user turn.
 */
import { isNonEmptyString, isObject, type JsonBody, type Problem } from './route.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function blocksOf(message: unknown): JsonBody[] {
  const content = isObject(message) ? message.content : undefined;
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function toolsProblem(tools: unknown): Problem | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return 'tools must be an array';
  const names = new Set<string>();
  for (const tool of tools) {
    if (!isObject(tool) || !isNonEmptyString(tool.name) || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name))
      return 'tools[].name must match ^[a-zA-Z0-9_-]{1,64}$';
    if (names.has(tool.name)) return `tool names must be unique: ${tool.name}`;
    names.add(tool.name);
    if (tool.description !== undefined && typeof tool.description !== 'string')
      return 'tools[].description must be a string';
    if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object')
      return 'tools[].input_schema must be a JSON schema object with type "object"';
  }
  return undefined;
}

function documentProblem(block: JsonBody): Problem | undefined {
  const source = block.source;
  if (!isObject(source)) return 'document.source is required';
  if (source.type === 'url')
    return isNonEmptyString(source.url) ? undefined : 'document.source.url is required';
  if (source.type !== 'base64') return 'document.source.type must be base64 or url';
  if (source.media_type !== 'application/pdf') return 'document.source.media_type must be application/pdf';
  if (typeof source.data !== 'string' || !BASE64.test(source.data))
    return 'document.source.data must be plain base64 (no data: prefix)';
  return undefined;
}

/** The first problem with tools and content blocks, as Anthropic would refuse them. */
export function claudeContentProblem(j: JsonBody): Problem | undefined {
  const toolsBad = toolsProblem(j.tools);
  if (toolsBad) return toolsBad;
  const messages = Array.isArray(j.messages) ? j.messages : [];
  const toolUseIds = new Set<string>();
  for (const [i, message] of messages.entries()) {
    const role = isObject(message) ? message.role : undefined;
    if (role !== 'user' && role !== 'assistant') return `messages[${i}].role must be user or assistant`;
    for (const block of blocksOf(message)) {
      switch (block.type) {
        case 'text':
          if (typeof block.text !== 'string') return `messages[${i}]: text block needs text`;
          break;
        case 'tool_use':
          if (role !== 'assistant') return `messages[${i}]: tool_use blocks belong to assistant turns`;
          if (!isNonEmptyString(block.id) || !isNonEmptyString(block.name) || !isObject(block.input))
            return `messages[${i}]: tool_use needs id, name and an input object`;
          toolUseIds.add(block.id);
          break;
        case 'tool_result':
          if (role !== 'user') return `messages[${i}]: tool_result blocks belong to user turns`;
          if (!isNonEmptyString(block.tool_use_id) || !toolUseIds.has(block.tool_use_id))
            return `messages[${i}]: tool_result.tool_use_id ${String(block.tool_use_id)} has no matching tool_use before it`;
          if (typeof block.content !== 'string' && !Array.isArray(block.content))
            return `messages[${i}]: tool_result.content must be a string or blocks`;
          break;
        case 'document': {
          if (role !== 'user') return `messages[${i}]: document blocks belong to user turns`;
          const bad = documentProblem(block);
          if (bad) return `messages[${i}]: ${bad}`;
          break;
        }
        default:
          break;
      }
    }
  }
  return undefined;
}

export type ClaudeReply =
  | { text: string }
  | { toolUse: { id: string; name: string; input: { prompt: string } } };

function textOfResult(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is { text: string } => isObject(p) && p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

/** What the fake answers to a valid request (see the file comment). */
let toolUseSeq = 0;

export function claudeReply(j: JsonBody, lastUserText: string): ClaudeReply {
  const messages = Array.isArray(j.messages) ? j.messages : [];
  const last = [...messages].reverse().find((m) => isObject(m) && m.role === 'user');
  const blocks = blocksOf(last);
  const results = blocks.filter((b) => b.type === 'tool_result');
  if (results.length > 0)
    return { text: `Tool result: ${results.map((r) => textOfResult(r.content)).join('\n')}` };
  const names = Array.isArray(j.tools) ? j.tools.filter(isObject).map((t) => String(t.name)) : [];
  const marker = /\[tool:([a-zA-Z0-9_-]+)\]/.exec(lastUserText);
  if (marker && names.includes(marker[1]!)) {
    const prompt = lastUserText.replace(marker[0], '').trim();
    toolUseSeq += 1;
    return { toolUse: { id: `toolu_fake_${toolUseSeq}`, name: marker[1]!, input: { prompt } } };
  }
  const docs = blocks
    .filter((b) => b.type === 'document' && isObject(b.source))
    .map((b) => {
      const source = b.source as JsonBody;
      return source.type === 'base64'
        ? ` [document application/pdf ${Buffer.from(String(source.data), 'base64').length} bytes]`
        : ` [document ${String(source.url)}]`;
    });
  return { text: `Echo: ${lastUserText}${docs.join('')}` };
}
