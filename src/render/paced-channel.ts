import type { ReplyChannel } from '../core/platform.js';
import type { ChatScheduler } from './scheduler.js';

/**
 * A channel whose every send and edit first waits for the chat's scheduler, for code that is
 * not the stream renderer (command replies, task status updates and deliveries). Each operation
 * ends when its request came back, so it is stamped after the platform saw it (see `begin`).
 */
export function pacedChannel(channel: ReplyChannel, scheduler: ChatScheduler): ReplyChannel {
  return {
    send: async (message) => {
      const end = await scheduler.begin('send', true);
      try {
        return await channel.send(message);
      } finally {
        end();
      }
    },
    edit: async (ref, message) => {
      const end = await scheduler.begin(`edit:${ref.messageId}`);
      try {
        return await channel.edit(ref, message);
      } finally {
        end();
      }
    },
  };
}
