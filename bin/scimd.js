#!/usr/bin/env node
// The `scimd` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
