/**
 * `scimd serve` straight from the TypeScript sources (through tsx), for the benchmark's smoke
 * test, which must not depend on a fresh `dist/`. Benchmarks proper run the compiled
 * `bin/scimd.js`, as `npm start` does.
 */
import { runCli } from '../src/cli/main.js';

process.exitCode = await runCli(['serve'], { stdout: process.stdout, stderr: process.stderr, env: process.env });
