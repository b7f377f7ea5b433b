/**
 * The SearchRequest message (RFC 7644 §3.4.3): the body of `POST …/.search`, read into the same
 * list parameters a query string carries. Pure; the list use case checks the values themselves.
 */
import { invalidFilter, invalidSyntax, invalidValue } from './errors.js';

/** The members of a SearchRequest, typed as read; none is interpreted yet. */
export interface SearchRequest {
  /** Comma-separated, as in a query string (an array of strings is joined). */
  readonly attributes?: string;
  readonly excludedAttributes?: string;
  readonly filter?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
  /** A number or a numeric string; list.ts checks that it is an integer. */
  readonly startIndex?: string | number;
  readonly count?: string | number;
  /** RFC 9865 §3: any value; the cursor code refuses what it did not issue. */
  readonly cursor?: unknown;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Each member is checked for its type: a member of the wrong type is a 400, never silently
 * ignored (a numeric `filter` must not return everything). `null` counts as absent.
 */
export function parseSearchRequest(body: unknown): SearchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('A SearchRequest body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  const given = (name: string) => b[name] !== undefined && b[name] !== null;
  const list = (name: string) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return v.join(',');
    throw invalidValue(`"${name}" must be a string or an array of strings, got ${kindOf(v)}.`);
  };
  const text = (name: string, error: typeof invalidValue = invalidValue) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'string') return v;
    throw error(`"${name}" must be a string, got ${kindOf(v)}.`);
  };
  const num = (name: string) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'number' || typeof v === 'string') return v;
    throw invalidValue(`"${name}" must be an integer, got ${kindOf(v)}.`);
  };
  const attributes = list('attributes');
  const excludedAttributes = list('excludedAttributes');
  const filter = text('filter', invalidFilter);
  const sortBy = text('sortBy');
  const sortOrder = text('sortOrder');
  const startIndex = num('startIndex');
  const count = num('count');
  const cursor = b.cursor === null ? undefined : b.cursor;
  return {
    ...(attributes !== undefined ? { attributes } : {}),
    ...(excludedAttributes !== undefined ? { excludedAttributes } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(sortBy !== undefined ? { sortBy } : {}),
    ...(sortOrder !== undefined ? { sortOrder } : {}),
    ...(startIndex !== undefined ? { startIndex } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}
