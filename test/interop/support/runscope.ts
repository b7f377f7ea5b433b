/**
 * A small runner for Runscope API-test exports (the format of Okta's SCIM spec test): request
 * steps with `{{variable}}` substitution, declarative assertions, variable extraction and step
 * scripts, run against a live server with `fetch`. Pause steps are skipped (nothing here needs
 * the wait). A `response_time` assertion is reported as not evaluated: the repo's tests assert
 * no wall-clock thresholds.
 */
import nodeAssert from 'node:assert';
import { runInNewContext } from 'node:vm';

interface Assertion {
  comparison: string;
  source: string;
  value: string | null;
  property?: string;
}

interface Step {
  step_type: string;
  note?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string[]>;
  body?: string;
  assertions?: Assertion[];
  variables?: { source: string; name: string; property: string }[];
  scripts?: string[];
}

export interface RunscopeTest {
  name: string;
  steps: Step[];
}

export interface RunscopeCheck {
  readonly id: string;
  /** `skipped`: declared but not evaluated (a response-time threshold). */
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly detail?: string;
}

function substitute(text: string, variables: Map<string, string>): string {
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => variables.get(name) ?? whole);
}

/** `Resources[0].name.familyName` in `json`. */
function property(json: unknown, path: string): unknown {
  let at: unknown = json;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function compare(comparison: string, actual: unknown, expected: string | null): boolean {
  const text = typeof actual === 'object' && actual !== null ? JSON.stringify(actual) : String(actual);
  switch (comparison) {
    case 'equal_number':
      return typeof actual !== 'object' && actual !== '' && Number(actual) === Number(expected);
    case 'equal':
      return actual !== undefined && text === expected;
    case 'not_empty':
      return !(
        actual === undefined ||
        actual === null ||
        actual === '' ||
        (Array.isArray(actual) && actual.length === 0)
      );
    case 'has_value':
    case 'contains':
      return Array.isArray(actual)
        ? actual.includes(expected)
        : typeof actual === 'string' && actual.includes(expected ?? '');
    case 'is_a_number':
      return typeof actual === 'number';
    default:
      throw new Error(`unsupported Runscope comparison ${comparison}`);
  }
}

/** Runs `test` with `variables` set first (its environment) and `initialScript` run after. */
export async function runRunscopeTest(
  test: RunscopeTest,
  environment: Record<string, string>,
  initialScript: string,
): Promise<RunscopeCheck[]> {
  const variables = new Map(Object.entries(environment));
  const scriptVariables = {
    set: (k: string, v: unknown) => variables.set(k, String(v)),
    get: (k: string) => variables.get(k),
  };
  runInNewContext(initialScript, { variables: scriptVariables, Math });
  const checks: RunscopeCheck[] = [];
  for (const [index, step] of test.steps.entries()) {
    if (step.step_type !== 'request') continue;
    const name = `${index + 1}. ${step.note ?? step.url}`;
    const headers = Object.entries(step.headers ?? {}).map(
      ([k, values]) => [k, substitute(values.join(', '), variables)] as [string, string],
    );
    const response = await fetch(substitute(step.url!, variables), {
      method: step.method!,
      headers,
      ...(step.body ? { body: substitute(step.body, variables) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    for (const assertion of step.assertions ?? []) {
      const id =
        `${name} / ${assertion.source}${assertion.property ? ` ${assertion.property}` : ''} ${assertion.comparison} ${assertion.value ?? ''}`.trim();
      if (assertion.source === 'response_time') {
        checks.push({ id, outcome: 'skipped', detail: 'a wall-clock threshold' });
        continue;
      }
      const actual =
        assertion.source === 'response_status' ? response.status : property(json, assertion.property ?? '');
      const expected = assertion.value === null ? null : substitute(assertion.value, variables);
      const passed = compare(assertion.comparison, actual, expected);
      checks.push({
        id,
        outcome: passed ? 'passed' : 'failed',
        ...(passed ? {} : { detail: `got ${JSON.stringify(actual)}; ${response.status} ${text.slice(0, 200)}` }),
      });
    }
    for (const extraction of step.variables ?? []) {
      const value = property(json, extraction.property);
      if (value !== undefined) variables.set(extraction.name, String(value));
    }
    for (const script of (step.scripts ?? []).filter((s) => s.trim() !== '')) {
      const id = `${name} / script`;
      try {
        const context = {
          response: { status: response.status, body: text },
          assert: nodeAssert,
          log: () => undefined,
          variables: scriptVariables,
          JSON,
          Array,
        };
        runInNewContext(script, context);
        checks.push({ id, outcome: 'passed' });
      } catch (error) {
        checks.push({ id, outcome: 'failed', detail: (error as Error).message });
      }
    }
  }
  return checks;
}
