import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/config.js';

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.variable}: ${p.message}`);
  }
  return assert.fail('expected a ConfigError');
};

describe('metrics configuration', () => {
  it('defaults: on, a listener at 127.0.0.1:9464, no main-port /metrics, no per-tenant series', () => {
    const config = loadConfig({});
    assert.equal(config.metricsEnabled, true);
    assert.equal(config.metricsHost, '127.0.0.1');
    assert.equal(config.metricsPort, 9464);
    assert.equal(config.metricsTokenHash, undefined);
    assert.deepEqual(config.metricsTenants, { mode: 'off' });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SCIMD_METRICS: 'off',
      SCIMD_METRICS_HOST: '0.0.0.0',
      SCIMD_METRICS_PORT: '0',
      SCIMD_METRICS_TOKEN_HASH: `sha256:${'AB'.repeat(32)}`,
      SCIMD_METRICS_TENANTS: 'top:20',
    });
    assert.equal(config.metricsEnabled, false);
    assert.equal(config.metricsHost, '0.0.0.0');
    assert.equal(config.metricsPort, 0);
    assert.equal(config.metricsTokenHash, 'ab'.repeat(32));
    assert.deepEqual(config.metricsTenants, { mode: 'top', count: 20 });
    assert.deepEqual(loadConfig({ SCIMD_METRICS_TENANTS: 'acme, globex' }).metricsTenants, {
      mode: 'allow',
      slugs: ['acme', 'globex'],
    });
  });

  it('refuses bad values, never echoing the credential hash', () => {
    const form = 'must be off, top:<N> (N from 1 to 1000) or a comma-separated list of tenant slugs';
    for (const value of ['top:0', 'top:1001', 'top:x', 'top:', 'Acme', ',', 'a b']) {
      assert.deepEqual(problem({ SCIMD_METRICS_TENANTS: value }), [`SCIMD_METRICS_TENANTS: "${value}" ${form}`]);
    }
    assert.deepEqual(problem({ SCIMD_METRICS_PORT: '70000' }), [
      'SCIMD_METRICS_PORT: "70000" must be an integer from 0 to 65535',
    ]);
    assert.deepEqual(problem({ SCIMD_METRICS_TOKEN_HASH: 'secret-token' }), [
      'SCIMD_METRICS_TOKEN_HASH: the value must be sha256:<64 hex digits> (print one with: scimd admin-token)',
    ]);
  });
});
