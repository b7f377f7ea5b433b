/**
 * The one parser for SCIM attribute paths and filters (RFC 7644 §3.4.2.2 FILTER, §3.5.2 PATH,
 * §3.4.2.5 `attributes`, §3.4.2.3 `sortBy`). Every entry point produces the AST of `ast.ts`.
 *
 * Grammar accepted by `parseFilter` (keywords and operators ignore case; whitespace between
 * tokens may be repeated; precedence not > and > or, `and`/`or` associate to the left):
 *
 *   filter    = orExp
 *   orExp     = andExp *("or" andExp)
 *   andExp    = term *("and" term)
 *   term      = "(" orExp ")" / "not" "(" orExp ")" / valuePath / attrExp
 *   valuePath = attrPath "[" orExp "]" ["." ATTRNAME compareOp compValue / "." ATTRNAME "pr"]
 *   attrExp   = attrPath "pr" / attrPath compareOp compValue
 *   compValue = JSON string / JSON number / true / false / null / bareValue
 *
 * Two extensions of the RFC ABNF that Microsoft Entra ID sends are read when the `FilterForms`
 * option (owned by src/scim/compat/filter-forms.ts, default IDP_FILTER_FORMS) switches them on:
 * - `subAttributeAfterFilter`: `emails[type eq "work"].value eq "x"` parses as
 *   `emails[type eq "work" and value eq "x"]` (the same selection; printing emits the RFC form);
 * - `bareStringValues`: a bare value after an operator (`userName eq john@contoso.com`) that is
 *   not true/false/null or a JSON number is a string running to the next whitespace, `)` or `]`.
 * Inside `[...]` paths are relative (a bare sub-attribute name) and brackets do not nest, as in
 * the RFC's valFilter rule.
 */
import { type FilterForms, IDP_FILTER_FORMS } from '../compat/filter-forms.js';
import { invalidFilter, invalidPath } from '../errors.js';
import type { AttrPath, CompareOperator, Filter, FilterValue, PatchPath } from './ast.js';
import { isAttrName, isJsonNumber, Scanner } from './scanner.js';

/** Longest filter or path accepted, in UTF-16 code units. */
export const MAX_FILTER_LENGTH = 10_000;
/** Deepest nesting of `(`, `not (` and `[` accepted, so hostile input cannot exhaust the stack. */
export const MAX_FILTER_DEPTH = 50;
/** Most attribute expressions in one filter; keeps `a or b or ...` chains within SQL depth limits. */
export const MAX_FILTER_CONDITIONS = 200;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
/** Characters that end an operator word. */
const WORD_STOPS = '()[]"';

class FilterParser {
  private depth = 0;
  private conditions = 0;

  constructor(
    readonly s: Scanner,
    readonly forms: FilterForms,
  ) {}

  parseOr(after: string, inValuePath: boolean): Filter {
    let left = this.parseAnd(after, inValuePath);
    while (this.matchKeyword('or')) {
      left = { kind: 'or', left, right: this.parseAnd('"or"', inValuePath) };
    }
    return left;
  }

  private parseAnd(after: string, inValuePath: boolean): Filter {
    let left = this.parseTerm(after, inValuePath);
    while (this.matchKeyword('and')) {
      left = { kind: 'and', left, right: this.parseTerm('"and"', inValuePath) };
    }
    return left;
  }

  /** Consumes `keyword` when it is the next word and is followed by whitespace, `(` or the end. */
  private matchKeyword(keyword: 'and' | 'or'): boolean {
    const s = this.s;
    const save = s.pos;
    s.skipSpaces();
    const word = s.readWord(WORD_STOPS);
    if (word.toLowerCase() === keyword && (s.done || s.isSpace(s.peek()) || s.peek() === '(')) return true;
    s.pos = save;
    return false;
  }

