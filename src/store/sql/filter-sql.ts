/**
 * Compiles a checked filter (`checkFilter`, src/scim/filter/check.ts) into a SQL condition on
 * the resources row aliased `r`, with every value bound as a parameter. It mirrors the memory
 * evaluator (src/scim/filter/evaluate.ts) exactly; the differential property test holds both
 * to the same ids. Rules:
 * - indexed columns where they exist (`id`, `externalId`, `userName`, `displayName`, `active`,
 *   `meta.created`, `meta.lastModified`), JSON functions on the body elsewhere, `exists` over
 *   JSON arrays and `group_members` for multi-valued attributes (any value matches);
 * - `caseExact:false` compares `fold(value)` with a column folded once at write time (a `*_fold`
 *   column, or the folded copy of the body where the dialect keeps one), else with `fold(column)`;
 * - "" is not a value (RFC 7643 §2.5), so comparisons that "" could satisfy exclude it;
 * - `not`, `ne` and `eq null` stay two-valued: SQL NULL never leaks through a negation
 *   (`x is not true` instead of `not x` when x may be NULL);
 * - dateTime parameters are normalised to `toISOString()` form, the form stored, so that
 *   lexical order is time order.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { invalidFilter } from '../../scim/errors.js';
import type { CompareOperator, Filter, FilterValue } from '../../scim/filter/ast.js';
import { printAttrPath } from '../../scim/filter/print.js';
import { fold, parseDateTime } from '../../scim/filter/values.js';
import { resolveSubAttribute } from '../../scim/schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../../scim/schema/types.js';
import type { SqlDialect } from './dialect.js';
import {
  type CopyAccess,
  type ElementRows,
  elementRows,
  elementSource,
  resourceSource,
  type Source,
} from './sources.js';
import { Slot } from './template.js';

/**
 * A condition, whether it can evaluate to SQL NULL (which a negation must not see), and whether
 * it reads nothing but the row `f` of `resource_scan` (sources.ts, `CopyAccess`).
 */
interface Predicate {
  readonly sql: RawBuilder<SqlBool>;
  readonly nullable: boolean;
  readonly scan?: boolean;
  /**
   * The ids of the resources that satisfy it, as a subquery reading neither `r` nor `f`, when it
   * is "some element satisfies …" over rows that can give one (sources.ts, `ElementRows.among`).
   */
  readonly among?: RawBuilder<unknown>;
  /** It reads nothing of `r` but its id, and nothing of `f`: no copy of the row is needed. */
  readonly idOnly?: boolean;
}

const TRUE: Predicate = { sql: sql<SqlBool>`true`, nullable: false };
const FALSE: Predicate = { sql: sql<SqlBool>`false`, nullable: false };

function not(p: Predicate): Predicate {
  if (p === TRUE) return FALSE;
  if (p === FALSE) return TRUE;
  // "No element satisfies …" tests each resource against the few that some element does, so a
  // page that most resources match stops at its end instead of scanning `resource_scan` first.
  if (p.among) return { sql: sql<SqlBool>`not (+r.id in (${p.among}))`, nullable: false, idOnly: true };
  return {
    sql: p.nullable ? sql<SqlBool>`(${p.sql}) is not true` : sql<SqlBool>`not ${p.sql}`,
    nullable: false,
    ...(p.scan ? { scan: true } : {}),
  };
}

function someValue(rows: ElementRows | undefined, p: Predicate): Predicate {
  if (!rows || p === FALSE) return p;
  const scan = rows.inScan === true && (p === TRUE || p.scan === true);
  const condition = p === TRUE ? undefined : p.sql;
  const among = scan ? rows.among?.(condition) : undefined;
  return { sql: rows.exists(condition), nullable: false, ...(scan ? { scan } : {}), ...(among ? { among } : {}) };
}

/** The statement's tenant and resource type, bound by query.ts like its own (template.ts slots). */
const TENANT = new Slot('tenant');
const TYPE = new Slot('type');

