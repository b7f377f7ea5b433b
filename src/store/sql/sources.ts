/**
 * Where the values of an attribute path live in SQL, for the filter and sort compilers: a
 * projected column, a scalar inside the JSON body, the elements of a JSON array, or the rows of
 * `group_members` (Group `members`, User `groups`). Every fragment refers to the resources row
 * as `r`. The shapes mirror the full representation the memory evaluator reads
 * (src/store/memory/filter-view.ts), so both backends see the same values.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { AttrPath } from '../../scim/filter/ast.js';
import { resolveAttribute, resolveSubAttribute } from '../../scim/schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../../scim/schema/types.js';
import type { JsonPath, SqlDialect } from './dialect.js';
import { Slot } from './template.js';

const BODY = sql.raw('r.body');

/**
 * Where the folded copy of the body (dialect.ts, `FoldedBody`; `resource_scan`, migration
 * 0011-scan-layout) is read from, for dialects that keep one:
 * - `scan`: the row `f` of `resource_scan` itself. A condition that reads nothing else (no
 *   column, no original value) is evaluated by scanning that narrow table alone, then joined to
 *   the resources by id (filter-sql.ts, `onScanRows`);
 * - `row`: the copy of the resources row `r`, looked up by its key, for conditions that also
 *   read `r` (a column, a caseExact value of the original body) and for sorting.
 */
export type CopyAccess = 'scan' | 'row';

const SCAN_COPY = sql.raw('f.fold');
const ROW_COPY = sql`(select f.fold from resource_scan as f where f.tenant_id = r.tenant_id and f.resource_type = r.resource_type and f.id = r.id)`;
const copyOf = (access: CopyAccess) => (access === 'scan' ? SCAN_COPY : ROW_COPY);

/** Whether folding can change values of `def` (strings; dateTimes are stored as strings). */
const foldable = (def: AttributeDefinition) =>
  def.type === 'string' || def.type === 'reference' || def.type === 'binary' || def.type === 'dateTime';

/** The elements of a multi-valued attribute, as rows of a correlated subquery. */
export interface ElementRows {
  /** `exists (select 1 from <rows> where <condition>)`; without a condition, any element. */
  exists(condition?: RawBuilder<SqlBool>): RawBuilder<SqlBool>;
  /** The value of sub-attribute `def` in the current element row; undefined when never present. */
  sub(def: AttributeDefinition): RawBuilder<unknown> | undefined;
  /** The same value already folded, when the rows can give it without folding each one. */
  subFolded?(def: AttributeDefinition): RawBuilder<unknown> | undefined;
  /** Sub-attribute `def` of the primary element, else the first (RFC 7644 §3.4.2.3 sorting). */
  first(def: AttributeDefinition): RawBuilder<unknown> | undefined;
  /** The rows read only the `scan` copy (`CopyAccess`): nothing of the resources row `r`. */
  readonly inScan?: boolean;
  /**
   * Optional: the ids of the resources some element of which satisfies `condition` (any element
   * without one), as a subquery that reads neither `r` nor `f`: a filter that is this alone is
   * answered by it directly, not by testing each row of `resource_scan` (filter-sql.ts).
   */
  among?(condition?: RawBuilder<SqlBool>): RawBuilder<unknown>;
  /**
   * Optional: "some element's `value` is `value`" as a condition the database answers from an
   * index, not by testing every resource (Group `members[value eq "…"]`: the member's groups
   * from `group_members_by_member`).
   */
  valueIs?(value: unknown): RawBuilder<SqlBool>;
}

/** The statement's tenant, bound by query.ts like its own (template.ts slots). */
const TENANT = new Slot('tenant');

export type Source =
  /** Unknown, or known but never in the full representation (`meta.location`, `members.$ref`). */
  | { readonly kind: 'absent' }
  /** Always present and not comparable (`meta`). */
  | { readonly kind: 'always' }
  /** One scalar per element of `rows`, or one for the resource when `rows` is undefined. */
  | {
      readonly kind: 'scalar';
      readonly def: AttributeDefinition;
      readonly value: RawBuilder<unknown>;
      /** Already folded by `projectColumns` (a `*_fold` column). */
      readonly folded: boolean;
      /** The same value read from the folded copy of the body (already folded), if there is one. */
      readonly foldedValue?: RawBuilder<unknown>;
      /**
       * `foldedValue` is read from the `scan` copy (`CopyAccess`), and equals `value` for every
       * comparison that does not fold (the type's values are not strings, which folding keeps).
       */
      readonly inScan?: { readonly sameUnfolded: boolean };
      readonly rows?: ElementRows;
    }
  /** A complex value (or a whole multi-valued attribute): only its presence can be tested. */
  | {
      readonly kind: 'complex';
      readonly present: RawBuilder<SqlBool>;
      /** `present` reads only the `scan` copy (`CopyAccess`). */
      readonly inScan?: boolean;
      /** The ids of the resources where it is present, when its elements can give them (`ElementRows.among`). */
      readonly among?: RawBuilder<unknown>;
    };

