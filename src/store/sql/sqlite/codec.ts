/** SQLite's values: JSON as text, booleans as 1 and 0. */
import type { ValueCodec } from '../dialect.js';

export const codec: ValueCodec = {
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (raw) => JSON.parse(String(raw)) as Record<string, unknown>,
  encodeBoolean: (value) => (value ? 1 : 0),
};
