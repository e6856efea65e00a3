import { defineCommand } from '../src/core/command.js';

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
    const images = [image, file?.kind === 'image' ? file : undefined].filter((f) => f !== undefined);
    const files = file && file.kind !== 'image' ? [file] : [];
    await ctx.chatService.answer(ctx, { text: prompt, images, files, audio: audio ? [audio] : [] });
  },
});
