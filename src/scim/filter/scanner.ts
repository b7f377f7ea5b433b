/**
 * Character-level reading for the attribute-path and filter grammar (RFC 7644 §3.4.2.2, §3.5.2).
 * The scanner reads on demand rather than tokenising up front because one token class depends on
 * context: an unquoted comparison value (Entra's `userName eq john@contoso.com`) runs to the next
 * whitespace, `)` or `]` and may contain characters that elsewhere end a token.
 *
 * Columns in error messages are 1-based and count UTF-16 code units from the start of the text
 * the client sent (an `offset` shifts them when one list item is read on its own).
 */
import type { ScimError } from '../errors.js';
import type { AttrPath } from './ast.js';

/** Builds the error thrown for a malformed input: `invalidFilter` or `invalidPath`. */
export type ErrorFactory = (detail: string) => ScimError;

/** Characters an attribute path may contain: ATTRNAME, `.`, the URN's `:` and `.`, `$ref`'s `$`. */
const PATH_CHAR = /[A-Za-z0-9:._$-]/;
const SPACE = /[ \t\r\n]/;
/** RFC 7644 ATTRNAME = ALPHA *(nameChar), plus `$ref` (RFC 7643 §2.3.7). */
const ATTR_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/i;
/** RFC 8259 number grammar, used to classify unquoted comparison values. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function isAttrName(name: string): boolean {
  return ATTR_NAME.test(name);
}

export function isJsonNumber(text: string): boolean {
  return JSON_NUMBER.test(text);
}

export class Scanner {
  pos = 0;

  /**
   * @param fail builds the error for this input; a PATCH path swaps it while reading the filter
   *   between its brackets (RFC 7644 §3.12 Table 9 lists invalidFilter for PATCH path filters).
   * @param subject names the input in messages: "filter", "path", ...
   */
  constructor(
    readonly text: string,
    public fail: ErrorFactory,
    readonly subject: string,
    readonly offset = 0,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  isSpace(ch: string | undefined): boolean {
    return ch !== undefined && SPACE.test(ch);
  }

  /** Skips whitespace; returns whether any was skipped. */
  skipSpaces(): boolean {
    const start = this.pos;
    while (this.isSpace(this.peek())) this.pos++;
    return this.pos > start;
  }

  /** An error whose message ends with the column of `at`. */
  error(message: string, at = this.pos): ScimError {
    return this.fail(`${message} at column ${at + 1 + this.offset}`);
  }

  /** Describes what stands at `at`: a bracket, a string, a word, or the end of the input. */
  describe(at = this.pos): string {
    if (at >= this.text.length) return `end of ${this.subject}`;
    const ch = this.text[at]!;
    if (ch === '"') return 'string';
    if ('()[]'.includes(ch)) return `"${ch}"`;
    let end = at;
    while (end < this.text.length && !this.isSpace(this.text[end]) && !'()[]"'.includes(this.text[end]!)) end++;
    const word = this.text.slice(at, end);
    return `"${word.length > 24 ? `${word.slice(0, 24)}…` : word}"`;
  }

  unexpected(at = this.pos): ScimError {
    return this.error(`unexpected ${this.describe(at)}`, at);
  }

  /** Reads a run of path characters (possibly empty). */
  readPathChars(): string {
    const start = this.pos;
    while (!this.done && PATH_CHAR.test(this.peek()!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Reads a word: everything up to whitespace or one of `stops` (possibly empty). */
  readWord(stops: string): string {
    const start = this.pos;
    while (!this.done && !this.isSpace(this.peek()) && !stops.includes(this.peek()!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Looks at the next word without consuming it (after optional whitespace). */
  peekWord(): string {
    const save = this.pos;
    this.skipSpaces();
    const word = this.readWord('()[]"');
    this.pos = save;
    return word;
  }

  /** Reads a JSON string literal (RFC 8259 §7) starting at the opening quote. */
  readString(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    while (!this.done) {
      const ch = this.peek()!;
      if (ch === '"') {
        out += this.text.slice(chunk, this.pos);
        this.pos++;
        // No stored value can contain NUL (databases refuse it), so it can only be a mistake.
        if (out.includes('\u0000')) throw this.error('NUL character (\\u0000) in the string starting', start);
        if (!out.isWellFormed()) throw this.error('unpaired UTF-16 surrogate in the string starting', start);
        return out;
      }
      if (ch === '\\') {
        out += this.text.slice(chunk, this.pos);
        out += this.readEscape();
        chunk = this.pos;
      } else {
        this.pos++;
      }
    }
    throw this.error('unterminated string starting', start);
  }

  private readEscape(): string {
    const at = this.pos;
    const kind = this.text[at + 1];
    if (kind === undefined) throw this.error('unterminated escape in string', at);
    if (kind === 'u') {
      const hex = this.text.slice(at + 2, at + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw this.error(`invalid escape "\\u${hex}" in string`, at);
      this.pos = at + 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    const replacement = ESCAPES[kind];
    if (replacement === undefined) throw this.error(`invalid escape "\\${kind}" in string`, at);
    this.pos = at + 2;
    return replacement;
  }

  /**
   * Splits a raw path `[URN ":"] ATTRNAME ["." ATTRNAME]` read at `start`. The URN is everything
   * up to the last `:` (URNs contain dots, as in `...:enterprise:2.0:User:department`).
   * With `relative`, the path must be a bare sub-attribute name (inside `emails[...]`).
   */
  splitPath(raw: string, start: number, relative: boolean): AttrPath {
    const colon = raw.lastIndexOf(':');
    const schema = colon >= 0 ? raw.slice(0, colon) : undefined;
    const rest = raw.slice(colon + 1);
    const dot = rest.indexOf('.');
    const attribute = dot >= 0 ? rest.slice(0, dot) : rest;
    const subAttribute = dot >= 0 ? rest.slice(dot + 1) : undefined;
    if (relative && (schema !== undefined || subAttribute !== undefined)) {
      throw this.error(`"${raw}" inside "[...]" must be a sub-attribute name`, start);
    }
    if (schema === '' || !isAttrName(attribute) || (subAttribute !== undefined && !isAttrName(subAttribute))) {
      throw this.error(`invalid attribute path "${raw}"`, start);
    }
    return {
      ...(schema !== undefined ? { schema } : {}),
      attribute,
      ...(subAttribute !== undefined ? { subAttribute } : {}),
    };
  }
}
