/**
 * The package's public surface stays small and deliberate: `import … from 'scimd'` resolves to
 * src/index.ts (built to dist/index.js) and offers exactly these runtime names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as scimd from '../src/index.js';

describe('public API', () => {
  it('exports exactly the documented runtime names', () => {
    assert.deepEqual(Object.keys(scimd).sort(), [
      'ConfigError',
      'ScimError',
      'buildApp',
      'createRegistry',
      'loadConfig',
      'openStore',
      'startServer',
      'subscribe',
      'verifyWebhook',
    ]);
  });

  it('package.json points the package entry at the built index and nothing else', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: unknown; bin: unknown };
    assert.deepEqual(pkg.exports, {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    });
    assert.deepEqual(pkg.bin, { scimd: 'bin/scimd.js' });
  });
});
