/**
 * Compiles scimd exactly as `npm start` does (`tsc -p tsconfig.build.json`), so that the benches
 * measure the `dist/` a user runs; `--no-build` in each bench skips it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function compileScimd(repoRoot: string, log: (line: string) => void): void {
  log('compiling scimd (tsc -p tsconfig.build.json)');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
