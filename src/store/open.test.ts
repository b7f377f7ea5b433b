import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openStore, sqliteFilename } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens the memory store for memory:', async () => {
    const store = await openStore('memory:');
    assert.deepEqual(store.capabilities, { sharedAcrossProcesses: false, durable: false });
    await store.close();
  });

  it('opens in-memory SQLite for sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    assert.deepEqual(store.capabilities, { sharedAcrossProcesses: false, durable: false });
    await store.ping();
    await store.close();
  });

  it('opens a SQLite file, creating its parent directories', async () => {
    const file = join(dir, 'a/b/scimd.db');
    const store = await openStore(`file:${file}`);
    assert.deepEqual(store.capabilities, { sharedAcrossProcesses: false, durable: true });
    await store.close();
    assert.ok(existsSync(file));
  });

  it('rejects other schemes, listing the supported ones', async () => {
    await assert.rejects(openStore('mysql://localhost/scimd'), {
      message:
        'unsupported SCIMD_DATABASE_URL scheme "mysql:"; supported: file:<path>, sqlite::memory:, postgres://…, memory:',
    });
    await assert.rejects(openStore('./scimd.db'), /unsupported SCIMD_DATABASE_URL scheme "\.\/scimd\.db"/);
  });
});

describe('sqliteFilename', () => {
  it('resolves relative paths against the working directory and accepts file URLs', () => {
    assert.equal(sqliteFilename('file:./data/scimd.db'), resolve('data/scimd.db'));
    assert.equal(sqliteFilename('file:/var/lib/scimd.db'), '/var/lib/scimd.db');
    assert.equal(sqliteFilename(pathToFileURL('/var/lib/my db.db').href), '/var/lib/my db.db');
    assert.throws(() => sqliteFilename('file:'), /needs a path/);
  });
});