/**
 * The elements of the JSON array at `path`. With a folded copy of the body, filters iterate the
 * copy's elements (read without parsing, values already folded) and take the values a caseExact
 * comparison needs from the same element of the original body; sorting iterates the original.
 */
function jsonRows(dialect: SqlDialect, path: JsonPath, access: CopyAccess): ElementRows {
  const e = dialect.fragments.jsonElements(BODY, path, 'e');
  const folded = dialect.fragments.foldedBody;
  const scan = folded ? dialect.fragments.jsonElements(copyOf(access), path, 'e') : e;
  const inElement = (def: AttributeDefinition) => dialect.fragments.jsonScalar(scan.element, [def.name], def.type);
  return {
    exists: (condition) =>
      condition
        ? sql<SqlBool>`exists (select 1 from ${scan.from} where ${condition})`
        : sql<SqlBool>`exists (select 1 from ${scan.from})`,
    sub: (def) => (folded && foldable(def) ? folded.original(BODY, 'e', def.name) : inElement(def)),
    ...(folded ? { subFolded: inElement } : {}),
    ...(folded && access === 'scan' ? { inScan: true } : {}),
    first: (def) => {
      const primary = sql`case when ${dialect.fragments.jsonScalar(e.element, ['primary'], 'boolean')} = ${dialect.codec.encodeBoolean(true)} then 0 else 1 end`;
      return sql`(select ${dialect.fragments.jsonScalar(e.element, [def.name], def.type)} from ${e.from} order by ${primary}, ${e.position} limit 1)`;
    },
  };
}

/** The statement's resource type, bound by query.ts like the tenant. */
const TYPE = new Slot('type');

/** `resource_scan_elements`' column for a sub-attribute (0012-element-scan), if it has one. */
const ELEMENT_COLUMNS: Readonly<Record<string, string>> = {
  value: 'el.value_fold',
  type: 'el.type_fold',
  primary: 'el.primary_flag',
  display: 'el.display_fold',
};

/**
 * The element row `el` holds a value (`jsonHasValue` of the element): a sub-attribute column
 * that is neither null nor "", or such a value in its rest.
 */
const elementHasValue = (dialect: SqlDialect) =>
  sql<SqlBool>`(el.value_fold <> '' or el.type_fold <> '' or el.primary_flag is not null or el.display_fold <> '' or ${dialect.fragments.jsonHasValue(sql.raw('el.rest_fold'), [])})`;

/**
 * The elements of the multi-valued attribute `attribute` (`emails`, or `<schema URN>:<name>`)
 * as rows `el` of `resource_scan_elements` (0012-element-scan), for `scan` access: the common
 * sub-attributes are folded columns, the others are read from the element's folded rest. Only a
 * condition on folded values reads nothing but `el`; a caseExact one reads the original body by
 * the element's position, which makes the filter read the row's copy instead (`CopyAccess`).
 */
function elementTableRows(dialect: SqlDialect, path: JsonPath, attribute: string): ElementRows {
  const folded = (def: AttributeDefinition) => {
    const column = ELEMENT_COLUMNS[def.name];
    return column ? sql.raw(column) : dialect.fragments.jsonScalar(sql.raw('el.rest_fold'), [def.name], def.type);
  };
  const original = (def: AttributeDefinition) =>
    sql`json_extract(${BODY}, ${sql.lit(jsonPathTextOf(path))} || '[' || el.position || '].' || ${sql.lit(jsonKey(def.name))})`;
  const among = (condition?: RawBuilder<SqlBool>) =>
    sql`select el.id from resource_scan_elements as el where el.tenant_id = ${TENANT} and el.resource_type = ${TYPE} and el.attribute = ${sql.lit(attribute)}${
      condition ? sql` and ${condition}` : sql``
    }`;
  return {
    exists: (condition) => sql<SqlBool>`f.id in (${among(condition)})`,
    among,
    sub: (def) => (foldable(def) ? original(def) : folded(def)),
    subFolded: folded,
    inScan: true,
    first: () => {
      throw new Error('resource_scan_elements is never sorted by');
    },
  };
}

