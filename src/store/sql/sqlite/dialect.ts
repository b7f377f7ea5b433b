/** SQLite as a `SqlDialect`: the four parts of the files beside this one. */
import type { SqlDialect } from '../dialect.js';
import { codec } from './codec.js';
import { errors } from './errors.js';
import { fragments } from './fragments.js';
import { lifecycle } from './lifecycle.js';

export const dialect: SqlDialect = { fragments, codec, lifecycle, errors };
