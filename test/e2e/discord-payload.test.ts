import { describe, expect, it } from 'vitest';
import { commandsJson, optionNames } from '../../src/platforms/discord/commands-json.js';
import { redactRoute } from '../../src/platforms/discord/errors.js';
import { kindOf, stripMention, threadName } from '../../src/platforms/discord/incoming.js';
import { buildEdit, buildSend, splitText } from '../../src/platforms/discord/payload.js';

describe('Discord payloads (no network)', () => {
  it('splits long text at line breaks, never inside a surrogate pair, repairing code fences', () => {
    const code = Array.from({ length: 150 }, (_, i) => `print("行 ${i} 🚀")`).join('\n');
    const text = `歌词 Lyrics 🎵\n\`\`\`py\n${code}\n\`\`\`\n${'😀'.repeat(1500)}`;
    const parts = splitText(text, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect((p.match(/^```/gm) ?? []).length % 2).toBe(0);
      expect(p).not.toMatch(/[\ud800-\udbff]$/);
    }
    expect(parts[1]?.startsWith('```py\n')).toBe(true);
    expect(
      parts
        .join('')
        .replace(/```py\n|\n```/g, '')
        .replace(/\s/g, ''),
    ).toBe(text.replace(/```py\n|\n```/g, '').replace(/\s/g, ''));
  });

  it('puts files and buttons on the last part; links for files without bytes; five buttons a row', () => {
    const buttons = [Array.from({ length: 7 }, (_, i) => ({ label: `B${i}`, data: `b:${i}` }))];
    const parts = buildSend(
      {
        text: 'x'.repeat(2500),
        buttons,
        files: [
          { kind: 'audio', name: '歌 song.mp3', data: new Uint8Array([1, 2, 3]), mime: 'audio/mpeg' },
          { kind: 'video', name: 'big.mp4', url: 'https://cdn.example/big.mp4' },
          { kind: 'image', name: 'huge.png', data: new Uint8Array(20), url: 'https://cdn.example/huge.png' },
        ],
      },
      10,
    );
    expect(parts).toHaveLength(2);
    expect(parts[0]?.files).toEqual([]);
    expect(parts[0]?.body.components).toBeUndefined();
    const last = parts[1]!;
    expect(last.files.map((f) => f.name)).toEqual(['歌 song.mp3']);
    expect(last.body.attachments).toEqual([{ id: 0, filename: '歌 song.mp3' }]);
    expect(last.body.content.endsWith('https://cdn.example/big.mp4\nhttps://cdn.example/huge.png')).toBe(
      true,
    );
    expect(last.body.components?.map((r) => r.components.length)).toEqual([5, 2]);
    expect(last.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('edits keep buttons unless given, remove them with [], and never send an empty message', () => {
    expect(buildEdit({ text: 'a' }, 10).body.components).toBeUndefined();
    expect(buildEdit({ text: 'a', buttons: [] }, 10).body.components).toEqual([]);
    expect(buildEdit({ text: '' }, 10).body.content).toBe('\u200b');
    expect([...buildEdit({ text: '字'.repeat(2100) }, 10).body.content].length).toBe(2000);
  });

  it('builds slash commands: required options first, descriptions within 100, Chinese localisations', () => {
    const [cmd] = commandsJson([
      {
        name: 'Song',
        description: { en: 'd'.repeat(120), zh: '歌'.repeat(120) },
        options: [
          {
            name: 'tags',
            type: 'text',
            description: { en: 'Tags', zh: '标签' },
            required: false,
            autocomplete: false,
          },
          {
            name: 'n',
            type: 'integer',
            description: { en: 'N', zh: '数' },
            required: true,
            autocomplete: false,
            min: 1,
            max: 4,
          },
          {
            name: 'mood',
            type: 'choice',
            description: { en: 'Mood', zh: '情绪' },
            required: false,
            autocomplete: false,
            choices: [{ value: 'sad', label: { en: 'Sad 😢', zh: '悲伤 😢' } }],
          },
          {
            name: 'voice',
            type: 'audio',
            description: { en: 'Voice', zh: '声音' },
            required: true,
            autocomplete: false,
          },
        ],
      },
    ]);
    expect(cmd?.name).toBe('song');
    expect([...(cmd?.description ?? '')].length).toBe(100);
    expect([...(cmd?.description_localizations?.['zh-CN'] ?? '')].length).toBe(100);
    expect(cmd?.options?.map((o) => [o.name, o.type, o.required])).toEqual([
      ['n', 4, true],
      ['voice', 11, true],
      ['tags', 3, false],
      ['mood', 3, false],
    ]);
    expect(cmd?.options?.[0]).toMatchObject({ min_value: 1, max_value: 4 });
    expect(cmd?.options?.[3]).toMatchObject({
      choices: [{ name: 'Sad 😢', name_localizations: { 'zh-CN': '悲伤 😢' }, value: 'sad' }],
    });
    const names = optionNames([
      {
        name: 'mj-action',
        description: { en: '', zh: '' },
        options: [
          {
            name: 'taskId',
            type: 'text',
            description: { en: '', zh: '' },
            required: true,
            autocomplete: false,
          },
        ],
      },
    ]);
    expect(names.get('mj-action')?.get('taskid')).toBe('taskId');
  });

  it('translates small things: kinds, mentions, thread names, token-free routes', () => {
    expect(kindOf('image/png', 'a.bin')).toBe('image');
    expect(kindOf('audio/ogg; codecs=opus', 'voice.ogg')).toBe('audio');
    expect(kindOf(null, 'clip.MP4')).toBe('video');
    expect(kindOf('application/pdf', 'a.pdf')).toBe('file');
    expect(stripMention('<@123>  你好 <@!123> hi', '123')).toBe('你好 hi');
    // The bot's managed role is stripped like its user mention; other roles stay.
    expect(stripMention('<@&456> 你好 👋 <@&789> hi', '123', '456')).toBe('你好 👋 <@&789> hi');
    expect(threadName('', 'photo.png')).toBe('photo.png');
    expect([...threadName('长'.repeat(200), 'x')].length).toBe(91);
    expect(redactRoute('http://h/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/%40original')).toBe(
      'http://h/api/v10/webhooks/123/:token/messages/%40original',
    );
    expect(redactRoute('/interactions/9/tok/callback')).toBe('/interactions/9/:token/callback');
  });
});