/** A JSON path's text as SQLite writes it (`$.a."b:c"`), for paths built at run time. */
function jsonPathTextOf(path: JsonPath): string {
  return `$${path.map((key) => `.${jsonKey(key)}`).join('')}`;
}

const jsonKey = (key: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key));

/**
 * Rows of `group_members` joined to the other side of the membership: `from` and `where`
 * correlate them with `r`, `sub` maps a sub-attribute to a column, `order` picks the "first".
 */
function membershipRows(
  from: RawBuilder<unknown>,
  where: RawBuilder<unknown>,
  sub: ElementRows['sub'],
  order: RawBuilder<unknown>,
): ElementRows {
  return {
    exists: (condition) =>
      sql<SqlBool>`exists (select 1 from ${from} where ${where}${condition ? sql` and ${condition}` : sql``})`,
    sub,
    first: (def) => {
      const value = sub(def);
      return value && sql`(select ${value} from ${from} where ${where} order by ${order} limit 1)`;
    },
  };
}

/** Group `members`: value, type and display (the member's display column); in insertion order. */
function memberRows(): ElementRows {
  const rows = membershipRows(
    sql`group_members as gm inner join resources as m on m.tenant_id = gm.tenant_id and m.id = gm.member_id`,
    sql`gm.tenant_id = r.tenant_id and gm.group_id = r.id`,
    (def) =>
      def.name === 'value'
        ? sql.raw('gm.member_id')
        : def.name === 'type'
          ? sql.raw('gm.member_type')
          : def.name === 'display'
            ? sql.raw('m.display')
            : undefined,
    sql`gm.added_seq`,
  );
  // Every membership's member exists (a foreign key), so the join with it is not needed here.
  return {
    ...rows,
    valueIs: (value) =>
      sql<SqlBool>`r.id in (select gm.group_id from group_members as gm where gm.tenant_id = ${TENANT} and gm.member_id = ${value})`,
  };
}

/** User `groups`: value and display of the groups it directly belongs to, ordered by display. */
function groupRows(): ElementRows {
  const display = sql`coalesce(g.display, '')`;
  return membershipRows(
    sql`group_members as gm inner join resources as g on g.tenant_id = gm.tenant_id and g.id = gm.group_id`,
    sql`gm.tenant_id = r.tenant_id and gm.member_id = r.id`,
    (def) => (def.name === 'value' ? sql.raw('gm.group_id') : def.name === 'display' ? display : undefined),
    sql`${display}, g.id`,
  );
}

/** Group `members` and User `groups` live in `group_members`, not in the body. */
function derivedRows(type: ResourceTypeDefinition, attribute: AttributeDefinition): ElementRows | undefined {
  if (type.name === 'Group' && attribute.name === 'members') return memberRows();
  if (type.name === 'User' && attribute.name === 'groups') return groupRows();
  return undefined;
}

function column(def: AttributeDefinition, name: string, folded = false): Source {
  return { kind: 'scalar', def, value: sql.raw(name), folded };
}

/** Attributes the full representation takes from columns rather than from the body. */
function columnSource(
  type: ResourceTypeDefinition,
  attribute: AttributeDefinition,
  sub: AttributeDefinition | undefined,
): Source | undefined {
  switch (attribute.name) {
    case 'id':
      return column(attribute, 'r.id');
    case 'externalId':
      return column(attribute, 'r.external_id');
    case 'userName':
      return type.name === 'User' ? column(attribute, 'r.unique_name_fold', true) : undefined;
    case 'displayName':
      return column(attribute, 'r.display_name_fold', true);
    case 'active':
      return type.name === 'User' ? column(attribute, 'r.active') : undefined;
    case 'meta':
      if (!sub) return { kind: 'always' };
      if (sub.name === 'created') return column(sub, 'r.created');
      if (sub.name === 'lastModified') return column(sub, 'r.last_modified');
      if (sub.name === 'resourceType') return column(sub, 'r.resource_type');
      if (sub.name === 'version')
        return { kind: 'scalar', def: sub, value: sql`'W/"' || r.version || '"'`, folded: false };
      return { kind: 'absent' };
    default:
      return undefined;
  }
}

