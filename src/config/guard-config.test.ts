/** The deprovision guard's configuration (docs/guard.md): defaults, accepted forms, refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message.split('\n').slice(1);
  }
  return assert.fail('expected a ConfigError');
}

describe('SCIMD_GUARD_*', () => {
  it('defaults to on, more than 10 % and at least 20 users within 60 minutes', () => {
    const config = loadConfig({});
    assert.deepEqual(
      [config.guardEnabled, config.guardPercent, config.guardMinimum, config.guardWindowMinutes],
      [true, 10, 20, 60],
    );
  });

  it('reads off, decimals, minutes and hours', () => {
    const config = loadConfig({
      SCIMD_GUARD: 'off',
      SCIMD_GUARD_PERCENT: '2.5',
      SCIMD_GUARD_MINIMUM: '50',
      SCIMD_GUARD_WINDOW: '2h',
    });
    assert.deepEqual(
      [config.guardEnabled, config.guardPercent, config.guardMinimum, config.guardWindowMinutes],
      [false, 2.5, 50, 120],
    );
    assert.equal(loadConfig({ SCIMD_GUARD_WINDOW: '90m' }).guardWindowMinutes, 90);
    assert.equal(loadConfig({ SCIMD_GUARD_PERCENT: '100' }).guardPercent, 100);
  });

  it('refuses values out of range or of the wrong form, naming each variable', () => {
    for (const [name, value] of [
      ['SCIMD_GUARD', 'maybe'],
      ['SCIMD_GUARD_PERCENT', '0'],
      ['SCIMD_GUARD_PERCENT', '101'],
      ['SCIMD_GUARD_PERCENT', '10%'],
      ['SCIMD_GUARD_MINIMUM', '0'],
      ['SCIMD_GUARD_MINIMUM', '-5'],
      ['SCIMD_GUARD_WINDOW', '60'],
      ['SCIMD_GUARD_WINDOW', '0m'],
      ['SCIMD_GUARD_WINDOW', '169h'],
      ['SCIMD_GUARD_WINDOW', '30s'],
    ] as const) {
      const problems = problemsOf({ [name]: value });
      assert.equal(problems.length, 1, `${name}=${value}`);
      assert.ok(problems[0]!.includes(name), problems[0]);
    }
  });
});
