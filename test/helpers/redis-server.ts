import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe } from 'vitest';
import { REDIS_SERVER_BIN, runRedisSuites } from './redis-available.js';

/**
 * `describe` for suites that start redis-server: skipped on a machine without it (global-setup prints
 * one line saying so), run, and failing, where REQUIRE_REDIS=1 or CI=true demands them.
 */
export const describeWithRedis = describe.skipIf(!runRedisSuites);

/** A real `redis-server` (Debian's package) on a free loopback port, without persistence. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`; append `/<db>` to pick a database. */
  readonly url: string;
  stop(): Promise<void>;
}

const NOT_INSTALLED =
  `${REDIS_SERVER_BIN} is not on PATH, and REQUIRE_REDIS=1 or CI=true requires the Redis store tests: ` +
  'apt-get install -y redis-server (.ci/run installs it)';

/** A port the kernel just handed out on 127.0.0.1; free unless someone grabs it before the server binds. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Sends an inline PING; true when the answer is +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function startOnce(port: number): Promise<RedisServer | 'port-taken'> {
  const child = spawn(
    REDIS_SERVER_BIN,
    ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port), '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on('error', (error: NodeJS.ErrnoException) => {
    spawnError = error;
  });
  // A server left running by a crashed test run would outlive the worker otherwise.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError) {
      process.off('exit', killOnExit);
      throw new Error(
        spawnError.code === 'ENOENT' ? NOT_INSTALLED : `${REDIS_SERVER_BIN}: ${spawnError.message}`,
      );
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      process.off('exit', killOnExit);
      if (/address already in use/i.test(output)) return 'port-taken';
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      await stopProcess(child);
      process.off('exit', killOnExit);
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
    }
    await sleep(25);
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopProcess(child);
      process.off('exit', killOnExit);
    },
  };
}

/**
 * Starts `redis-server` (or REDIS_SERVER_BIN) and resolves once it answers PING. Throws when it is not
 * installed: wrap suites in {@link describeWithRedis} so they skip instead where Redis is optional.
 * `port` restarts a server on the port a stopped one used (its data is gone: no persistence).
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  if (port !== undefined) {
    const server = await startOnce(port);
    if (server === 'port-taken') throw new Error(`redis-server: port ${port} is taken`);
    return server;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await startOnce(await freePort());
    if (server !== 'port-taken') return server;
  }
  throw new Error('redis-server: no free loopback port after 5 attempts');
}
