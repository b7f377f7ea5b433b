import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CursorContext, DEFAULT_CURSOR_SETTINGS, decodeCursor, encodeCursor } from './cursor.js';
import { ScimError } from './errors.js';

const NOW = new Date('2026-01-15T10:00:00.000Z');
const context: CursorContext = { settings: DEFAULT_CURSOR_SETTINGS, tenantId: 'tenant-a', query: 'User|q', now: NOW };
const STATE = { k: 'alice@example.com', i: '1b2c' };

async function rejects(promise: Promise<unknown>, scimType: string, fragment: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScimError);
    assert.deepEqual([error.status, error.scimType], [400, scimType]);
    assert.ok(error.detail.includes(fragment), error.detail);
    return true;
  });
}

/** Flips one character of the cursor at `at`, keeping it in the base64url alphabet. */
function flip(cursor: string, at: number): string {
  const c = cursor[at]!;
  return cursor.slice(0, at) + (c === 'A' ? 'B' : 'A') + cursor.slice(at + 1);
}

describe('cursors (RFC 9865)', () => {
  it('round-trips the state and uses only RFC 3986 unreserved characters', async () => {
    const cursor = await encodeCursor(context, STATE);
    assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await decodeCursor(context, cursor), STATE);
    assert.deepEqual(await decodeCursor({ ...context, now: new Date(NOW.getTime() + 3600_000) }, cursor), STATE);
  });

  it('refuses garbage and altered cursors with invalidCursor', async () => {
    const cursor = await encodeCursor(context, STATE);
    for (const bad of [
      'x',
      'abc.def',
      `${cursor}.x`,
      `${cursor}=`,
      '%%%.%%%',
      flip(cursor, 3),
      flip(cursor, cursor.length - 2),
    ]) {
      await rejects(decodeCursor(context, bad), 'invalidCursor', 'not one this server issued for this tenant');
    }
    // Re-signing a changed payload needs the key: swapping payloads between cursors fails too.
    const other = await encodeCursor(context, { k: 'zed', i: '9' });
    const spliced = `${other.split('.')[0]}.${cursor.split('.')[1]}`;
    await rejects(decodeCursor(context, spliced), 'invalidCursor', 'not one this server issued');
  });

  it('is bound to the tenant and to the secret', async () => {
    const cursor = await encodeCursor(context, STATE);
    await rejects(decodeCursor({ ...context, tenantId: 'tenant-b' }, cursor), 'invalidCursor', 'for this tenant');
    const secret = { ...context, settings: { ...context.settings, secret: 's3cret' } };
    await rejects(decodeCursor(secret, cursor), 'invalidCursor', 'for this tenant');
    assert.deepEqual(await decodeCursor(secret, await encodeCursor(secret, STATE)), STATE);
  });

  it('is bound to the query', async () => {
    const cursor = await encodeCursor(context, STATE);
    await rejects(
      decodeCursor({ ...context, query: 'User|other' }, cursor),
      'invalidCursor',
      'belongs to a different query: keep filter, sortBy and sortOrder unchanged between pages',
    );
  });

  it('expires after timeoutSeconds with expiredCursor', async () => {
    const cursor = await encodeCursor(context, STATE);
    const later = (seconds: number) => ({ ...context, now: new Date(NOW.getTime() + seconds * 1000) });
    assert.deepEqual(await decodeCursor(later(3600), cursor), STATE);
    await rejects(decodeCursor(later(3601), cursor), 'expiredCursor', 'cursors are valid for 3600 seconds');
    const short = { ...later(11), settings: { ...context.settings, timeoutSeconds: 10 } };
    const shortCursor = await encodeCursor({ ...context, settings: short.settings }, STATE);
    await rejects(decodeCursor(short, shortCursor), 'expiredCursor', 'valid for 10 seconds (cursorTimeout)');
  });
});