  private enter(at: number): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) throw this.s.error(`filter nests deeper than ${MAX_FILTER_DEPTH} levels`, at);
  }

  /** Parses `orExp` up to the closing character that matches the opener at `open`. */
  private parseGroup(open: number, close: ')' | ']', inValuePath: boolean): Filter {
    const s = this.s;
    this.enter(open);
    s.pos = open + 1;
    const inner = this.parseOr(`"${s.text[open]}"`, inValuePath);
    s.skipSpaces();
    if (s.done) throw s.error(`missing "${close}" for "${s.text[open]}"`, open);
    if (s.peek() !== close) throw s.unexpected();
    s.pos++;
    this.depth--;
    return inner;
  }

  private parseTerm(after: string, inValuePath: boolean): Filter {
    const s = this.s;
    s.skipSpaces();
    const start = s.pos;
    if (s.done) throw s.error(`expected a filter after ${after}`);
    if (s.peek() === '(') return this.parseGroup(start, ')', inValuePath);
    const word = s.peekWord();
    if (word.toLowerCase() === 'not') {
      s.pos += word.length;
      s.skipSpaces();
      if (s.peek() !== '(') throw s.error('expected "(" after "not"');
      return { kind: 'not', filter: this.parseGroup(s.pos, ')', inValuePath) };
    }
    const raw = s.readPathChars();
    if (raw === '') throw s.unexpected();
    const path = s.splitPath(raw, start, inValuePath);
    const next = s.peek();
    if (next !== undefined && !s.isSpace(next) && !'[])'.includes(next)) throw s.unexpected();
    s.skipSpaces();
    if (s.peek() === '[') return this.parseValuePath(path, raw, inValuePath);
    return this.parseAttrExp(path, raw, start);
  }

  /** `attrPath "[" valFilter "]"`, optionally followed by Entra's `.subAttr op value` (FilterForms). */
  private parseValuePath(path: AttrPath, raw: string, inValuePath: boolean): Filter {
    const s = this.s;
    if (inValuePath) throw s.error('a value filter "[...]" cannot be nested in another');
    if (path.subAttribute !== undefined) throw s.error(`unexpected "[" after sub-attribute "${raw}"`);
    const filter = this.parseBracket();
    if (s.peek() !== '.' || !this.forms.subAttributeAfterFilter) return { kind: 'valuePath', path, filter };
    s.pos++;
    const subStart = s.pos;
    const subRaw = s.readPathChars();
    if (subRaw === '') throw s.error('expected a sub-attribute name after "."');
    const sub = s.splitPath(subRaw, subStart, true);
    const next = s.peek();
    if (next !== undefined && !s.isSpace(next) && !'])'.includes(next)) throw s.unexpected();
    s.skipSpaces();
    const last = this.parseAttrExp(sub, subRaw, subStart);
    return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: last } };
  }

  /** Parses `"[" valFilter "]"` with the scanner at the `[`. */
  parseBracket(): Filter {
    return this.parseGroup(this.s.pos, ']', true);
  }

  /** `attrPath SP "pr"` or `attrPath SP compareOp SP compValue`, the path already read. */
  private parseAttrExp(path: AttrPath, raw: string, start: number): Filter {
    const s = this.s;
    this.conditions++;
    if (this.conditions > MAX_FILTER_CONDITIONS) {
      throw s.error(`filter has more than ${MAX_FILTER_CONDITIONS} conditions`, start);
    }
    const opStart = s.pos;
    const word = s.readWord(WORD_STOPS);
    if (word === '') {
      if (s.done) throw s.error(`expected an operator after "${raw}"`);
      throw s.unexpected();
    }
    const op = word.toLowerCase();
    if (op === 'pr') {
      this.rejectPresentValue();
      return { kind: 'present', path };
    }
    if (!COMPARE_OPERATORS.has(op)) {
      throw s.error(`unknown operator "${word}", expected eq, ne, co, sw, ew, gt, ge, lt, le or pr`, opStart);
    }
    s.skipSpaces();
    const value = this.parseValue(word);
    return { kind: 'compare', path, op: op as CompareOperator, value };
  }

  private rejectPresentValue(): void {
    const s = this.s;
    const save = s.pos;
    s.skipSpaces();
    const at = s.pos;
    const ch = s.peek();
    const word = s.peekWord().toLowerCase();
    s.pos = save;
    if (ch === undefined || ch === ')' || ch === ']' || word === 'and' || word === 'or') return;
    throw s.error('"pr" takes no value', at);
  }

  /**
   * compValue: a JSON string, or a bare token: true/false/null, a JSON number, else a string
   * when FilterForms' bareStringValues allows it.
   */
  private parseValue(op: string): FilterValue {
    const s = this.s;
    const start = s.pos;
    const ch = s.peek();
    if (ch === undefined || ch === ')' || ch === ']') {
      throw s.error(`expected a comparison value after "${op}"`);
    }
    if (ch === '"') return s.readString();
    const token = s.readWord(')]');
    const lower = token.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (!isJsonNumber(token)) {
      if (this.forms.bareStringValues) return token;
      throw s.error(`expected a quoted string, a number, true, false or null after "${op}"`, start);
    }
    const n = Number(token);
    if (!Number.isFinite(n)) throw s.error(`number ${token} is out of range`, start);
    return n === 0 ? 0 : n;
  }
}

