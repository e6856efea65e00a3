import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { Turn } from '../../../../src/conversations/history.js';
import {
  DOCUMENT_TURNS_KEPT,
  documentTokens,
  readFiles,
  readsPdfNatively,
} from '../../../../src/conversations/inputs/files.js';
import { fitAttachments } from '../../../../src/conversations/inputs/fit-history.js';
import type { ChatInput, CommandContext } from '../../../../src/core/command.js';
import type { IncomingFile } from '../../../../src/core/platform.js';
import { BotError } from '../../../../src/errors.js';
import { tinyPdf } from './tiny-pdf.js';

const MB = 1024 * 1024;
const ctx = { limits: { maxDownloadBytes: 25 * MB } } as unknown as CommandContext<unknown>;
const input = (files: IncomingFile[]): ChatInput => ({ text: '', images: [], files, audio: [] });
const file = (name: string, bytes: Uint8Array, size: number = bytes.length) => {
  const fetch = vi.fn(async () => new Uint8Array(bytes));
  return { kind: 'file' as const, name, size, fetch };
};
const REPORT = ['Quarterly report: revenue grew 42 percent', 'Page two (appendix) lists the owls'];

async function userMessage(p: Promise<unknown>): Promise<{ en: string; zh: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BotError);
  return (e as BotError).userMessage!;
}

describe('readFiles: PDFs', () => {
  it('gives Claude and Gemini the PDF itself, with its page count', async () => {
    const pdf = tinyPdf(REPORT);
    for (const model of ['claude-sonnet-4-5', 'claude-3-5-haiku-latest', 'gemini-2.5-pro']) {
      const out = await readFiles(ctx, input([file('report.pdf', pdf)]), model);
      expect(out.text).toBe('');
      expect(out.documents).toEqual([
        { name: 'report.pdf', mime: 'application/pdf', data: Buffer.from(pdf).toString('base64'), pages: 2 },
      ]);
    }
  });

  it('gives other models the extracted text with a note', async () => {
    for (const model of ['gpt-4o-mini', 'gpt-4o-all', 'claude-3-opus-20240229', 'deepseek-chat']) {
      const out = await readFiles(ctx, input([file('report.pdf', tinyPdf(REPORT))]), model);
      expect(out.documents).toEqual([]);
      expect(out.text).toBe(
        '\n\n--- report.pdf ---\n(text extracted from report.pdf, 2 pages)\n' +
          'Quarterly report: revenue grew 42 percent\n\nPage two (appendix) lists the owls',
      );
    }
  });

  it('sends a PDF over Claude’s 100 pages as text', async () => {
    const pages = Array.from({ length: 101 }, (_, i) => `page ${i + 1}`);
    const out = await readFiles(ctx, input([file('long.pdf', tinyPdf(pages))]), 'claude-opus-4-1');
    expect(out.documents).toEqual([]);
    expect(out.text).toContain('(text extracted from long.pdf, 101 pages)');
    expect(out.text).toContain('page 101');
    expect(readsPdfNatively('claude-opus-4-1', 1000, 100)).toBe(true);
    expect(readsPdfNatively('gemini-2.5-flash', 15 * MB, 10)).toBe(false);
  });

  it('refuses a PDF without text for a model that cannot read it, and a damaged one', async () => {
    const scan = await userMessage(readFiles(ctx, input([file('扫描 scan.pdf', tinyPdf(['']))]), 'gpt-4o'));
    expect(scan.en).toContain('“扫描 scan.pdf” has no text to extract (a scan?)');
    expect(scan.zh).toContain('“扫描 scan.pdf” 中没有可提取的文字');
    // Claude reads the page itself.
    const native = await readFiles(ctx, input([file('scan.pdf', tinyPdf(['']))]), 'claude-sonnet-4-5');
    expect(native.documents).toHaveLength(1);

    const broken = Buffer.from('%PDF-1.4\nthis is not really a pdf 🙃');
    const bad = await userMessage(readFiles(ctx, input([file('bad.pdf', broken)]), 'gpt-4o'));
    expect(bad.en).toBe('“bad.pdf” could not be read as a PDF (it may be damaged).');
    expect(bad.zh).toBe('无法读取 PDF 文件“bad.pdf”（文件可能已损坏）。');
  });

  it('refuses an over-size PDF by its declared size, before downloading it', async () => {
    const big = file('大报告 big 📄.pdf', tinyPdf(REPORT), 21 * MB);
    const other = file('notes.txt', Buffer.from('fine'));
    const msg = await userMessage(readFiles(ctx, input([other, big]), 'claude-sonnet-4-5'));
    expect(msg.en).toBe('“大报告 big 📄.pdf” is too large (21.0 MB; at most 20.0 MB).');
    expect(msg.zh).toBe('“大报告 big 📄.pdf” 太大（21.0 MB，最多 20.0 MB）。');
    expect(big.fetch).not.toHaveBeenCalled();
    expect(other.fetch).not.toHaveBeenCalled();
  });
});

