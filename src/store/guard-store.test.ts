/**
 * Runs the deprovision guard contract on memory, SQLite (in memory and in a file) and, when
 * SCIMD_TEST_PG_URL names one, PostgreSQL (a throwaway schema per store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { guardContract } from './contract/guard.contract.js';
import { createMemoryStore } from './memory/store.js';
import { openStore } from './open.js';
import { describePostgres, openPostgresTestStore } from './test-support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('guard: memory', () => guardContract(async () => createMemoryStore()));
describe('guard: SQLite :memory:', () => guardContract(() => openStore('sqlite::memory:')));
describe('guard: SQLite file', () => guardContract(() => openStore(`file:${join(dir, `guard-${++n}.db`)}`)));
describePostgres('guard: PostgreSQL', (url) => guardContract(() => openPostgresTestStore(url)));
