/**
 * Runs the access history contract on memory, SQLite (in memory and in a file) and, when
 * SCIMD_TEST_PG_URL names one, PostgreSQL (a throwaway schema per store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { historyContract } from './contract/history.contract.js';
import { createMemoryStore } from './memory/store.js';
import { openStore } from './open.js';
import { describePostgres, openPostgresTestStore } from './test-support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('history: memory', () => historyContract(async () => createMemoryStore()));
describe('history: SQLite :memory:', () => historyContract(() => openStore('sqlite::memory:')));
describe('history: SQLite file', () => historyContract(() => openStore(`file:${join(dir, `history-${++n}.db`)}`)));
describePostgres('history: PostgreSQL', (url) => historyContract(() => openPostgresTestStore(url)));
