import { defineCommand } from '../src/core/command.js';

const VOICES = ['alloy', 'echo', 'fable', 'onyx', 'nova', 'shimmer'] as const;

export default defineCommand({
  name: 'speak',
  cost: 'task',
  description: { en: 'Read text aloud (text to speech)', zh: '朗读文字（文字转语音）' },
  options: [
    {
      name: 'text',
      type: 'text',
      required: true,
      maxLength: 4096,
      description: { en: 'What to say', zh: '要朗读的文字' },
    },
    {
      name: 'voice',
      type: 'choice',
      description: { en: 'Voice', zh: '声音' },
      choices: VOICES.map((v) => ({ value: v, label: { en: v, zh: v } })),
    },
  ],
  async run(ctx) {
    const { text, voice = 'alloy' } = ctx.args;
    const audio = await ctx.apicore.speech(
      { model: 'tts-1', input: text, voice, response_format: 'mp3' },
      { signal: ctx.signal },
    );
    await ctx.usage.add({ tasks: 1 });
    const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    await ctx.reply(`🔊 ${preview}`, {
      files: [
        {
          kind: 'audio',
          name: 'speech.mp3',
          data: audio.data,
          mime: audio.mime || 'audio/mpeg',
          title: preview,
          performer: voice,
        },
      ],
    });
  },
});
