/**
 * Runs a Postman collection (v2.1) with newman, in-process and offline, and reports every
 * check the collection declares (each `pm.test(...)` of each request's test script) as passed
 * or failed, including the checks that never ran because their script failed first: the
 * collection's own count stays the denominator.
 */
import { createRequire } from 'node:module';

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  event?: { listen: string; script: { exec: string[] } }[];
}

export interface PostmanCollection {
  info: { name: string };
  item: PostmanItem[];
}

export interface Check {
  /** `<folder> / <request> / <test name>`, with `#2` appended to a repeated one. */
  readonly id: string;
  readonly passed: boolean;
  readonly error?: string;
}

interface Execution {
  item: { name: string };
  response?: { code: number; stream?: Buffer };
  assertions?: { assertion: string; error?: { message: string } }[];
  testScript?: { error?: { message: string } }[];
  requestError?: { message: string };
}

interface Newman {
  run(
    options: Record<string, unknown>,
    callback: (error: Error | null, summary: { run: { executions: Execution[] } }) => void,
  ): void;
}

const newman = createRequire(import.meta.url)('newman') as Newman;

/** The requests of `collection` in run order, with their folder and declared test names. */
export function declaredChecks(collection: PostmanCollection): { folder: string; name: string; tests: string[] }[] {
  const out: { folder: string; name: string; tests: string[] }[] = [];
  const walk = (items: PostmanItem[], folder: string) => {
    for (const item of items) {
      if (item.item) {
        walk(item.item, item.name);
        continue;
      }
      const script = (item.event ?? [])
        .filter((e) => e.listen === 'test')
        .flatMap((e) => e.script.exec)
        .join('\n');
      const tests = [...script.matchAll(/pm\.test\(\s*"([^"]*)"/g)].map((m) => m[1]!);
      out.push({ folder, name: item.name, tests });
    }
  };
  walk(collection.item, '');
  return out;
}

/** Runs `collection` with `environment`; resolves to every declared check's result, in order. */
export function runCollection(collection: PostmanCollection, environment: Record<string, string>): Promise<Check[]> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection,
        environment: { values: Object.entries(environment).map(([key, value]) => ({ key, value, enabled: true })) },
        reporters: [],
        timeoutRequest: 30_000,
      },
      (error, summary) => {
        if (error) return reject(error);
        const requests = declaredChecks(collection);
        const executions = summary.run.executions;
        if (executions.length !== requests.length) {
          return reject(new Error(`newman ran ${executions.length} requests of ${requests.length}`));
        }
        const seen = new Map<string, number>();
        const checks: Check[] = [];
        requests.forEach((request, i) => {
          const execution = executions[i]!;
          const ran = new Map((execution.assertions ?? []).map((a) => [a.assertion, a.error?.message]));
          const scriptError =
            execution.testScript?.find((s) => s.error)?.error?.message ?? execution.requestError?.message;
          const status = execution.response?.code;
          const body = execution.response?.stream?.toString('utf8').slice(0, 300) ?? '';
          for (const test of request.tests) {
            const base = `${request.folder} / ${request.name} / ${test}`;
            const n = (seen.get(base) ?? 0) + 1;
            seen.set(base, n);
            const id = n === 1 ? base : `${base} #${n}`;
            if (!ran.has(test)) {
              checks.push({
                id,
                passed: false,
                error: `did not run (${scriptError ?? 'no result'}); got ${status} ${body}`,
              });
            } else if (ran.get(test) !== undefined) {
              checks.push({ id, passed: false, error: `${ran.get(test)}; got ${status} ${body}` });
            } else {
              checks.push({ id, passed: true });
            }
          }
        });
        resolve(checks);
      },
    );
  });
}
