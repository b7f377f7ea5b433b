/**
 * Keeps the README true: its configuration table lists every variable with the default the
 * code uses, and it shows the two newcomer commands.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '../src/config/config.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('documents every configuration variable with its real default', () => {
    const rows = new Map(
      readme
        .split('\n')
        .filter((line) => line.startsWith('| `SCIMD_'))
        .map((line) => {
          const cells = line.split('|').map((c) => c.trim());
          return [cells[1]!.replaceAll('`', ''), cells[2]!.replaceAll('`', '')] as const;
        }),
    );
    for (const variable of CONFIG_VARIABLES) {
      assert.ok(rows.has(variable.name), `README lacks ${variable.name}`);
      if (variable.default) assert.equal(rows.get(variable.name), variable.default, variable.name);
    }
    assert.equal(rows.size, CONFIG_VARIABLES.length, 'README lists a variable the code does not read');
  });

  it('gives the two newcomer commands', () => {
    assert.match(readme, /npm install && npm start/);
    assert.match(readme, /^npm test\b/m);
  });
});
