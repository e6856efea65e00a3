import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';
import { tinyPdf } from '../unit/conversations/inputs/tiny-pdf.js';

let fake: FakeApiCore;
let dir: string;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  dir = mkdtempSync(join(tmpdir(), 'bot-files-'));
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const MB = 1024 * 1024;
type Part = { type: string; text?: string; image_url?: { url: string } };
type Block = {
  type: string;
  text?: string;
  title?: string;
  source?: { type: string; media_type: string; data: string };
};
type Body<C> = { model: string; messages: { role: string; content: string | C[] }[] };
const chatBodies = () => fake.requestsTo('POST', '/v1/chat/completions').map((r) => r.json as Body<Part>);
const claudeBodies = () => fake.requestsTo('POST', '/v1/messages').map((r) => r.json as Body<Block>);

const REPORT = ['Quarterly report: revenue grew 42 percent', 'Page two (appendix) lists the owls'];

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('console: images and files reach each model in the form it reads', () => {
  it('sends a 20 MB PNG as at most 5 MB, at each family’s size', async () => {
    // Incompressible noise, stored without compression: 2600 × 2560 × 3 bytes ≈ 20 MB.
    const [width, height] = [2600, 2560];
    const png = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const photo = write('photo.png', png);
    expect(statSync(photo).size).toBeGreaterThan(19.9 * 1000 * 1000);

    const run = await runConsole(fake, [
      `/chat 这是什么？ What is this 🖼️ ${photo}`,
      '/model claude-sonnet-4-5',
      '/chat 再看看 once more 👀',
    ]);
    expect(run.output).toContain('Echo: 这是什么？ What is this 🖼️\n');
    expect(run.output).toContain('Echo: 再看看 once more 👀\n');

    // gpt-4o-mini: a JPEG of at most 2048 px and 4 MB.
    const parts = chatBodies()[0]!.messages[0]!.content as Part[];
    expect(parts[0]).toEqual({ type: 'text', text: '这是什么？ What is this 🖼️' });
    const url = parts[1]!.image_url!.url;
    expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
    const sent = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    expect(sent.length).toBeLessThanOrEqual(4 * MB);
    const meta = await sharp(sent).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2048, 2016]);

    // The same image, kept in history, fitted again for Claude: 1568 px, base64 within 5 MB.
    const [question] = claudeBodies()[0]!.messages;
    const image = (question!.content as Block[]).find((b) => b.type === 'image')!;
    expect(image.source!.media_type).toBe('image/jpeg');
    expect(image.source!.data.length).toBeLessThanOrEqual(5 * MB);
    const claudeMeta = await sharp(Buffer.from(image.source!.data, 'base64')).metadata();
    expect([claudeMeta.width, claudeMeta.height]).toEqual([1568, 1544]);
    expect(fake.unexpected).toEqual([]);
  }, 60_000);

  it('sends a PDF to Claude as a document block, and keeps it for one follow-up only', async () => {
    const pdf = tinyPdf(REPORT);
    const path = write('report.pdf', pdf);
    const run = await runConsole(fake, [
      '/model claude-sonnet-4-5',
      `/chat 总结一下 summarize this 📄 ${path}`,
      '/chat 第二页呢？ and page 2? 🦉',
      '/chat 谢谢 thanks 🙏',
    ]);
    // The fake reads the document block and says what it got.
    expect(run.output).toContain(
      `Echo: 总结一下 summarize this 📄 [document application/pdf ${pdf.length} bytes]\n`,
    );
    const [first, second, third] = claudeBodies();
    const document = {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: Buffer.from(pdf).toString('base64') },
      title: 'report.pdf',
    };
    expect(first!.messages).toEqual([
      { role: 'user', content: [document, { type: 'text', text: '总结一下 summarize this 📄' }] },
    ]);
    expect(second!.messages[0]).toEqual(first!.messages[0]);
    // Two questions later the PDF is a marker: history never keeps its base64 for long.
    expect(third!.messages[0]).toEqual({
      role: 'user',
      content: '总结一下 summarize this 📄\n[report.pdf: 2-page PDF, no longer attached]',
    });
    expect(JSON.stringify(third)).not.toContain(document.source.data);
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });

  it('sends a PDF to gpt-4o-mini as its extracted text, with a note', async () => {
    const path = write('quarterly.pdf', tinyPdf(REPORT));
    const run = await runConsole(fake, [`/chat 关键数字？ key number? 🔢 ${path}`]);
    const expected =
      '关键数字？ key number? 🔢\n\n--- quarterly.pdf ---\n(text extracted from quarterly.pdf, 2 pages)\n' +
      'Quarterly report: revenue grew 42 percent\n\nPage two (appendix) lists the owls';
    expect(chatBodies()[0]!.messages).toEqual([{ role: 'user', content: expected }]);
    expect(run.output).toContain(`Echo: ${expected}`);
  });

  it('refuses a .zip in the user’s language, without asking the model', async () => {
    const zip = write('归档archive.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const en = await runConsole(fake, [`/chat 里面有什么 what's inside 🤔 ${zip}`]);
    expect(en.output).toContain(
      'This model cannot read .zip files (“归档archive.zip”). Send text, a PDF or images, or paste the contents.',
    );
    const zh = await runConsole(fake, [`/chat 里面有什么 what's inside 🤔 ${zip}`], {
      locale: 'zh_CN.UTF-8',
    });
    expect(zh.output).toContain(
      '该模型无法读取 .zip 文件（“归档archive.zip”）。请发送文本、PDF 或图片，或直接粘贴内容。',
    );
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });

  it('refuses an over-size file by its declared size, before reading it', async () => {
    const path = join(dir, '巨大huge.pdf');
    writeFileSync(path, '%PDF-1.4\n');
    truncateSync(path, 25 * MB); // sparse: nothing is written, and nothing must be read
    const run = await runConsole(fake, [`/chat 看看 have a look 🧐 ${path}`]);
    // Our check (formatted sizes), not the console's own read limit (sizes in bytes).
    expect(run.output).toContain('“巨大huge.pdf” is too large (25.0 MB; at most 20.0 MB).');
    const zh = await runConsole(fake, [`/chat 看看 ${path}`], { locale: 'zh_CN.UTF-8' });
    expect(zh.output).toContain('“巨大huge.pdf” 太大（25.0 MB，最多 20.0 MB）。');
    expect(fake.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });
});
