import type { AnyCommand } from '../src/core/command.js';
import chat, { regenerate, stop } from './chat.js';
import help from './help.js';
import draw from './images/draw.js';
import lyrics from './lyrics.js';
import mjAction from './midjourney/action.js';
import blend from './midjourney/blend.js';
import describe from './midjourney/describe.js';
import imagine from './midjourney/imagine.js';
import mjModal from './midjourney/modal.js';
import mjRegion from './midjourney/region.js';
import mjSeed from './midjourney/seed.js';
import shorten from './midjourney/shorten.js';
import swapface from './midjourney/swapface.js';
import model from './model.js';
import models from './models.js';
import newConversation from './new.js';
import { timing as songTiming, video as songVideo, wav as songWav } from './song/actions/act.js';
import songConcat from './song/actions/concat.js';
import songCover from './song/actions/cover.js';
import songExtend from './song/actions/extend.js';
import songInfill from './song/actions/infill.js';
import songMore from './song/actions/more.js';
import songPersona from './song/actions/persona.js';
import songStems from './song/actions/stems.js';
import song from './song/index.js';
import speak from './speak.js';
import start from './start.js';
import system from './system.js';
import usage from './usage.js';
import videoExtend from './video/extend.js';
import video from './video/index.js';

/** Every command the bot offers, in the order help lists them. */
export const commands: readonly AnyCommand[] = [
  chat,
  newConversation,
  describe,
  imagine,
  blend,
  swapface,
  shorten,
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
  mjModal,
  mjRegion,
  mjSeed,
  videoExtend,
  songExtend,
  songConcat,
  songCover,
  songMore,
  songInfill,
  songPersona,
  songStems,
  songWav,
  songVideo,
  songTiming,
  stop,
  regenerate,
];
