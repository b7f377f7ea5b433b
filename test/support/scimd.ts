/**
 * The `scimd` command run from the TypeScript sources, for tests that start real processes
 * without a build: `node --import tsx test/support/scimd.ts serve`.
 */
import { runCli } from '../../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
