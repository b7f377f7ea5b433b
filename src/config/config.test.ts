import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): readonly { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

function messageFor(name: string, value: string): string {
  const problems = problemsOf({ [name]: value });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.variable, name);
  return problems[0]!.message;
}

describe('loadConfig defaults', () => {
  it('returns every default for an empty environment', () => {
    assert.deepEqual(
      { ...loadConfig({}) },
      {
        port: 8080,
        host: '0.0.0.0',
        databaseUrl: 'file:./data/scimd.db',
        publicUrl: undefined,
        logLevel: 'info',
        maxBodyBytes: 1048576,
        listMaxResults: 200,
        trustProxy: false,
        entraClientIdTest: undefined,
        entraClientIdProd: undefined,
        databasePoolSize: 10,
        databasePreparedStatements: true,
        adminTokenHash: undefined,
        schemaExtensionsPath: undefined,
        bulkMaxOperations: 1000,
        bulkMaxPayloadBytes: 1048576,
        eventRetentionMs: 30 * 86_400_000,
        webhookMaxAttempts: 12,
        logRetentionMs: 30 * 86_400_000,
        logMaxEntries: 10000,
        logMaxBodyBytes: 16384,
        webhookAllowTargets: [],
        unknownAttributes: 'ignore',
        maxAttributeBytes: 32768,
        maxResourceBytes: 262144,
        headersTimeoutMs: 10_000,
        bodyTimeoutMs: 30_000,
        requestTimeoutMs: 60_000,
        keepAliveTimeoutMs: 72_000,
        maxConnections: 1000,
        listMaxPageBytes: 1_048_576,
        cursorSecret: undefined,
        consoleEnabled: true,
        consoleIdleTimeoutMs: 30 * 60_000,
        consoleAbsoluteTimeoutMs: 12 * 3_600_000,
        setupTokenGraceMs: 24 * 3_600_000,
        metricsEnabled: true,
        metricsHost: '127.0.0.1',
        metricsPort: 9464,
        metricsTokenHash: undefined,
        metricsTenants: { mode: 'off' },
        tenantRateLimit: { max: 1000, windowMs: 10_000 },
        authFailureLimit: { max: 20, windowMs: 60_000 },
        shedEventLoopDelayMs: 1000,
        shedHeapBytes: 0,
        shedRssBytes: 0,
        maxInFlight: 256,
        healthSilentAfterMs: 2 * 3_600_000,
        healthIntervalMs: 60_000,
        healthAtRiskFraction: 0.5,
        history: true,
        historyRetentionMs: 7 * 365.25 * 86_400_000,
        guardEnabled: true,
        guardPercent: 10,
        guardMinimum: 20,
        guardWindowMinutes: 60,
      },
    );
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ SCIMD_PORT: '', SCIMD_PUBLIC_URL: '   ', SCIMD_LOG_LEVEL: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.logLevel, 'info');
  });

  it('ignores variables it does not know', () => {
    assert.equal(loadConfig({ SCIMD_NOPE: 'x', PATH: '/bin' }).port, 8080);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('documents every variable with its default', () => {
    assert.deepEqual(
      CONFIG_VARIABLES.map((v) => [v.name, v.default]),
      [
        ['SCIMD_PORT', '8080'],
        ['SCIMD_HOST', '0.0.0.0'],
        ['SCIMD_DATABASE_URL', 'file:./data/scimd.db'],
        ['SCIMD_PUBLIC_URL', null],
        ['SCIMD_LOG_LEVEL', 'info'],
        ['SCIMD_MAX_BODY_BYTES', '1048576'],
        ['SCIMD_LIST_MAX_RESULTS', '200'],
        ['SCIMD_TRUST_PROXY', 'false'],
        ['SCIMD_ENTRA_CLIENT_ID_TEST', null],
        ['SCIMD_ENTRA_CLIENT_ID_PROD', null],
        ['SCIMD_DATABASE_POOL_SIZE', '10'],
        ['SCIMD_DATABASE_PREPARED_STATEMENTS', 'on'],
        ['SCIMD_ADMIN_TOKEN_HASH', null],
        ['SCIMD_SCHEMA_EXTENSIONS', null],
        ['SCIMD_BULK_MAX_OPERATIONS', '1000'],
        ['SCIMD_BULK_MAX_PAYLOAD_BYTES', '1048576'],
        ['SCIMD_EVENT_RETENTION', '30d'],
        ['SCIMD_WEBHOOK_MAX_ATTEMPTS', '12'],
        ['SCIMD_LOG_RETENTION', '30d'],
        ['SCIMD_LOG_MAX_ENTRIES', '10000'],
        ['SCIMD_LOG_MAX_BODY_BYTES', '16384'],
        ['SCIMD_WEBHOOK_ALLOW_TARGETS', null],
        ['SCIMD_UNKNOWN_ATTRIBUTES', 'ignore'],
        ['SCIMD_MAX_ATTRIBUTE_BYTES', '32768'],
        ['SCIMD_MAX_RESOURCE_BYTES', '262144'],
        ['SCIMD_HEADERS_TIMEOUT_MS', '10000'],
        ['SCIMD_BODY_TIMEOUT_MS', '30000'],
        ['SCIMD_REQUEST_TIMEOUT_MS', '60000'],
        ['SCIMD_KEEP_ALIVE_TIMEOUT_MS', '72000'],
        ['SCIMD_MAX_CONNECTIONS', '1000'],
        ['SCIMD_LIST_MAX_PAGE_BYTES', '1048576'],
        ['SCIMD_CURSOR_SECRET', null],
        ['SCIMD_CONSOLE', 'on'],
        ['SCIMD_CONSOLE_IDLE_TIMEOUT', '30m'],
        ['SCIMD_CONSOLE_ABSOLUTE_TIMEOUT', '12h'],
        ['SCIMD_SETUP_TOKEN_GRACE', '24h'],
        ['SCIMD_METRICS', 'on'],
        ['SCIMD_METRICS_HOST', '127.0.0.1'],
        ['SCIMD_METRICS_PORT', '9464'],
        ['SCIMD_METRICS_TOKEN_HASH', null],
        ['SCIMD_METRICS_TENANTS', 'off'],
        ['SCIMD_TENANT_RATE_LIMIT', '1000/10s'],
        ['SCIMD_AUTH_FAILURE_LIMIT', '20/1m'],
        ['SCIMD_SHED_EVENT_LOOP_DELAY_MS', '1000'],
        ['SCIMD_SHED_HEAP_BYTES', '0'],
        ['SCIMD_SHED_RSS_BYTES', '0'],
        ['SCIMD_MAX_IN_FLIGHT', '256'],
        ['SCIMD_HEALTH_SILENT_AFTER', '2h'],
        ['SCIMD_HEALTH_INTERVAL', '60s'],
        ['SCIMD_HEALTH_AT_RISK_FRACTION', '0.5'],
        ['SCIMD_HISTORY', 'on'],
        ['SCIMD_HISTORY_RETENTION', '7y'],
        ['SCIMD_GUARD', 'on'],
        ['SCIMD_GUARD_PERCENT', '10'],
        ['SCIMD_GUARD_MINIMUM', '20'],
        ['SCIMD_GUARD_WINDOW', '60m'],
      ],
    );
    for (const v of CONFIG_VARIABLES) assert.ok(v.description.length > 20, v.name);
    assert.ok(Object.isFrozen(CONFIG_VARIABLES) && Object.isFrozen(CONFIG_VARIABLES[0]));
  });
});

describe('loadConfig good values', () => {
  it('parses every variable', () => {
    const config = loadConfig({
      SCIMD_PORT: ' 0 ',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_DATABASE_URL: 'file:/var/lib/scimd/x.db',
      SCIMD_PUBLIC_URL: 'https://Scim.Example.com/base/',
      SCIMD_LOG_LEVEL: 'silent',
      SCIMD_MAX_BODY_BYTES: '1024',
      SCIMD_LIST_MAX_RESULTS: '10000',
      SCIMD_TRUST_PROXY: 'YES',
      SCIMD_ENTRA_CLIENT_ID_TEST: 'AAAAAAAA-bbbb-4ccc-8ddd-0123456789EF',
      SCIMD_ENTRA_CLIENT_ID_PROD: '00000000-0000-0000-0000-000000000001',
      SCIMD_DATABASE_POOL_SIZE: '25',
      SCIMD_DATABASE_PREPARED_STATEMENTS: 'off',
      SCIMD_ADMIN_TOKEN_HASH: `sha256:${'AB'.repeat(32)}`,
      SCIMD_SCHEMA_EXTENSIONS: './extensions.json',
      SCIMD_BULK_MAX_OPERATIONS: '5',
      SCIMD_BULK_MAX_PAYLOAD_BYTES: '2048',
      SCIMD_EVENT_RETENTION: '12h',
      SCIMD_WEBHOOK_MAX_ATTEMPTS: '3',
      SCIMD_LOG_RETENTION: '2w',
      SCIMD_LOG_MAX_ENTRIES: '100',
      SCIMD_LOG_MAX_BODY_BYTES: '0',
      SCIMD_WEBHOOK_ALLOW_TARGETS: '10.0.0.0/8',
      SCIMD_UNKNOWN_ATTRIBUTES: 'reject',
      SCIMD_MAX_ATTRIBUTE_BYTES: '256',
      SCIMD_MAX_RESOURCE_BYTES: '16777216',
      SCIMD_HEADERS_TIMEOUT_MS: '100',
      SCIMD_BODY_TIMEOUT_MS: '3600000',
      SCIMD_REQUEST_TIMEOUT_MS: '100',
      SCIMD_KEEP_ALIVE_TIMEOUT_MS: '5000',
      SCIMD_MAX_CONNECTIONS: '1',
      SCIMD_LIST_MAX_PAGE_BYTES: '65536',
      SCIMD_CURSOR_SECRET: ` ${'c'.repeat(32)} `,
      SCIMD_CONSOLE: 'off',
      SCIMD_CONSOLE_IDLE_TIMEOUT: '1h',
      SCIMD_CONSOLE_ABSOLUTE_TIMEOUT: '8h',
      SCIMD_SETUP_TOKEN_GRACE: '1h',
      SCIMD_TENANT_RATE_LIMIT: '100/s',
      SCIMD_AUTH_FAILURE_LIMIT: 'off',
      SCIMD_SHED_EVENT_LOOP_DELAY_MS: '0',
      SCIMD_SHED_HEAP_BYTES: '1073741824',
      SCIMD_SHED_RSS_BYTES: '2147483648',
      SCIMD_MAX_IN_FLIGHT: '0',
      SCIMD_HEALTH_SILENT_AFTER: '3h',
      SCIMD_HEALTH_INTERVAL: '30s',
      SCIMD_HEALTH_AT_RISK_FRACTION: '0.25',
      SCIMD_HISTORY: 'off',
      SCIMD_HISTORY_RETENTION: '400d',
    });
    assert.deepEqual(
      { ...config },
      {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: 'file:/var/lib/scimd/x.db',
        publicUrl: 'https://scim.example.com/base',
        logLevel: 'silent',
        maxBodyBytes: 1024,
        listMaxResults: 10000,
        trustProxy: true,
        entraClientIdTest: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ef',
        entraClientIdProd: '00000000-0000-0000-0000-000000000001',
        databasePoolSize: 25,
        databasePreparedStatements: false,
        adminTokenHash: 'ab'.repeat(32),
        schemaExtensionsPath: './extensions.json',
        bulkMaxOperations: 5,
        bulkMaxPayloadBytes: 2048,
        eventRetentionMs: 12 * 3_600_000,
        webhookMaxAttempts: 3,
        logRetentionMs: 14 * 86_400_000,
        logMaxEntries: 100,
        logMaxBodyBytes: 0,
        webhookAllowTargets: ['10.0.0.0/8'],
        unknownAttributes: 'reject',
        maxAttributeBytes: 256,
        maxResourceBytes: 16777216,
        headersTimeoutMs: 100,
        bodyTimeoutMs: 3_600_000,
        requestTimeoutMs: 100,
        keepAliveTimeoutMs: 5000,
        maxConnections: 1,
        listMaxPageBytes: 65536,
        cursorSecret: 'c'.repeat(32),
        consoleEnabled: false,
        consoleIdleTimeoutMs: 3_600_000,
        consoleAbsoluteTimeoutMs: 8 * 3_600_000,
        setupTokenGraceMs: 3_600_000,
        metricsEnabled: true,
        metricsHost: '127.0.0.1',
        metricsPort: 9464,
        metricsTokenHash: undefined,
        metricsTenants: { mode: 'off' },
        tenantRateLimit: { max: 100, windowMs: 1000 },
        authFailureLimit: null,
        shedEventLoopDelayMs: 0,
        shedHeapBytes: 1_073_741_824,
        shedRssBytes: 2_147_483_648,
        maxInFlight: 0,
        healthSilentAfterMs: 3 * 3_600_000,
        healthIntervalMs: 30_000,
        healthAtRiskFraction: 0.25,
        history: false,
        historyRetentionMs: 400 * 86_400_000,
        guardEnabled: true,
        guardPercent: 10,
        guardMinimum: 20,
        guardWindowMinutes: 60,
      },
    );
  });

  it('accepts each database form', () => {
    for (const url of [
      'memory:',
      'sqlite::memory:',
      'file:./data/scimd.db',
      'file:x.db',
      'postgres://scimd:secret@localhost:5432/scimd',
      'postgresql://localhost/scimd',
    ]) {
      assert.equal(loadConfig({ SCIMD_DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('strips trailing slashes from the public URL and keeps a port', () => {
    assert.equal(loadConfig({ SCIMD_PUBLIC_URL: 'http://localhost:3000//' }).publicUrl, 'http://localhost:3000');
    assert.equal(loadConfig({ SCIMD_PUBLIC_URL: 'https://x.example' }).publicUrl, 'https://x.example');
  });

  it('reads booleans in several spellings', () => {
    for (const [raw, value] of [
      ['true', true],
      ['1', true],
      ['on', true],
      ['False', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ] as const) {
      assert.equal(loadConfig({ SCIMD_TRUST_PROXY: raw }).trustProxy, value, raw);
    }
  });

  it('accepts every log level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      assert.equal(loadConfig({ SCIMD_LOG_LEVEL: level }).logLevel, level);
    }
  });
});

describe('loadConfig bad values', () => {
  const PORT = '"x" must be an integer from 0 to 65535';
  it('rejects bad ports', () => {
    assert.equal(messageFor('SCIMD_PORT', 'x'), PORT);
    assert.equal(messageFor('SCIMD_PORT', '65536'), '"65536" must be an integer from 0 to 65535');
    assert.equal(messageFor('SCIMD_PORT', '-1'), '"-1" must be an integer from 0 to 65535');
    assert.equal(messageFor('SCIMD_PORT', '80.5'), '"80.5" must be an integer from 0 to 65535');
    assert.equal(messageFor('SCIMD_PORT', '0x50'), '"0x50" must be an integer from 0 to 65535');
  });

  it('rejects a host with spaces or slashes', () => {
    assert.match(messageFor('SCIMD_HOST', 'a b'), /^"a b" must be a host name or IP address/);
    assert.match(messageFor('SCIMD_HOST', 'http://x'), /must be a host name or IP address/);
  });

  it('rejects unknown database URLs without echoing them', () => {
    const message = messageFor('SCIMD_DATABASE_URL', 'mysql://user:secret@db/x');
    assert.match(message, /^the value must be file:<path> \(e\.g\. file:\.\/data\/scimd\.db/);
    assert.match(message, /sqlite::memory:, memory:, or postgres:\/\/user:password@host:5432\/database$/);
    assert.ok(!message.includes('secret'));
    assert.match(messageFor('SCIMD_DATABASE_URL', 'file:'), /must be file:<path>/);
    assert.match(messageFor('SCIMD_DATABASE_URL', 'postgres://'), /must be file:<path>/);
  });

  it('rejects an admin token hash that is not sha256:<64 hex>, without echoing it', () => {
    const message = messageFor('SCIMD_ADMIN_TOKEN_HASH', 'scimd_admin_plaintext');
    assert.match(message, /^the value must be sha256:<64 hex digits>/);
    assert.ok(!message.includes('plaintext'));
    assert.match(messageFor('SCIMD_DATABASE_POOL_SIZE', '0'), /must be an integer from 1 to 500/);
  });

  it('rejects bad public URLs with the reason', () => {
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'scim.example.com'), /^"scim\.example\.com" must be an http\(s\) URL/);
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'ftp://x.example'), /must use http or https/);
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'https://x.example/?a=1'), /must not have a query or fragment/);
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'https://x.example/?'), /must not have a query or fragment/);
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'https://x.example/#top'), /must not have a query or fragment/);
    assert.match(messageFor('SCIMD_PUBLIC_URL', 'https://u:p@x.example'), /must not contain credentials/);
  });

  it('rejects an unknown log level and lists the allowed ones', () => {
    assert.equal(
      messageFor('SCIMD_LOG_LEVEL', 'verbose'),
      '"verbose" must be one of fatal, error, warn, info, debug, trace, silent',
    );
    assert.match(messageFor('SCIMD_LOG_LEVEL', 'INFO'), /must be one of/);
  });

  it('rejects body limits out of range', () => {
    const form = 'must be an integer number of bytes from 1024 to 1073741824';
    assert.equal(messageFor('SCIMD_MAX_BODY_BYTES', '1023'), `"1023" ${form}`);
    assert.equal(messageFor('SCIMD_MAX_BODY_BYTES', '1073741825'), `"1073741825" ${form}`);
    assert.equal(messageFor('SCIMD_MAX_BODY_BYTES', '1mb'), `"1mb" ${form}`);
  });

  it('rejects list limits out of range', () => {
    assert.equal(messageFor('SCIMD_LIST_MAX_RESULTS', '0'), '"0" must be an integer from 1 to 10000');
    assert.equal(messageFor('SCIMD_LIST_MAX_RESULTS', '10001'), '"10001" must be an integer from 1 to 10000');
  });

  it('rejects a non-boolean trust proxy', () => {
    assert.equal(
      messageFor('SCIMD_TRUST_PROXY', 'maybe'),
      '"maybe" must be true or false (also accepted: 1/0, yes/no, on/off)',
    );
  });

  it('rejects client IDs that are not GUIDs', () => {
    for (const name of ['SCIMD_ENTRA_CLIENT_ID_TEST', 'SCIMD_ENTRA_CLIENT_ID_PROD']) {
      assert.match(
        messageFor(name, 'not-a-guid'),
        /^"not-a-guid" must be a GUID like 00000000-0000-0000-0000-000000000000/,
      );
      assert.match(messageFor(name, '{00000000-0000-0000-0000-000000000000}'), /must be a GUID/);
    }
  });

  it('rejects retention durations and event limits out of range', () => {
    const form = 'must be a duration: a whole number followed by m, h, d or w (e.g. 12h, 30d, 8w), from 1m to 3650d';
    assert.equal(messageFor('SCIMD_EVENT_RETENTION', '30'), `"30" ${form}`);
    assert.equal(messageFor('SCIMD_EVENT_RETENTION', '0d'), `"0d" ${form}`);
    assert.equal(messageFor('SCIMD_LOG_RETENTION', '3651d'), `"3651d" ${form}`);
    assert.equal(messageFor('SCIMD_LOG_RETENTION', '1y'), `"1y" ${form}`);
    assert.equal(loadConfig({ SCIMD_LOG_RETENTION: '90m' }).logRetentionMs, 90 * 60_000);
    assert.equal(messageFor('SCIMD_WEBHOOK_MAX_ATTEMPTS', '0'), '"0" must be an integer from 1 to 100');
    assert.equal(messageFor('SCIMD_LOG_MAX_ENTRIES', '99'), '"99" must be an integer from 100 to 10000000');
    assert.equal(
      messageFor('SCIMD_LOG_MAX_BODY_BYTES', '1048577'),
      '"1048577" must be an integer number of bytes from 0 to 1048576',
    );
  });

  it('rejects bulk limits out of range', () => {
    assert.equal(messageFor('SCIMD_BULK_MAX_OPERATIONS', '0'), '"0" must be an integer from 1 to 100000');
    assert.equal(messageFor('SCIMD_BULK_MAX_OPERATIONS', '100001'), '"100001" must be an integer from 1 to 100000');
    assert.equal(
      messageFor('SCIMD_BULK_MAX_PAYLOAD_BYTES', '1023'),
      '"1023" must be an integer number of bytes from 1024 to 1073741824',
    );
    assert.equal(
      messageFor('SCIMD_BULK_MAX_PAYLOAD_BYTES', '1mb'),
      '"1mb" must be an integer number of bytes from 1024 to 1073741824',
    );
  });

  it('rejects an unknown-attribute mode other than ignore/reject, and resource limits out of range (issues #13.4, #12.3)', () => {
    assert.equal(messageFor('SCIMD_UNKNOWN_ATTRIBUTES', 'drop'), '"drop" must be ignore or reject');
    assert.equal(
      messageFor('SCIMD_MAX_ATTRIBUTE_BYTES', '255'),
      '"255" must be an integer number of bytes from 256 to 1048576',
    );
    assert.equal(
      messageFor('SCIMD_MAX_RESOURCE_BYTES', '99999999'),
      '"99999999" must be an integer number of bytes from 4096 to 16777216',
    );
  });

  it('rejects slow-client limits out of range, and a request timeout below the headers timeout (#12.7)', () => {
    for (const name of [
      'SCIMD_HEADERS_TIMEOUT_MS',
      'SCIMD_BODY_TIMEOUT_MS',
      'SCIMD_REQUEST_TIMEOUT_MS',
      'SCIMD_KEEP_ALIVE_TIMEOUT_MS',
    ]) {
      assert.equal(messageFor(name, '99'), '"99" must be an integer number of milliseconds from 100 to 3600000');
      assert.equal(messageFor(name, '30s'), '"30s" must be an integer number of milliseconds from 100 to 3600000');
    }
    assert.equal(messageFor('SCIMD_MAX_CONNECTIONS', '0'), '"0" must be an integer from 1 to 1000000');
    assert.deepEqual(problemsOf({ SCIMD_REQUEST_TIMEOUT_MS: '5000' }), [
      { variable: 'SCIMD_REQUEST_TIMEOUT_MS', message: '5000 must be at least SCIMD_HEADERS_TIMEOUT_MS (10000)' },
    ]);
  });

  it('rejects a page byte budget out of range (#12.3)', () => {
    assert.equal(
      messageFor('SCIMD_LIST_MAX_PAGE_BYTES', '65535'),
      '"65535" must be an integer number of bytes from 65536 to 1073741824',
    );
  });

  it('lists every bad variable in one error', () => {
    let caught: unknown;
    try {
      loadConfig({
        SCIMD_PORT: 'abc',
        SCIMD_LOG_LEVEL: 'loud',
        SCIMD_TRUST_PROXY: 'maybe',
        SCIMD_HOST: 'fine.example',
        SCIMD_ENTRA_CLIENT_ID_PROD: 'x',
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    assert.deepEqual(
      caught.problems.map((p) => p.variable),
      ['SCIMD_PORT', 'SCIMD_LOG_LEVEL', 'SCIMD_TRUST_PROXY', 'SCIMD_ENTRA_CLIENT_ID_PROD'],
    );
    const lines = caught.message.split('\n');
    assert.equal(lines[0], 'invalid configuration (4 problems):');
    assert.equal(lines[1], '  SCIMD_PORT: "abc" must be an integer from 0 to 65535');
    assert.equal(lines[2], '  SCIMD_LOG_LEVEL: "loud" must be one of fatal, error, warn, info, debug, trace, silent');
    assert.match(lines[3]!, /^ {2}SCIMD_TRUST_PROXY: "maybe" must be true or false/);
    assert.match(lines[4]!, /^ {2}SCIMD_ENTRA_CLIENT_ID_PROD: "x" must be a GUID/);
    assert.equal(lines.length, 5);
    assert.equal(caught.name, 'ConfigError');
  });

  it('says "1 problem" for a single problem', () => {
    assert.throws(() => loadConfig({ SCIMD_PORT: 'x' }), {
      name: 'ConfigError',
      message: `invalid configuration (1 problem):\n  SCIMD_PORT: ${PORT}`,
    });
  });
});

// Issue #12.6: internal webhook receivers are refused unless listed here.
describe('SCIMD_WEBHOOK_ALLOW_TARGETS', () => {
  it('reads host names, IP addresses and CIDR networks, normalised, and is empty by default', () => {
    assert.deepEqual(loadConfig({}).webhookAllowTargets, []);
    const config = loadConfig({
      SCIMD_WEBHOOK_ALLOW_TARGETS: ' Hooks.Internal. , 127.0.0.1,10.0.0.0/8, [::1] ,FD00:0::/8,, localhost',
    });
    assert.deepEqual(config.webhookAllowTargets, [
      'hooks.internal',
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'localhost',
    ]);
    assert.ok(Object.isFrozen(config.webhookAllowTargets));
  });

  it('rejects entries that are not a host name, an address or a CIDR, naming the entry', () => {
    const form =
      'must be a comma-separated list of host names, IP addresses and CIDR networks, e.g. hooks.internal,10.0.0.0/8,fd00::/8';
    const cases: [string, string][] = [
      ['http://hooks.internal', 'http://hooks.internal'],
      ['10.0.0.0/33', '10.0.0.0/33'],
      ['::1/129', '::1/129'],
      ['hooks.internal/8', 'hooks.internal/8'],
      ['10.0.0.256', '10.0.0.256'],
      ['0x7f000001', '0x7f000001'],
      ['010.0.0.1', '010.0.0.1'],
      ['a b', 'a b'],
      ['ok.example,fe80::1::2', 'fe80::1::2'],
    ];
    for (const [value, entry] of cases) {
      assert.equal(
        messageFor('SCIMD_WEBHOOK_ALLOW_TARGETS', value),
        `${JSON.stringify(value)} ${form}: ${JSON.stringify(entry)} is not one`,
        value,
      );
    }
  });
});

describe('SCIMD_CURSOR_SECRET (#14.6)', () => {
  it('is unset by default and kept as given, trimmed', () => {
    assert.equal(loadConfig({}).cursorSecret, undefined);
    const secret = 'f00d'.repeat(16);
    assert.equal(loadConfig({ SCIMD_CURSOR_SECRET: `${secret}\n` }).cursorSecret, secret);
  });

  it('refuses a secret shorter than 32 characters without echoing it', () => {
    const message = messageFor('SCIMD_CURSOR_SECRET', 'short-secret-value');
    assert.equal(
      message,
      'the value must be at least 32 characters, the same on every scimd process (e.g. from: openssl rand -hex 32)',
    );
  });
});

describe('the web console and the setup portal (#15)', () => {
  it('reads on/off and durations, and a grace of 0', () => {
    const config = loadConfig({
      SCIMD_CONSOLE: 'off',
      SCIMD_CONSOLE_IDLE_TIMEOUT: '15m',
      SCIMD_CONSOLE_ABSOLUTE_TIMEOUT: '1d',
      SCIMD_SETUP_TOKEN_GRACE: '0',
    });
    assert.deepEqual(
      [config.consoleEnabled, config.consoleIdleTimeoutMs, config.consoleAbsoluteTimeoutMs, config.setupTokenGraceMs],
      [false, 15 * 60_000, 86_400_000, 0],
    );
    assert.equal(loadConfig({ SCIMD_CONSOLE: 'ON' }).consoleEnabled, true);
    assert.equal(loadConfig({ SCIMD_SETUP_TOKEN_GRACE: '2w' }).setupTokenGraceMs, 14 * 86_400_000);
  });

  it('refuses bad values, and an absolute timeout below the idle one', () => {
    const form = 'a duration: a whole number followed by m, h, d or w (e.g. 12h, 30d, 8w), from 1m to 3650d';
    assert.equal(
      messageFor('SCIMD_CONSOLE', 'maybe'),
      '"maybe" must be true or false (also accepted: 1/0, yes/no, on/off)',
    );
    assert.equal(messageFor('SCIMD_CONSOLE_IDLE_TIMEOUT', '0'), `"0" must be ${form}`);
    assert.equal(messageFor('SCIMD_CONSOLE_ABSOLUTE_TIMEOUT', '12'), `"12" must be ${form}`);
    for (const value of ['00', '-1', '1s', '3651d']) {
      assert.equal(messageFor('SCIMD_SETUP_TOKEN_GRACE', value), `${JSON.stringify(value)} must be 0 or ${form}`);
    }
    assert.equal(
      messageFor('SCIMD_CONSOLE_ABSOLUTE_TIMEOUT', '10m'),
      '10m must be at least SCIMD_CONSOLE_IDLE_TIMEOUT (30m)',
    );
  });
});

describe('tenant health (#16.2)', () => {
  it('reads the interval in seconds, minutes or hours, and the at-risk fraction', () => {
    assert.equal(loadConfig({ SCIMD_HEALTH_INTERVAL: '5s' }).healthIntervalMs, 5000);
    assert.equal(loadConfig({ SCIMD_HEALTH_INTERVAL: '5m' }).healthIntervalMs, 300_000);
    assert.equal(loadConfig({ SCIMD_HEALTH_INTERVAL: '24h' }).healthIntervalMs, 86_400_000);
    assert.equal(loadConfig({ SCIMD_HEALTH_AT_RISK_FRACTION: '1' }).healthAtRiskFraction, 1);
    assert.equal(loadConfig({ SCIMD_HEALTH_AT_RISK_FRACTION: '.1' }).healthAtRiskFraction, 0.1);
    assert.equal(loadConfig({ SCIMD_HEALTH_SILENT_AFTER: '90m' }).healthSilentAfterMs, 90 * 60_000);
  });

  it('refuses bad values', () => {
    const interval = 'a whole number followed by s, m or h (e.g. 60s, 5m), from 5s to 24h';
    for (const value of ['4s', '25h', '60', '1d', '0s']) {
      assert.equal(messageFor('SCIMD_HEALTH_INTERVAL', value), `${JSON.stringify(value)} must be ${interval}`);
    }
    const fraction = 'a decimal number above 0 and at most 1 (e.g. 0.5)';
    for (const value of ['0', '0.0', '1.5', '50%', '2']) {
      assert.equal(messageFor('SCIMD_HEALTH_AT_RISK_FRACTION', value), `${JSON.stringify(value)} must be ${fraction}`);
    }
    assert.match(messageFor('SCIMD_HEALTH_SILENT_AFTER', '30s'), /must be a duration/);
  });
});

describe('SCIMD_HISTORY_RETENTION (#17)', () => {
  it('takes days, weeks or years up to 100y and refuses anything else', () => {
    assert.equal(loadConfig({ SCIMD_HISTORY_RETENTION: '1d' }).historyRetentionMs, 86_400_000);
    assert.equal(loadConfig({ SCIMD_HISTORY_RETENTION: '2w' }).historyRetentionMs, 14 * 86_400_000);
    assert.equal(loadConfig({ SCIMD_HISTORY_RETENTION: '100y' }).historyRetentionMs, 100 * 365.25 * 86_400_000);
    const form = 'a whole number followed by d, w or y (e.g. 400d, 7y), from 1d to 100y';
    for (const value of ['0d', '7', '12h', '101y', '1.5y', '-1y']) {
      assert.equal(messageFor('SCIMD_HISTORY_RETENTION', value), `${JSON.stringify(value)} must be ${form}`);
    }
  });
});
