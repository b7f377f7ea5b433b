/** PostgreSQL's values: resource bodies are `jsonb`, booleans are booleans. */
import type { ValueCodec } from '../dialect.js';

export const codec: ValueCodec = {
  // As text, so that arrays are not sent as PostgreSQL arrays; the column's type makes it jsonb.
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (raw) => (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>,
  encodeBoolean: (value) => value,
};
