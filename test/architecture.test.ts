/**
 * Keeps the import table of docs/architecture.md (after shared ARCHITECTURE.md) true:
 * each production file under src/ may import only the layers listed for its folder.
 * Test files are free to import fixtures from anywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = 'src';

/** Layer → internal targets it may import (path prefixes under src/) and whether node:/npm imports are allowed. */
/**
 * The storage port, which every layer above the store may import: resources, tenants, tokens and
 * roles (store.ts), the outbox, endpoints and provisioning log (events-port.ts), and the shapes
 * both use (shapes.ts). Backends are reached only through `store/open.ts` (composition roots).
 */
const STORE_PORT = [
  'store/store.ts',
  'store/events-port.ts',
  'store/shapes.ts',
  'store/console-port.ts',
  'store/observer-port.ts',
  'store/health-port.ts',
  'store/guard-port.ts',
  'store/history-port.ts',
];

const RULES: Record<string, { internal: string[]; external: boolean }> = {
  scim: { internal: ['scim/'], external: false },
  store: { internal: ['scim/', 'store/'], external: true },
  tenancy: { internal: ['scim/', ...STORE_PORT, 'tenancy/'], external: true },
  events: { internal: ['scim/', ...STORE_PORT, 'health/', 'events/'], external: true },
  // Tenant health: the pure evaluator of the rollups and its reads through the port.
  health: { internal: ['scim/', ...STORE_PORT, 'health/'], external: false },
  // The setup guide: built from tenancy values and rendered without I/O of its own.
  guide: { internal: ['scim/', ...STORE_PORT, 'tenancy/', 'guide/'], external: false },
  service: { internal: ['scim/', ...STORE_PORT, 'tenancy/', 'events/', 'service/'], external: false },
  // The web console and setup portal: pages from the same use cases as the admin API.
  console: {
    internal: ['scim/', ...STORE_PORT, 'tenancy/', 'service/', 'config/config.ts', 'guide/', 'health/', 'console/'],
    external: true,
  },
  http: {
    internal: [
      'scim/',
      ...STORE_PORT,
      'tenancy/',
      'service/',
      'config/config.ts',
      'http/',
      'guide/',
      'console/',
      'metrics/',
      'health/',
    ],
    external: true,
  },
  // Prometheus series (issue #16.1): fed through the store's observer port and plain callbacks,
  // so neither the store nor the dispatcher knows prom-client, and nothing here knows Fastify.
  metrics: { internal: [...STORE_PORT, 'config/config.ts', 'metrics/'], external: true },
  // The CLI is a second composition root: it opens the configured store and may start the server.
  cli: {
    internal: [
      'scim/',
      ...STORE_PORT,
      'store/open.ts',
      'tenancy/',
      'service/',
      'config/',
      'cli/',
      'server.ts',
      'guide/',
      'console/',
      'health/',
    ],
    external: true,
  },
  config: { internal: ['config/'], external: true },
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.contract.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    const layer = rel.includes('/') ? rel.split('/')[0]! : undefined;
    if (layer === undefined) continue; // server.ts: the composition root
    const rule = RULES[layer];
    if (!rule) {
      found.push(`${rel}: folder "${layer}" has no rule in the import table`);
      continue;
    }
    // Test-only helpers (fast-check arbitraries) never ship; see tsconfig.build.json.
    if (rel.endsWith('arbitraries.ts') || rel.includes('/test-support/')) continue;
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, '.ts');
        if (!rule.internal.some((allowed) => target === allowed || target.startsWith(allowed))) {
          found.push(`${rel} imports ${target}`);
        }
      } else if (!rule.external) {
        found.push(`${rel} imports external module "${spec}"`);
      }
    }
  }
  return found;
}

/** Each production file under src/ → the production files under src/ it imports (relative paths). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    if (rel.endsWith('arbitraries.ts') || rel.includes('/test-support/')) continue;
    const targets = importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, '.ts'));
    graph.set(rel, targets);
  }
  return graph;
}

/**
 * Import cycles of the graph, each once, as the files on it from the smallest name round
 * (`a.ts → b.ts → a.ts`). A depth-first walk: an edge back to a file still on the walk's path
 * closes a cycle. Not every elementary cycle is listed (a file is walked once), but every group
 * of files that import each other yields at least one, so the list is empty exactly when the
 * graph has no cycle. Type-only imports count too: a cycle of types is still two files that cannot be
 * understood (or moved) one without the other.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string): void => {
    path.push(file);
    onPath.add(file);
    for (const target of graph.get(file) ?? []) {
      if (onPath.has(target)) {
        const cycle = path.slice(path.indexOf(target));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      } else if (!done.has(target) && graph.has(target)) {
        visit(target);
      }
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return [...cycles].sort();
}

describe('architecture: the import table', () => {
  it('every production import follows the layer rules', () => {
    assert.deepEqual(violations(), []);
  });

  it('no production file imports itself through other files (no import cycles)', () => {
    assert.deepEqual(importCycles(importGraph()), []);
  });

  it('the cycle check finds a cycle, each cycle once', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'a.ts']],
      ['c.ts', ['b.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(importCycles(graph), ['a.ts → b.ts → a.ts', 'b.ts → c.ts → b.ts']);
  });

  it('the rules cover every folder under src/', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    assert.deepEqual(
      folders.filter((f) => !(f in RULES)),
      [],
    );
  });
});