describe('readFiles: other files', () => {
  it('inlines text files (UTF-8, UTF-16, GB18030) as text', async () => {
    const utf8 = file('notes 笔记.md', Buffer.from('# Title 标题 🚀\nline'));
    const utf16 = file(
      'w.txt',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Windows 文本', 'utf16le')]),
    );
    const gbk = file('gbk.txt', new Uint8Array([0xc4, 0xe3, 0xba, 0xc3, 0x20, 0x41])); // 你好 A
    const out = await readFiles(ctx, input([utf8, utf16, gbk]), 'gpt-4o-mini');
    expect(out.text).toBe(
      '\n\n--- notes 笔记.md ---\n# Title 标题 🚀\nline\n\n--- w.txt ---\nWindows 文本\n\n--- gbk.txt ---\n你好 A',
    );
  });

  it('says when a long text file was cut', async () => {
    const out = await readFiles(ctx, input([file('big.csv', Buffer.from('a,b\n'.repeat(20_000)))]), 'gpt-4o');
    expect(out.text.startsWith('\n\n--- big.csv (first 60000 characters of 80000) ---\na,b\n')).toBe(true);
  });

  it('refuses a .zip by its name, before downloading it', async () => {
    const zip = file('照片 photos 🎞️.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
    const msg = await userMessage(readFiles(ctx, input([zip]), 'gpt-4o'));
    expect(msg.en).toBe(
      'This model cannot read .zip files (“照片 photos 🎞️.zip”). Send text, a PDF or images, or paste the contents.',
    );
    expect(msg.zh).toBe(
      '该模型无法读取 .zip 文件（“照片 photos 🎞️.zip”）。请发送文本、PDF 或图片，或直接粘贴内容。',
    );
    expect(zip.fetch).not.toHaveBeenCalled();
  });

  it('refuses binary content by its magic bytes, whatever its name', async () => {
    const disguised = file('data.txt', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]));
    expect((await userMessage(readFiles(ctx, input([disguised]), 'gpt-4o'))).en).toContain(
      'cannot read .zip files (“data.txt”)',
    );
    const nameless = file('blob', Buffer.from([1, 2, 0, 4, 5]));
    const msg = await userMessage(readFiles(ctx, input([nameless]), 'gpt-4o'));
    expect(msg.en).toBe('This model cannot read “blob” (it is not text, a PDF or an image).');
    expect(msg.zh).toBe('该模型无法读取“blob”（不是文本、PDF 或图片）。');
  });

  it('reads an image sent as a file as an image', async () => {
    const png = await sharp({ create: { width: 3000, height: 100, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const out = await readFiles(ctx, input([file('wide-image', png)]), 'claude-sonnet-4-5');
    expect(out.text).toBe('');
    expect(out.images).toHaveLength(1);
    const meta = await sharp(Buffer.from(out.images[0]!.split(',')[1]!, 'base64')).metadata();
    expect(meta.width).toBe(1568);
  });
});

describe('fitAttachments', () => {
  const pdf = tinyPdf(REPORT);
  const doc = {
    name: 'report.pdf',
    mime: 'application/pdf' as const,
    data: Buffer.from(pdf).toString('base64'),
    pages: 2,
  };
  const history = (): Turn[] => [
    { role: 'user', text: 'Summarize 总结 📄', documents: [doc] },
    { role: 'assistant', text: 'It is about revenue.' },
  ];

  it('keeps the PDF for the next question, then leaves a marker', async () => {
    expect(DOCUMENT_TURNS_KEPT).toBe(2);
    const next = await fitAttachments(history(), 'claude-sonnet-4-5');
    expect(next).toEqual(history());
    expect(documentTokens(next[0]!)).toBe(4_000);
    const later = await fitAttachments(
      [...history(), { role: 'user', text: 'page 2?' }, { role: 'assistant', text: 'Owls.' }],
      'claude-sonnet-4-5',
    );
    expect(later[0]).toEqual({
      role: 'user',
      text: 'Summarize 总结 📄\n[report.pdf: 2-page PDF, no longer attached]',
    });
    expect(JSON.stringify(later)).not.toContain(doc.data);
  });

  it('fits images kept at another model’s size to this one, and leaves fitting ones as they are', async () => {
    const big = await sharp({ create: { width: 2048, height: 1024, channels: 3, background: '#884422' } })
      .jpeg()
      .toBuffer();
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#224488' } })
      .png()
      .toBuffer();
    const urls = [
      `data:image/jpeg;base64,${big.toString('base64')}`,
      `data:image/png;base64,${small.toString('base64')}`,
    ];
    const [turn] = await fitAttachments(
      [{ role: 'user', text: '看图 look 👀', images: urls }],
      'claude-sonnet-4-5',
    );
    expect(turn?.images?.[1]).toBe(urls[1]);
    const meta = await sharp(Buffer.from(turn!.images![0]!.split(',')[1]!, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([1568, 784]);
    expect((await fitAttachments([{ role: 'user', text: 'x', images: urls }], 'gpt-4o'))[0]?.images).toEqual(
      urls,
    );
  });

  it('turns a kept PDF into its text when the chat switched to a model that cannot read it', async () => {
    const [first] = await fitAttachments(history(), 'gpt-4o-mini');
    expect(first?.documents).toBeUndefined();
    expect(first?.text).toContain(
      'Summarize 总结 📄\n\n--- report.pdf ---\n(text extracted from report.pdf, 2 pages)\n',
    );
    expect(first?.text).toContain('lists the owls');
  });
});
