import type { AnyCommand } from '../src/core/command.js';
import chat, { regenerate, stop } from './chat.js';
import describe from './describe.js';
import draw from './draw.js';
import help from './help.js';
import imagine from './imagine.js';
import lyrics from './lyrics.js';
import mjAction from './mj-action.js';
import model from './model.js';
import models from './models.js';
import newConversation from './new.js';
import song from './song.js';
import speak from './speak.js';
import start from './start.js';
import system from './system.js';
import usage from './usage.js';
import video from './video.js';

/** Every command the bot offers, in the order help lists them. */
export const commands: readonly AnyCommand[] = [
  chat,
  newConversation,
  describe,
  imagine,
  draw,
  song,
  lyrics,
  video,
  speak,
  model,
  system,
  models,
  usage,
  help,
  start,
  mjAction,
  stop,
  regenerate,
];
