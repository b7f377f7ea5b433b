/**
 * Runs the events contract suite against memory, SQLite (in memory and in a file) and, when
 * SCIMD_TEST_PG_URL names one, PostgreSQL (a throwaway schema per store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runEventContracts } from './events-store.contract.js';
import { createMemoryStore } from './memory/store.js';
import { openStore } from './open.js';
import { describePostgres, openPostgresTestStore } from './test-support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runEventContracts('memory', async () => createMemoryStore());
runEventContracts('SQLite :memory:', () => openStore('sqlite::memory:'));
runEventContracts('SQLite file', () => openStore(`file:${join(dir, `events-${++n}.db`)}`));
describePostgres('PostgreSQL', (url) => runEventContracts('PostgreSQL', () => openPostgresTestStore(url)));
