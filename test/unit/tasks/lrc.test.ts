import { describe, expect, it } from 'vitest';
import {
  type AlignedWord,
  buildLrc,
  karaokeText,
  LRC_MAX_LINE_CHARS,
  lrcLines,
  lrcStamp,
} from '../../../src/tasks/families/suno/lrc.js';

/** Words as Suno aligns them: each one carries its own trailing space, markers and line breaks. */
const w = (word: string, start: number, end = start + 0.3): AlignedWord => ({
  word,
  start_s: start,
  end_s: end,
  success: true,
  p_align: 0.9,
});

describe('lrcStamp', () => {
  it('writes [mm:ss.xx], rounding to centiseconds and never going negative', () => {
    expect(lrcStamp(0)).toBe('[00:00.00]');
    expect(lrcStamp(1.006)).toBe('[00:01.01]');
    expect(lrcStamp(61.239)).toBe('[01:01.24]');
    expect(lrcStamp(59.999)).toBe('[01:00.00]');
    expect(lrcStamp(6000)).toBe('[100:00.00]');
    expect(lrcStamp(-3)).toBe('[00:00.00]');
    expect(lrcStamp(Number.NaN)).toBe('[00:00.00]');
  });
});

describe('lrcLines', () => {
  it('splits at line breaks and [Section] markers, dropping the markers (Chinese, emoji, English)', () => {
    const words = [
      w('[Verse]\nRain ', 1.0),
      w('on ', 1.3),
      w('the ', 1.5),
      w('window 🌧\n', 1.7),
      w('雨', 2.2),
      w('落', 2.4),
      w('在', 2.6),
      w('窗台 ', 2.8),
      w('[Chorus]\n等', 4.0),
      w('雨', 4.2),
      w('停 🎶\n', 4.4),
      w('[Outro] ', 5.0),
      w('bye ', 5.2),
    ];
    expect(lrcLines(words)).toEqual([
      { startSeconds: 1.0, text: 'Rain on the window 🌧' },
      { startSeconds: 2.2, text: '雨落在窗台' },
      { startSeconds: 4.0, text: '等雨停 🎶' },
      { startSeconds: 5.2, text: 'bye' },
    ]);
  });

  it('starts a new line after a silence of 1.5 s or more, not before', () => {
    const words = [w('hello ', 1.0, 1.4), w('there ', 2.8, 3.0), w('world ', 4.5, 4.8)];
    expect(lrcLines(words).map((l) => l.text)).toEqual(['hello there', 'world']);
    expect(lrcLines(words)[1]!.startSeconds).toBe(4.5);
  });

  it('joins words without their own spaces by script: spaces between Latin words, none in Chinese', () => {
    const words = [
      { word: 'I', start_s: 0.5, end_s: 0.6 },
      { word: 'love', start_s: 0.6, end_s: 0.9 },
      { word: 'you', start_s: 0.9, end_s: 1.1 },
      { word: '!', start_s: 1.1, end_s: 1.2 },
      { word: '我', start_s: 1.3, end_s: 1.4 },
      { word: '爱', start_s: 1.4, end_s: 1.5 },
      { word: '你', start_s: 1.5, end_s: 1.6 },
      { word: '。', start_s: 1.6, end_s: 1.7 },
      { word: '😀', start_s: 1.7, end_s: 1.8 },
      { word: 'ok', start_s: 1.8, end_s: 1.9 },
    ];
    expect(lrcLines(words)).toEqual([{ startSeconds: 0.5, text: 'I love you!我爱你。😀 ok' }]);
  });

  it('keeps stamps in order when a word has no usable time', () => {
    const words = [
      w('one\n', 3.0),
      { word: 'two\n', start_s: Number.NaN, end_s: Number.NaN },
      { word: 'three\n', start_s: 1.0, end_s: 1.2, success: false, p_align: 0 },
      w('four\n', 6.0),
    ];
    expect(lrcLines(words).map((l) => l.startSeconds)).toEqual([3.0, 3.0, 3.0, 6.0]);
  });

  it('breaks a line that never ends before it grows past the limit', () => {
    const words = Array.from({ length: 60 }, (_, i) => w('la ', i * 0.3));
    const lines = lrcLines(words);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.text.length).toBeLessThanOrEqual(LRC_MAX_LINE_CHARS + 3);
    expect(lines.map((l) => l.text).join(' ')).toBe(Array.from({ length: 60 }, () => 'la').join(' '));
  });

  it('gives no lines for an instrumental (no words, or only markers)', () => {
    expect(lrcLines([])).toEqual([]);
    expect(lrcLines([w('[Instrumental]\n', 0), w('[Outro]', 10)])).toEqual([]);
  });
});

describe('buildLrc and karaokeText', () => {
  const lines = [
    { startSeconds: 1, text: 'Rain on the window 🌧' },
    { startSeconds: 62.5, text: '等雨停' },
  ];

  it('writes the header tags and one stamped line each, ending with a newline', () => {
    expect(buildLrc(lines, { title: '雨中的城市 [Live]', artist: '小明 🎤' })).toBe(
      '[ti:雨中的城市 (Live)]\n[ar:小明 🎤]\n[00:01.00]Rain on the window 🌧\n[01:02.50]等雨停\n',
    );
    expect(buildLrc(lines)).toBe('[00:01.00]Rain on the window 🌧\n[01:02.50]等雨停\n');
  });

  it('shows karaoke lines with mm:ss stamps', () => {
    expect(karaokeText(lines)).toBe('`00:01` Rain on the window 🌧\n`01:02` 等雨停');
  });
});
