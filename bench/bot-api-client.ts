/**
 * CPU per Bot API call of grammY's client: its default fetch (node-fetch) against the undici one
 * (src/platforms/telegram/http.ts), over loopback to a minimal Bot API answerer in a child process
 * (so its CPU is not counted). 50 calls in flight at a time, like a busy bot.
 *
 *   npx tsx bench/bot-api-client.ts
 */
import { fork } from 'node:child_process';
import { Api } from 'grammy';
import { undiciFetch } from '../src/platforms/telegram/http.js';

const CALLS = Number(process.env.CALLS ?? 4000);
const IN_FLIGHT = 50;

if (process.argv[2] === 'server') {
  const { createServer } = await import('node:http');
  const body = JSON.stringify({
    ok: true,
    result: { message_id: 1, date: 1, chat: { id: 1, type: 'private' }, text: 'x' },
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.send?.(typeof a === 'object' && a ? a.port : 0);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ['server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const apiRoot = `http://127.0.0.1:${port}`;
  const run = async (api: Api): Promise<number> => {
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        next++;
        await api.editMessageText(1, 1, 'Hello 你好 🌏 a growing answer ▍', { parse_mode: 'HTML' });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker)); // warm-up
    next = 0;
    const start = process.cpuUsage();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / CALLS;
  };
  for (let round = 0; round < 2; round++) {
    const nodeFetch = await run(new Api('1:x', { apiRoot }));
    const undici = await run(new Api('1:x', { apiRoot, fetch: undiciFetch() }));
    console.log(
      `CPU per Bot API call: node-fetch ${nodeFetch.toFixed(3)} ms, undici ${undici.toFixed(3)} ms`,
    );
  }
  child.kill();
  process.exit(0);
}
