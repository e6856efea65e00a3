import type { ReplyChannel } from '../core/platform.js';
import type { ChatScheduler } from './scheduler.js';

/**
 * A channel whose every send and edit first waits for the chat's scheduler, for code that is
 * not the stream renderer (command replies, task status updates and deliveries).
 */
export function pacedChannel(channel: ReplyChannel, scheduler: ChatScheduler): ReplyChannel {
  return {
    send: async (message) => {
      await scheduler.acquire('send', true);
      return channel.send(message);
    },
    edit: async (ref, message) => {
      await scheduler.acquire(`edit:${ref.messageId}`);
      return channel.edit(ref, message);
    },
  };
}