/**
 * The resources (`r`) whose row of `resource_scan` satisfies `condition`, which reads only `f`:
 * the tenant's rows of that narrow table are scanned once, then probed by id. The `+` keeps the
 * id out of index selection, so the page still walks `resources_created` in order and stops at
 * the page's end, whether few resources match or all do.
 */
function scanRows(condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`+r.id in (select f.id from resource_scan as f where f.tenant_id = ${TENANT} and f.resource_type = ${TYPE} and ${condition})`;
}

/**
 * `p` as a condition on `r`: a condition on `f` becomes a scan of `resource_scan`, and "some
 * element satisfies …" the scan of that attribute's rows of `resource_scan_elements` alone.
 */
function onResource(p: Predicate): Predicate {
  if (p.among) return { sql: sql<SqlBool>`+r.id in (${p.among})`, nullable: false };
  return p.scan ? { sql: scanRows(p.sql), nullable: false } : p;
}

const isText = (def: AttributeDefinition) => def.type === 'string' || def.type === 'reference' || def.type === 'binary';

/** Whether one value of `def` is present (`isPresent`): "" is not a value. */
function presentValue(value: RawBuilder<unknown>, def: AttributeDefinition): Predicate {
  return isText(def)
    ? { sql: sql<SqlBool>`${value} <> ''`, nullable: true }
    : { sql: sql<SqlBool>`${value} is not null`, nullable: false };
}

function present(source: Source): Predicate {
  switch (source.kind) {
    case 'absent':
      return FALSE;
    case 'always':
      return TRUE;
    case 'complex':
      return {
        sql: source.present,
        nullable: false,
        ...(source.inScan ? { scan: true } : {}),
        ...(source.among ? { among: source.among } : {}),
      };
    case 'scalar': {
      // Folding keeps presence: the folded copy is read without parsing where there is one.
      const p = presentValue(source.foldedValue ?? source.value, source.def);
      return someValue(source.rows, source.inScan && source.foldedValue ? { ...p, scan: true } : p);
    }
  }
}

const SQL_OPERATOR: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', string> = {
  eq: '=',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

const isSubstring = (op: CompareOperator) => op === 'co' || op === 'sw' || op === 'ew';

/** Whether the values of `def` are strings that fold for `op` (dateTimes are strings too). */
function foldsFor(op: CompareOperator, def: AttributeDefinition): boolean {
  return !def.caseExact && (isText(def) || (isSubstring(op) && def.type === 'dateTime'));
}

/**
 * The bound parameter for `value` compared with values of `def`, or undefined when no value of
 * `def` can satisfy the comparison (the evaluator's `compareTyped` returns undefined).
 */
function parameter(
  op: CompareOperator,
  value: string | number | boolean,
  def: AttributeDefinition,
  dialect: SqlDialect,
) {
  if (isSubstring(op)) {
    const stringValued = isText(def) || def.type === 'dateTime';
    return stringValued && typeof value === 'string' ? (foldsFor(op, def) ? fold(value) : value) : undefined;
  }
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      return typeof value === 'string' ? (foldsFor(op, def) ? fold(value) : value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? dialect.codec.encodeBoolean(value) : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' ? value : undefined;
    case 'dateTime': {
      const ms = typeof value === 'string' ? parseDateTime(value) : undefined;
      return ms === undefined ? undefined : new Date(ms).toISOString();
    }
    case 'complex':
      return undefined;
  }
}

