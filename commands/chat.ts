import { defineCommand, REGENERATE_COMMAND, STOP_COMMAND } from '../src/core/command.js';
import { inputError } from '../src/errors.js';

export default defineCommand({
  name: 'chat',
  cost: 'chat',
  description: { en: 'Chat with the AI (remembers the conversation)', zh: '与 AI 对话（会记住上下文）' },
  options: [
    {
      name: 'prompt',
      type: 'text',
      description: { en: 'What to ask', zh: '要问的内容' },
      maxLength: 32_000,
    },
    { name: 'image', type: 'image', description: { en: 'An image to ask about', zh: '要询问的图片' } },
    { name: 'file', type: 'file', description: { en: 'A text file to ask about', zh: '要询问的文本文件' } },
    { name: 'audio', type: 'audio', description: { en: 'A voice note to answer', zh: '要回答的语音' } },
  ],
  async run(ctx) {
    const { prompt = '', image, file, audio } = ctx.args;
    // A file that turns out to be an image is read as one.
    // An album's further photos come as loose files.
    const images = [
      image,
      file?.kind === 'image' ? file : undefined,
      ...ctx.moreFiles.filter((f) => f.kind === 'image'),
    ].filter((f) => f !== undefined);
    const files = file && file.kind !== 'image' ? [file] : [];
    await ctx.chatService.answer(ctx, { text: prompt, images, files, audio: audio ? [audio] : [] });
  },
});

const ALREADY_FINISHED = {
  en: 'This answer has already finished.',
  zh: '这个回答已经结束了。',
};
const NOT_YOURS = {
  en: 'Only the person who asked can stop this answer.',
  zh: '只有提问的人才能停止这个回答。',
};
const USE_THE_BUTTON = {
  en: 'Press ⏹ Stop under an answer that is being written to stop it.',
  zh: '要停止正在生成的回答，请点击它下方的 ⏹ 停止。',
};

/**
 * Stops a running answer: pressed as the Stop button under it (`answer`), or sent by the
 * platform's own stop on a draft (`draft`). The text so far stays, marked stopped.
 */
export const stop = defineCommand({
  name: STOP_COMMAND,
  hidden: true,
  description: { en: 'Stop an answer that is being written', zh: '停止正在生成的回答' },
  options: [
    { name: 'answer', type: 'text', description: { en: 'The answer’s id', zh: '回答的编号' } },
    {
      name: 'draft',
      type: 'integer',
      min: 1,
      description: { en: 'The draft’s id', zh: '草稿的编号' },
    },
  ],
  async run(ctx) {
    const { answer, draft } = ctx.args;
    if (answer === undefined && draft === undefined) throw inputError(USE_THE_BUTTON.en, USE_THE_BUTTON.zh);
    const result = await ctx.chatService.stop(ctx, { answer, draft });
    if (result === 'finished') throw inputError(ALREADY_FINISHED.en, ALREADY_FINISHED.zh);
    if (result === 'forbidden') throw inputError(NOT_YOURS.en, NOT_YOURS.zh);
  },
});

/** Asks a finished answer's question again (its Regenerate button); the new answer replaces it. */
export const regenerate = defineCommand({
  name: REGENERATE_COMMAND,
  hidden: true,
  cost: 'chat',
  description: { en: 'Ask the same question again', zh: '重新回答同一个问题' },
  options: [
    {
      name: 'conversation',
      type: 'text',
      required: true,
      description: { en: 'The conversation’s id', zh: '对话的编号' },
    },
    {
      name: 'answer',
      type: 'text',
      required: true,
      description: { en: 'The answer’s id', zh: '回答的编号' },
    },
    { name: 'model', type: 'text', description: { en: 'The model to ask', zh: '使用的模型' } },
  ],
  async run(ctx) {
    const { conversation, answer, model } = ctx.args;
    await ctx.chatService.regenerate(ctx, { conversation, answer, model });
  },
});
