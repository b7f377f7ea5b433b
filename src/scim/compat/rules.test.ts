/**
 * Keeps the rule registry (rules.ts), docs/compat.md and the code in step: a rule without its
 * row, a row without its rule, a rule whose code or test is gone, or a rule id written next to
 * code but missing from the registry fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { COMPAT_RULES, type CompatRule } from './rules.js';

const PAGE = 'docs/compat.md';

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const SOURCES = filesUnder('src');
const TEST_FILES = [...SOURCES, ...filesUnder('test')].filter((f) => f.endsWith('.test.ts'));
const CODE_FILES = SOURCES.filter((f) => !f.endsWith('.test.ts'));

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

interface Row {
  readonly id: string;
  readonly anchor: string | undefined;
  readonly text: string;
}

/** Rows of the summary table: lines whose first cell names a rule id in backticks. */
function pageRows(page: string): Row[] {
  const rows: Row[] = [];
  for (const line of page.split('\n')) {
    const match = /^\|\s*(?:\[`([a-z0-9-]+)`\]\(#([^)]+)\)|`([a-z0-9-]+)`)\s*\|/.exec(line);
    if (match) rows.push({ id: (match[1] ?? match[3]) as string, anchor: match[2], text: line });
  }
  return rows;
}

function wordIn(text: string, name: string): boolean {
  // A name made of word characters must stand alone (`noContent`, not `noContentX`).
  if (!/^\w+$/.test(name)) return text.includes(name);
  return new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(text);
}

function problemsOf(rule: CompatRule): string[] {
  const problems: string[] = [];
  for (const ref of [...rule.home, ...(rule.askedBy ?? [])]) {
    if (!existsSync(ref.file)) problems.push(`${rule.id}: ${ref.file} does not exist`);
    else if (!wordIn(readFileSync(ref.file, 'utf8'), ref.name))
      problems.push(`${rule.id}: ${ref.file} has no ${ref.name}`);
  }
  for (const ref of rule.home) {
    // Code in src/scim carries the rule id next to the rule; src/http and src/service do not.
    if (ref.file.startsWith('src/scim/') && existsSync(ref.file)) {
      if (!readFileSync(ref.file, 'utf8').includes(`\`${rule.id}\``))
        problems.push(`${rule.id}: ${ref.file} never names it`);
    }
  }
  for (const test of rule.tests) {
    const files = TEST_FILES.filter((f) => basename(f) === test.file);
    if (files.length === 0) problems.push(`${rule.id}: no test file ${test.file}`);
    else if (!files.some((f) => readFileSync(f, 'utf8').includes(test.title))) {
      problems.push(`${rule.id}: ${test.file} has no test "${test.title}"`);
    }
  }
  return problems;
}

describe('IdP compatibility rules: registry, docs/compat.md and code in step (issue #14.2)', () => {
  const page = readFileSync(PAGE, 'utf8');
  const rows = pageRows(page);
  const ids = COMPAT_RULES.map((r) => r.id);

  it('ids are unique kebab-case names', () => {
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)),
      [],
    );
  });

  it('every rule has exactly one row in docs/compat.md, and every row names a rule', () => {
    const rowIds = rows.map((r) => r.id);
    assert.deepEqual(
      ids.filter((id) => rowIds.filter((r) => r === id).length !== 1),
      [],
      'rules without exactly one row',
    );
    assert.deepEqual(
      rowIds.filter((id) => !ids.includes(id)),
      [],
      'rows naming no rule',
    );
  });

  it("each row names the rule's code and test files, and links to a section of the page", () => {
    const anchors = new Set(
      page
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .map((l) => slug(l.replace(/^#+/, ''))),
    );
    const problems: string[] = [];
    for (const rule of COMPAT_RULES) {
      const row = rows.find((r) => r.id === rule.id);
      if (row === undefined) continue;
      for (const ref of rule.home) {
        if (!row.text.includes(ref.name)) problems.push(`${rule.id}: row does not name ${ref.name}`);
      }
      for (const test of rule.tests) {
        if (!row.text.includes(test.file)) problems.push(`${rule.id}: row does not name ${test.file}`);
      }
      if (row.anchor === undefined || !anchors.has(row.anchor))
        problems.push(`${rule.id}: link #${row.anchor} has no section`);
    }
    assert.deepEqual(problems, []);
  });

  it('the code and tests each rule names exist', () => {
    assert.deepEqual(COMPAT_RULES.flatMap(problemsOf), []);
  });

  it('inside src/scim, IdP rules live in src/scim/compat/ (the engine only asks their hooks)', () => {
    const outside = COMPAT_RULES.flatMap((r) =>
      r.home.filter((ref) => ref.file.startsWith('src/scim/') && !ref.file.startsWith('src/scim/compat/')),
    );
    assert.deepEqual(outside, []);
  });

  it('every rule id written next to code is in the registry', () => {
    const unknown: string[] = [];
    for (const file of CODE_FILES) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\brule `([a-z0-9-]+)`/g)) {
        if (!ids.includes(match[1] as string)) unknown.push(`${file}: ${match[1]}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('the checks catch what they are for', () => {
    const broken: CompatRule = {
      id: 'entra-op-names',
      senders: ['Entra'],
      summary: '',
      home: [
        { file: 'src/scim/compat/entra.ts', name: 'normalizeOpNamez' },
        { file: 'src/scim/compat/gone.ts', name: 'x' },
      ],
      tests: [
        { file: 'entra.test.ts', title: 'a test nobody wrote' },
        { file: 'gone.test.ts', title: 'x' },
      ],
    };
    assert.deepEqual(problemsOf(broken), [
      'entra-op-names: src/scim/compat/entra.ts has no normalizeOpNamez',
      'entra-op-names: src/scim/compat/gone.ts does not exist',
      'entra-op-names: entra.test.ts has no test "a test nobody wrote"',
      'entra-op-names: no test file gone.test.ts',
    ]);
    assert.deepEqual(
      pageRows('| [`a-b`](#x) | y |\n| `c` | z |\n| rule | from |').map((r) => r.id),
      ['a-b', 'c'],
    );
    assert.equal(
      slug(' Capitalised operation names — `normalizeOpNames`'),
      'capitalised-operation-names--normalizeopnames',
    );
  });
});
