import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** keyv's serialised envelope, as it sits in the `value` column. */
const envelope = (value: unknown, expires?: number) => JSON.stringify({ value, expires });

describe('sqlite store', () => {
  it('rejects a call that fails instead of answering undefined', async () => {
    const store = sqliteStore(join(dir, 'bot.sqlite'));
    const space = store.namespace<string>('errors');
    await space.set('k', 'v');
    await store.close();
    await expect(space.get('k')).rejects.toThrow(/not open/);
    await expect(space.set('k', 'w')).rejects.toThrow(/not open/);
    await expect(store.counters('c').add('k', 1, 1000)).rejects.toThrow(/not open/);
    await expect(store.sweep()).rejects.toThrow(/not open/);
  });

  it('migrates a file from before the expires column, filling it from keyv envelopes', async () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec('CREATE TABLE keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const insert = old.prepare('INSERT INTO keyv (key, value) VALUES (?, ?)');
    const past = Date.now() - 60_000;
    const future = Date.now() + 3_600_000;
    insert.run('settings:chat-1', envelope({ model: 'gpt-4o-mini' }));
    insert.run('buttons:b-old', envelope({ command: 'x' }, past));
    insert.run('buttons:b-new', envelope({ command: 'y' }, future));
    insert.run('odd:not-json', 'not json at all');
    old.close();

    const store = sqliteStore(file);
    const raw = new Database(file);
    const expires = (key: string) =>
      (raw.prepare('SELECT expires FROM keyv WHERE key = ?').get(key) as { expires: number | null }).expires;
    expect(expires('settings:chat-1')).toBeNull();
    expect(expires('buttons:b-old')).toBe(past);
    expect(expires('buttons:b-new')).toBe(future);
    expect(expires('odd:not-json')).toBeNull();

    expect(await store.namespace('settings').get('chat-1')).toEqual({ model: 'gpt-4o-mini' });
    expect(await store.namespace('buttons').get('b-new')).toEqual({ command: 'y' });
    expect(await store.sweep()).toBe(1);
    expect(raw.prepare('SELECT key FROM keyv ORDER BY key').pluck().all()).toEqual([
      'buttons:b-new',
      'odd:not-json',
      'settings:chat-1',
    ]);
    raw.close();
    await store.close();

    // Opening the migrated file again changes nothing.
    const again = sqliteStore(file);
    expect(await again.namespace('buttons').get('b-new')).toEqual({ command: 'y' });
    await again.close();
  });

  it('writes the expiry of a TTL value to the expires column and ignores expired rows on read', async () => {
    const file = join(dir, 'expires.sqlite');
    const store = sqliteStore(file);
    const started = Date.now();
    await store.namespace<string>('n').set('ttl', 'v', 60_000);
    await store.namespace<string>('n').set('plain', 'v');
    const raw = new Database(file);
    const row = raw.prepare('SELECT expires FROM keyv WHERE key = ?');
    const ttlExpires = (row.get('n:ttl') as { expires: number }).expires;
    expect(ttlExpires).toBeGreaterThanOrEqual(started + 60_000);
    expect(ttlExpires).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((row.get('n:plain') as { expires: null }).expires).toBeNull();

    // The column alone decides: a row whose envelope has no expiry but whose column has passed is gone.
    raw.prepare('UPDATE keyv SET expires = ? WHERE key = ?').run(Date.now() - 1, 'n:plain');
    raw.close();
    expect(await store.namespace<string>('n').get('plain')).toBeUndefined();
    expect(await store.namespace<string>('n').get('ttl')).toBe('v');
    await store.close();
  });

  it('sweeps a large backlog in batches and answers the total', async () => {
    const file = join(dir, 'backlog.sqlite');
    const store = sqliteStore(file);
    const raw = new Database(file);
    const past = Date.now() - 1000;
    const insert = raw.prepare('INSERT INTO counters (key, n, expires) VALUES (?, 1, ?)');
    raw.transaction(() => {
      for (let i = 0; i < 12_345; i++) insert.run(`rate::chat-${i}`, past);
    })();
    expect(await store.sweep()).toBe(12_345);
    expect(raw.prepare('SELECT count(*) FROM counters').pluck().get()).toBe(0);
    raw.close();
    await store.close();
  });

  it('counts and claims exactly across separate processes writing the same file at once', async () => {
    const file = join(dir, 'processes.sqlite');
    const worker = fileURLToPath(new URL('./fixtures/sqlite-worker.ts', import.meta.url));
    const adds = 400;
    const claims = 100;
    const children = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, file, String(adds), String(claims)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const ready = (async () => {
        while (!output.includes('ready\n')) await once(child.stdout, 'data');
      })();
      const exited = once(child, 'exit');
      return { child, ready, exited, output: () => output };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end('go\n');
    await Promise.all(children.map((c) => c.exited));

    const results = children.map((c) => {
      expect(c.child.exitCode).toBe(0);
      return JSON.parse(c.output().split('\n').at(-2)!) as { answers: number[]; claimed: number };
    });
    const answers = results.flatMap((r) => r.answers).sort((a, b) => a - b);
    expect(answers).toEqual(Array.from({ length: 3 * adds }, (_, i) => i + 1));
    expect(results.reduce((sum, r) => sum + r.claimed, 0)).toBe(claims);

    const store = sqliteStore(file);
    expect(await store.counters('rate').get('chat-1')).toBe(3 * adds);
    await store.close();
  });
});
