/**
 * Runs the tenant health contract on memory, SQLite (in memory and in a file) and, when
 * SCIMD_TEST_PG_URL names one, PostgreSQL (a throwaway schema per store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { healthContract } from './contract/health.contract.js';
import { createMemoryStore } from './memory/store.js';
import { openStore } from './open.js';
import { describePostgres, openPostgresTestStore } from './test-support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-health-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('health: memory', () => healthContract(async () => createMemoryStore()));
describe('health: SQLite :memory:', () => healthContract(() => openStore('sqlite::memory:')));
describe('health: SQLite file', () => healthContract(() => openStore(`file:${join(dir, `health-${++n}.db`)}`)));
describePostgres('health: PostgreSQL', (url) => healthContract(() => openPostgresTestStore(url)));