/** One value satisfies `op value` (never `ne`, never null): the evaluator's `satisfies`. */
function satisfies(
  source: Source & { kind: 'scalar' },
  op: Exclude<CompareOperator, 'ne'>,
  value: string | number | boolean,
  dialect: SqlDialect,
): Predicate {
  const { def } = source;
  const param = parameter(op, value, def, dialect);
  if (param === undefined) return FALSE;
  // The folded copy where folding is asked for; also where it holds the same value unfolded.
  const fromCopy =
    source.foldedValue !== undefined && (foldsFor(op, def) ? !source.folded : source.inScan?.sameUnfolded === true);
  const x = fromCopy
    ? (source.foldedValue as RawBuilder<unknown>)
    : !foldsFor(op, def) || source.folded
      ? source.value
      : dialect.fragments.fold(source.value);
  const scan = fromCopy && source.inScan !== undefined;
  const p = sql.val(param);
  const condition =
    op === 'co'
      ? dialect.fragments.contains(x, p)
      : op === 'sw'
        ? dialect.fragments.startsWith(x, p)
        : op === 'ew'
          ? dialect.fragments.endsWith(x, p)
          : sql<SqlBool>`${x} ${sql.raw(SQL_OPERATOR[op])} ${p}`;
  // "" is absent: exclude it wherever "" itself would satisfy the comparison.
  const emptyMatches = isText(def) && (value === '' || op === 'lt' || op === 'le');
  return {
    sql: emptyMatches ? sql<SqlBool>`(${x} <> '' and ${condition})` : condition,
    nullable: true,
    ...(scan ? { scan } : {}),
  };
}

/**
 * `value eq "…"` on elements that can answer it from an index (`ElementRows.valueIs`), for a
 * caseExact value that is not "" (where the general form has nothing else to exclude).
 */
function valueLookup(
  rows: ElementRows | undefined,
  def: AttributeDefinition,
  op: CompareOperator,
  value: FilterValue,
): Predicate | undefined {
  if (!rows?.valueIs || def.name !== 'value' || op !== 'eq' || def.caseExact !== true) return undefined;
  if (typeof value !== 'string' || value === '' || !isText(def)) return undefined;
  return { sql: rows.valueIs(value), nullable: false };
}

function compare(source: Source, op: CompareOperator, value: FilterValue, dialect: SqlDialect): Predicate {
  if (source.kind === 'scalar') {
    const lookup = valueLookup(source.rows, source.def, op === 'ne' ? 'eq' : op, value);
    if (lookup) return op === 'ne' ? not(lookup) : lookup;
  }
  if (value === null) {
    if (op === 'eq') return not(present(source));
    if (op === 'ne') return present(source);
    return FALSE;
  }
  if (source.kind !== 'scalar') return op === 'ne' ? TRUE : FALSE;
  const matches = someValue(source.rows, satisfies(source, op === 'ne' ? 'eq' : op, value, dialect));
  return op === 'ne' ? not(matches) : matches;
}

function combine(kind: 'and' | 'or', left: Predicate, right: Predicate): Predicate {
  // Constants fold away: x and true = x, x or false = x, x and false = false, x or true = true.
  const identity = kind === 'and' ? TRUE : FALSE;
  if (left === identity) return right;
  if (right === identity) return left;
  if (left === not(identity) || right === not(identity)) return not(identity);
  // Two conditions on `f` stay one scan; a condition on `f` beside one on `r` becomes its own.
  const scan = left.scan === true && right.scan === true;
  const [l, r] = scan ? [left, right] : [onResource(left), onResource(right)];
  return {
    sql: kind === 'and' ? sql<SqlBool>`(${l.sql} and ${r.sql})` : sql<SqlBool>`(${l.sql} or ${r.sql})`,
    nullable: l.nullable || r.nullable,
    ...(scan ? { scan } : {}),
  };
}

/**
 * Compiles `filter` where paths resolve with `resolve` (the resource, or one element of
 * `attr[...]`), reading the folded copy as `access` says; `scan` for the resource's own paths
 * where the dialect keeps a copy. A comparison is compiled reading the `scan` copy first, and
 * again reading the row's copy when it needs more than `f` (sources.ts, `CopyAccess`).
 */
