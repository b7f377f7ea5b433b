/**
 * Where the console's templates and static assets live: `web/` at the package root, shipped in
 * the npm package (package.json `files`). This file sits two levels below the root both as
 * `src/console/paths.ts` and as `dist/console/paths.js`, so one relative URL serves both.
 */
import { fileURLToPath } from 'node:url';

export const VIEWS_DIR = fileURLToPath(new URL('../../web/views/', import.meta.url));
export const ASSETS_DIR = fileURLToPath(new URL('../../web/assets/', import.meta.url));
/** Where the browser fetches the assets from (console and portal alike). */
export const ASSETS_PREFIX = '/console/assets/';