function checkLength(text: string, what: string, fail: typeof invalidFilter): void {
  if (text.length > MAX_FILTER_LENGTH) throw fail(`${what} is longer than ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === '') throw fail(`${what} is empty`);
}

/**
 * Parses a filter (RFC 7644 §3.4.2.2). Names keep the client's spelling; `checkFilter` resolves
 * them against the schema. Throws `invalidFilter` naming the problem and its 1-based column.
 */
export function parseFilter(text: string, forms: FilterForms = IDP_FILTER_FORMS): Filter {
  checkLength(text, 'filter', invalidFilter);
  const s = new Scanner(text, invalidFilter, 'filter');
  const filter = new FilterParser(s, forms).parseOr('the start', false);
  s.skipSpaces();
  if (!s.done) throw s.unexpected();
  return filter;
}

function readAttrPath(s: Scanner): AttrPath {
  s.skipSpaces();
  const start = s.pos;
  const raw = s.readPathChars();
  if (raw === '') throw s.unexpected();
  const path = s.splitPath(raw, start, false);
  s.skipSpaces();
  if (!s.done) throw s.unexpected();
  return path;
}

/**
 * Parses one attribute path `[URN ":"] attr ["." subAttr]`, as `sortBy` carries (RFC 7644
 * §3.4.2.3). Surrounding whitespace is ignored. Throws `invalidPath` with the column.
 */
export function parseAttrPath(text: string): AttrPath {
  checkLength(text, 'attribute path', invalidPath);
  return readAttrPath(new Scanner(text, invalidPath, 'path'));
}

/**
 * Parses a PATCH operation path (RFC 7644 §3.5.2): `attrPath` or `valuePath ["." subAttr]`,
 * e.g. `members[value eq "2819c223"]`, `emails[type eq "work"].value`, `name.familyName`.
 * Structural errors throw `invalidPath`; errors inside the brackets throw `invalidFilter`, as
 * RFC 7644 §3.12 Table 9 assigns "PATCH (Path Filter)" to invalidFilter. Both carry the column.
 */
export function parsePatchPath(text: string, forms: FilterForms = IDP_FILTER_FORMS): PatchPath {
  checkLength(text, 'path', invalidPath);
  return readPatchPath(new Scanner(text, invalidPath, 'path'), forms, true);
}

function readPatchPath(s: Scanner, forms: FilterForms, valueFilters: boolean): PatchPath {
  s.skipSpaces();
  const start = s.pos;
  const raw = s.readPathChars();
  if (raw === '') throw s.unexpected();
  const path = s.splitPath(raw, start, false);
  if (s.peek() !== '[' || !valueFilters) {
    s.skipSpaces();
    if (!s.done) throw s.unexpected();
    return { path };
  }
  if (path.subAttribute !== undefined) throw s.error(`unexpected "[" after sub-attribute "${raw}"`);
  s.fail = invalidFilter;
  const valueFilter = new FilterParser(s, forms).parseBracket();
  s.fail = invalidPath;
  let subAttribute: string | undefined;
  if (s.peek() === '.') {
    s.pos++;
    const subStart = s.pos;
    const subRaw = s.readPathChars();
    if (subRaw === '') throw s.error('expected a sub-attribute name after "."');
    if (!isAttrName(subRaw)) throw s.error(`invalid sub-attribute "${subRaw}"`, subStart);
    subAttribute = subRaw;
  }
  s.skipSpaces();
  if (!s.done) throw s.unexpected();
  return { path, valueFilter, ...(subAttribute !== undefined ? { subAttribute } : {}) };
}

/** Splits an attribute list at the commas outside `[...]` and outside JSON strings. */
function splitAttributeList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ',' && depth <= 0) {
      items.push(text.slice(from, i));
      from = i + 1;
    }
  }
  items.push(text.slice(from));
  return items;
}

/**
 * Parses an `attributes` / `excludedAttributes` value whose items may carry a value filter, in
 * the PATCH path grammar: `emails`, `name.givenName`, `emails[type eq "work"]`,
 * `emails[type eq "work"].value` (Microsoft's reference collection sends the filtered forms;
 * RFC 7644 §3.4.2.5 names attribute paths only: FilterForms' valueFiltersInAttributeLists).
 * Commas inside `[...]` or strings do not split.
 * Throws `invalidPath`, or `invalidFilter` for an error inside the brackets.
 */
export function parseAttributeSelections(text: string, forms: FilterForms = IDP_FILTER_FORMS): PatchPath[] {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidPath(`attribute list is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const paths: PatchPath[] = [];
  let offset = 0;
  for (const item of splitAttributeList(text)) {
    if (item.trim() !== '') {
      const scanner = new Scanner(item, invalidPath, 'path', offset);
      paths.push(readPatchPath(scanner, forms, forms.valueFiltersInAttributeLists));
    }
    offset += item.length + 1;
  }
  return paths;
}
