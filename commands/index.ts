import type { AnyCommand } from '../src/core/command.js';
import chat from './chat.js';
import help from './help.js';
import model from './model.js';
import models from './models.js';
import newConversation from './new.js';
import usage from './usage.js';

/** Every command the bot offers, in the order help lists them. */
export const commands: readonly AnyCommand[] = [chat, newConversation, model, models, usage, help];
