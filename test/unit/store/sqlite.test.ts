import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite store', () => {
  it('rejects a call that fails instead of answering undefined', async () => {
    const store = sqliteStore(join(dir, 'bot.sqlite'));
    const space = store.namespace<string>('errors');
    await space.set('k', 'v');
    await store.close();
    await expect(space.get('k')).rejects.toThrow(/not open/);
    await expect(space.set('k', 'w')).rejects.toThrow(/not open/);
  });
});
