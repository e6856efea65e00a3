import type { CommandContext } from '../../src/core/command.js';
import { inputError } from '../../src/errors.js';

/**
 * Refuses, with a short explanation in the user's language, unless the sender may change this
 * chat's settings (a chat administrator or a configured admin in groups; anyone in a private chat).
 */
export async function requireChatAdmin(ctx: CommandContext<unknown>): Promise<void> {
  if (await ctx.mayChangeChatSettings()) return;
  throw inputError(
    '🔒 Only the group’s admins can change its settings. You can still use them, or set your own in a private chat with me.',
    '🔒 只有群管理员可以修改本群的设置。你仍可正常使用，也可以在与我的私聊中自行设置。',
  );
}
