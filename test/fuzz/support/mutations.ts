/**
 * Mutations of a request's parts: repeated and odd query parameters, odd request targets
 * (trailing slashes, percent-encodings valid and not, NULs, lone surrogates), and odd body text
 * (values replaced or dropped, truncated, nested deep, invalid UTF-8, huge numbers).
 */
import fc from 'fast-check';
import { BAD_FILTER_TOKENS, ODD_STRINGS, ODD_VALUES } from './odd-values.js';
import { PATCH_OP } from './urns.js';

/** Query parameters, repeated and with odd values. */
export const oddQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'filter',
        'startIndex',
        'count',
        'sortBy',
        'sortOrder',
        'attributes',
        'excludedAttributes',
        'cursor',
        'startindex',
        'FILTER',
      ),
      fc.oneof(
        fc.constantFrom(
          '1e20',
          '-1',
          '0',
          'NaN',
          '1.5',
          '0x10',
          '99999999999999999999',
          '',
          'descending',
          'userName',
          'emails[type eq "work"]',
          'a.b.c.d',
          'x'.repeat(3000),
        ),
        fc.array(fc.constantFrom(...BAD_FILTER_TOKENS), { minLength: 1, maxLength: 7 }).map((t) => t.join(' ')),
        fc.constantFrom(...ODD_STRINGS),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${percentEncode(v, /[A-Za-z0-9._~-]/)}`).join('&'));

/** Mutations of the request target: trailing slashes, percent-encodings, NULs, odd ids. */
export const pathMutation = fc.constantFrom<(path: string) => string>(
  (p) => p,
  (p) => p,
  (p) => p.replace(/(\?|$)/, '/$1'),
  (p) => p.replace(/^\/(\w)/, '//$1'),
  (p) => p.replace(/^\/U/, '/%55').replace(/^\/G/, '/%47'),
  (p) => p.replace(/(\?|$)/, '%00$1'),
  (p) => p.replace(/(\?|$)/, '%ED%A0%80$1'),
  (p) => p.replace(/(\?|$)/, '%FF%FE$1'),
  (p) => p.replace(/(\?|$)/, '%ZZ$1'),
  (p) => p.replace(/(\?|$)/, '%2F..%2F$1'),
  (p) => p.replace(/(\?|$)/, '/..$1'),
  (p) => p.replace(/(\?|$)/, ';x=1$1'),
  (p) => p.replace(/(\?|$)/, '#frag$1'),
  (p) => p.replace(/\/[^/?]+(\?|$)/, '/$1'),
  (p) => p.toLowerCase(),
  (p) => `${p}${p.includes('?') ? '&' : '?'}`,
);

/** Percent-encodes `text` byte by byte (a lone surrogate becomes U+FFFD's bytes), keeping `keep`. */
export function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-encodes what may not appear raw in a request target, keeping '%' as it is. */
export function encodeTarget(path: string): string {
  return percentEncode(path, /[\x21-\x7e]/).replace(/["<>\\^`{|}]/g, (c) => percentEncode(c, /^$/));
}

export function bodyText(body: unknown): fc.Arbitrary<Buffer> {
  const json = JSON.stringify(body);
  const deep = (n: number, open: string, close: string) => Buffer.from(open.repeat(n) + close.repeat(n));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(Buffer.from(json)) },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...ODD_VALUES), fc.boolean()).map(([at, v, drop]) => {
        const mutated = mutateJson(body, at, v, drop);
        return Buffer.from(JSON.stringify(mutated) ?? 'null');
      }),
    },
    fc.nat({ max: json.length }).map((n) => Buffer.from(json.slice(0, n))),
    fc.constantFrom(10, 64, 65, 1000, 20_000).map((n) => deep(n, '[', ']')),
    fc.constantFrom(64, 65, 1000, 20_000).map((n) => Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
    fc
      .constantFrom(64, 1000, 20_000)
      .map((n) =>
        Buffer.from(
          JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: '<deep>' }] }).replace(
            '"<deep>"',
            `${'['.repeat(n)}${']'.repeat(n)}`,
          ),
        ),
      ),
    fc.constantFrom(
      Buffer.from(json.replace(/:(\d+|true|false)/, ':1e400')),
      Buffer.from(json.replace(/:(\d+|true|false)/, ':123456789012345678901234567890')),
      Buffer.from(json.replace('"', '"\u0000')),
      Buffer.concat([
        Buffer.from(json.slice(0, 20)),
        Buffer.from([0xed, 0xa0, 0x80, 0xff]),
        Buffer.from(json.slice(20)),
      ]),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]),
      Buffer.from(json.replace('{', '{"userName":"dup@x","userName":"dup2@x",')),
      Buffer.from(''),
      Buffer.from('null'),
      Buffer.from('[]'),
      Buffer.from('"text"'),
      Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
      Buffer.from('<xml/>'),
    ),
  );
}

/** `body` with the `at`-th value (in a depth-first walk) replaced by `value`, or dropped. */
function mutateJson(body: unknown, at: number, value: unknown, drop: boolean): unknown {
  let index = 0;
  let target = -1;
  const count = (v: unknown): void => {
    index++;
    if (v !== null && typeof v === 'object') for (const c of Object.values(v)) count(c);
  };
  count(body);
  target = at % Math.max(index, 1);
  index = 0;
  const walk = (v: unknown): unknown => {
    if (index++ === target) return drop ? undefined : value;
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== undefined);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(v)) {
        const next = walk(c);
        if (next !== undefined) out[k] = next;
      }
      return out;
    }
    return v;
  };
  return walk(body);
}