/** Rows of a multi-valued complex attribute, or undefined when it is not one. */
export function elementRows(
  dialect: SqlDialect,
  type: ResourceTypeDefinition,
  path: AttrPath,
  access: CopyAccess = 'row',
): { rows: ElementRows; parent: AttributeDefinition } | undefined {
  const resolved = resolveAttribute(type, path);
  const parent = resolved?.attribute;
  if (!resolved || resolved.subAttribute || parent?.type !== 'complex' || !parent.multiValued) return undefined;
  const derived = !resolved.inExtension && derivedRows(type, parent);
  if (derived) return { rows: derived, parent };
  const json = resolved.inExtension ? [resolved.schema, parent.name] : [parent.name];
  if (dialect.fragments.foldedBody?.elementRows && access === 'scan') {
    return { rows: elementTableRows(dialect, json, json.join(':')), parent };
  }
  return { rows: jsonRows(dialect, json, access), parent };
}

/** The source of a path inside one element of `rows` (a bare sub-attribute name within `attr[...]`). */
export function elementSource(rows: ElementRows, parent: AttributeDefinition, path: AttrPath): Source {
  if (path.schema !== undefined || path.subAttribute !== undefined) return { kind: 'absent' };
  const def = resolveSubAttribute(parent, path.attribute);
  const value = def && rows.sub(def);
  if (!def || !value) return { kind: 'absent' };
  const foldedValue = rows.subFolded?.(def);
  return {
    kind: 'scalar',
    def,
    value,
    folded: false,
    ...(foldedValue ? { foldedValue } : {}),
    ...(foldedValue && rows.inScan ? { inScan: { sameUnfolded: !foldable(def) } } : {}),
  };
}

/** The source of a path at the resource level (outside any `[...]`). */
export function resourceSource(
  dialect: SqlDialect,
  type: ResourceTypeDefinition,
  path: AttrPath,
  access: CopyAccess = 'row',
): Source {
  const resolved = resolveAttribute(type, path);
  if (!resolved) return { kind: 'absent' };
  const { attribute, subAttribute } = resolved;
  if (!resolved.inExtension) {
    const fromColumn = columnSource(type, attribute, subAttribute);
    if (fromColumn) return fromColumn;
  }
  const prefix = resolved.inExtension ? [resolved.schema, attribute.name] : [attribute.name];
  if (attribute.multiValued && subAttribute) {
    const found = elementRows(dialect, type, { ...path, subAttribute: undefined }, access);
    const value = found?.rows.sub(subAttribute);
    if (!found || !value) return { kind: 'absent' };
    const foldedValue = found.rows.subFolded?.(subAttribute);
    return {
      kind: 'scalar',
      def: subAttribute,
      value,
      folded: false,
      rows: found.rows,
      ...(foldedValue ? { foldedValue } : {}),
      ...(foldedValue && found.rows.inScan ? { inScan: { sameUnfolded: !foldable(subAttribute) } } : {}),
    };
  }
  const json = subAttribute ? [...prefix, subAttribute.name] : prefix;
  if (resolved.target.type === 'complex') {
    // A derived list (members, groups) is present when it has a row: every row has a value.
    const rows = !resolved.inExtension && derivedRows(type, attribute);
    if (rows) return { kind: 'complex', present: rows.exists() };
    const elements = attribute.multiValued && !subAttribute ? elementRows(dialect, type, path, access) : undefined;
    if (elements?.rows.among) {
      const hasValue = elementHasValue(dialect);
      return {
        kind: 'complex',
        present: elements.rows.exists(hasValue),
        inScan: true,
        among: elements.rows.among(hasValue),
      };
    }
    const copy = dialect.fragments.foldedBody && copyOf(access);
    return {
      kind: 'complex',
      present: dialect.fragments.jsonHasValue(copy || BODY, json),
      ...(copy && access === 'scan' ? { inScan: true } : {}),
    };
  }
  const targetType = resolved.target.type;
  const copy = dialect.fragments.foldedBody && copyOf(access);
  return {
    kind: 'scalar',
    def: resolved.target,
    value: dialect.fragments.jsonScalar(BODY, json, targetType),
    folded: false,
    ...(copy ? { foldedValue: dialect.fragments.jsonScalar(copy, json, targetType) } : {}),
    ...(copy && access === 'scan' ? { inScan: { sameUnfolded: !foldable(resolved.target) } } : {}),
  };
}