function compileIn(
  filter: Filter,
  resolve: (path: Filter & { kind: 'compare' | 'present' }, access: CopyAccess) => Source,
  valuePath: (filter: Filter & { kind: 'valuePath' }, access: CopyAccess) => Predicate,
  dialect: SqlDialect,
  access: CopyAccess | 'scan-first',
): Predicate {
  const recurse = (f: Filter) => compileIn(f, resolve, valuePath, dialect, access);
  const leaf = (compile: (access: CopyAccess) => Predicate): Predicate => {
    if (access !== 'scan-first') return compile(access);
    const onScan = compile('scan');
    return onScan.scan || onScan.idOnly || onScan === TRUE || onScan === FALSE ? onScan : compile('row');
  };
  switch (filter.kind) {
    case 'and':
    case 'or':
      return combine(filter.kind, recurse(filter.left), recurse(filter.right));
    case 'not':
      return not(recurse(filter.filter));
    case 'present':
      return leaf((a) => present(resolve(filter, a)));
    case 'compare':
      return leaf((a) => compare(resolve(filter, a), filter.op, filter.value, dialect));
    case 'valuePath':
      return leaf((a) => valuePath(filter, a));
  }
}

function compileValuePath(
  filter: Filter & { kind: 'valuePath' },
  type: ResourceTypeDefinition,
  dialect: SqlDialect,
  access: CopyAccess,
): Predicate {
  const found = elementRows(dialect, type, filter.path, access);
  if (!found) {
    if (resourceSource(dialect, type, filter.path).kind === 'absent') return FALSE;
    throw invalidFilter(
      `a value filter "[...]" needs a multi-valued complex attribute; ${printAttrPath(filter.path)} is not one`,
    );
  }
  const inner = filter.filter;
  if (inner.kind === 'compare' && inner.path.schema === undefined && inner.path.subAttribute === undefined) {
    const def = resolveSubAttribute(found.parent, inner.path.attribute);
    const lookup = def && valueLookup(found.rows, def, inner.op, inner.value);
    if (lookup) return lookup;
  }
  const compiled = compileIn(
    filter.filter,
    (f) => elementSource(found.rows, found.parent, f.path),
    () => {
      throw invalidFilter(`a value filter "[...]" cannot be nested inside ${found.parent.name}[...]`);
    },
    dialect,
    access,
  );
  return someValue(found.rows, compiled);
}

/** A compiled filter: the condition on `r`, and on `f` alone when it reads nothing else. */
export interface CompiledFilter {
  /** The condition on the resources row `r`. */
  readonly where: RawBuilder<SqlBool>;
  /**
   * The same condition on the row `f` of `resource_scan`, when it reads nothing but `f`: the
   * caller may then count `resource_scan` alone (`f.tenant_id`, `f.resource_type` its to add).
   */
  readonly onScan?: RawBuilder<SqlBool>;
}

/**
 * The SQL condition for a checked `filter` on resources of `type` (table aliased `r`). The
 * caller adds `r.tenant_id` and `r.resource_type`, and binds the slots `tenant` and `type` the
 * condition may hold. Throws `invalidFilter` for shapes `checkFilter` rejects (a `[...]` on a
 * non-multi-valued attribute, nested `[...]`).
 */
export function compileFilterParts(filter: Filter, type: ResourceTypeDefinition, dialect: SqlDialect): CompiledFilter {
  const p = compileIn(
    filter,
    (f, access) => resourceSource(dialect, type, f.path, access),
    (f, access) => compileValuePath(f, type, dialect, access),
    dialect,
    dialect.fragments.foldedBody ? 'scan-first' : 'row',
  );
  return p.scan ? { where: onResource(p).sql, onScan: p.sql } : { where: p.sql };
}

/** `compileFilterParts(...).where`. */
export function compileFilter(filter: Filter, type: ResourceTypeDefinition, dialect: SqlDialect): RawBuilder<SqlBool> {
  return compileFilterParts(filter, type, dialect).where;
}
