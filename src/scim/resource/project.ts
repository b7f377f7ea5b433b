/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the `returned`
 * characteristic (RFC 7643 §7): what of a full representation goes back on the wire.
 */
import { invalidFilter, invalidValue } from '../errors.js';
import type { AttrPath, Filter, PatchPath } from '../filter/ast.js';
import { checkInner } from '../filter/check.js';
import { matchesValue } from '../filter/evaluate.js';
import { parseAttributeSelections } from '../filter/parse.js';
import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { resolveAttribute, schemasOf } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.js';

/** One selected attribute: top-level key in the representation, and an optional sub-attribute. */
interface Selection {
  /** `undefined` for core attributes, else the extension URN the attribute is nested under. */
  readonly extension?: string;
  /** Attribute name in canonical spelling; undefined selects the whole extension object. */
  readonly attribute?: string;
  readonly subAttribute?: string;
  readonly definition?: AttributeDefinition;
  /** `emails[type eq "work"]`: only the values matching this filter (relative to one value). */
  readonly filter?: Filter;
  /** The attribute whose values `filter` selects (`emails` in `emails[type eq "work"].value`). */
  readonly filtered?: AttributeDefinition;
}

export interface Projection {
  readonly mode: 'default' | 'include' | 'exclude';
  readonly selections: readonly Selection[];
}

const DEFAULT_PROJECTION: Projection = { mode: 'default', selections: [] };

function findSchemaByUrn(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return schemasOf(type).find((s) => s.id.toLowerCase() === lower);
}

/**
 * A path that names a whole extension schema (`urn:…:enterprise:2.0:User`) parses as
 * schema `urn:…:2.0` + attribute `User`; recognise it here.
 */
function wholeSchema(type: ResourceTypeDefinition, path: AttrPath): SchemaDefinition | undefined {
  if (path.subAttribute !== undefined) return undefined;
  const joined = path.schema ? `${path.schema}:${path.attribute}` : path.attribute;
  return findSchemaByUrn(type, joined);
}

function toSelection(type: ResourceTypeDefinition, item: PatchPath): Selection | undefined {
  const path: AttrPath =
    item.subAttribute === undefined ? item.path : { ...item.path, subAttribute: item.subAttribute };
  const schema = item.valueFilter === undefined ? wholeSchema(type, path) : undefined;
  if (schema) return schema === type.schema ? undefined : { extension: schema.id };
  const resolved = resolveAttribute(type, path);
  // RFC 7644 §3.4.2.5 does not make unknown names an error; they simply select nothing.
  if (!resolved) return undefined;
  if (item.valueFilter !== undefined && resolved.attribute.type !== 'complex') {
    throw invalidFilter(`a value filter "[...]" needs a complex attribute; ${resolved.attribute.name} is not one`);
  }
  return {
    ...(resolved.inExtension ? { extension: resolved.schema } : {}),
    attribute: resolved.attribute.name,
    ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute.name } : {}),
    definition: resolved.target,
    ...(item.valueFilter !== undefined
      ? { filter: checkInner(item.valueFilter, resolved.attribute), filtered: resolved.attribute }
      : {}),
  };
}

/** Builds a projection from the two query parameters; giving both is a 400 (RFC 7644 §3.4.2.5). */
export function parseProjection(
  type: ResourceTypeDefinition,
  attributes: string | undefined,
  excludedAttributes: string | undefined,
): Projection {
  const include = attributes?.trim() ? attributes : undefined;
  const exclude = excludedAttributes?.trim() ? excludedAttributes : undefined;
  if (include && exclude) {
    throw invalidValue('"attributes" and "excludedAttributes" cannot be used together.');
  }
  const text = include ?? exclude;
  if (text === undefined) return DEFAULT_PROJECTION;
  const selections = parseAttributeSelections(text)
    .map((p) => toSelection(type, p))
    .filter((s): s is Selection => s !== undefined);
  return { mode: include ? 'include' : 'exclude', selections };
}

function matchesTop(sel: Selection, extension: string | undefined, attribute: string): boolean {
  return sel.extension === extension && (sel.attribute === undefined || sel.attribute === attribute);
}

/**
 * Whether the projection returns `attribute` (core) at all; lets the service skip loading
 * group members when `excludedAttributes=members`.
 */
export function projectionIncludes(type: ResourceTypeDefinition, projection: Projection, attribute: string): boolean {
  const def = [...COMMON_ATTRIBUTES, ...type.schema.attributes].find((a) => a.name === attribute);
  if (def?.returned === 'never') return false;
  if (def?.returned === 'always') return true;
  switch (projection.mode) {
    case 'default':
      return def?.returned !== 'request';
    case 'include':
      return projection.selections.some((s) => s.extension === undefined && s.attribute === attribute);
    case 'exclude':
      return !projection.selections.some(
        (s) =>
          s.extension === undefined &&
          s.attribute === attribute &&
          s.subAttribute === undefined &&
          s.filter === undefined,
      );
  }
}

const ALWAYS_KEYS = new Set(['schemas', 'id']);

function pickSub(value: unknown, subs: readonly string[], keep: boolean): unknown {
  const pick = (obj: unknown): unknown => {
    if (obj === null || typeof obj !== 'object') return obj;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (subs.includes(k) === keep) out[k] = v;
    }
    return out;
  };
  return Array.isArray(value) ? value.map(pick) : pick(value);
}

function selects(sel: Selection, element: unknown): boolean {
  return sel.filter === undefined || matchesValue(sel.filter, element, sel.filtered!);
}

/**
 * Projects one attribute when some of its selections carry a value filter
 * (`attributes=emails[type eq "work"]`): include keeps the values some selection matches (whole,
 * or only the selected sub-attributes), exclude drops the values a whole-value selection matches
 * and the selected sub-attributes of the others. Undefined when nothing is left.
 */
function projectValues(value: unknown, sels: readonly Selection[], include: boolean): unknown {
  const one = (element: unknown): unknown => {
    const applicable = sels.filter((s) => selects(s, element));
    if (include && applicable.length === 0) return undefined;
    const subs = applicable.map((s) => s.subAttribute);
    if (subs.includes(undefined)) return include ? element : undefined;
    if (subs.length === 0) return element;
    const picked = pickSub(element, subs as string[], include);
    return picked !== null && typeof picked === 'object' && Object.keys(picked).length === 0 ? undefined : picked;
  };
  if (!Array.isArray(value)) return one(value);
  const kept = value.map(one).filter((v) => v !== undefined);
  return kept.length > 0 ? kept : undefined;
}

function projectObject(
  object: Record<string, unknown>,
  attributes: readonly AttributeDefinition[],
  projection: Projection,
  extension: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const def = attributes.find((a) => a.name === key);
    if (def?.returned === 'never') continue;
    if ((extension === undefined && ALWAYS_KEYS.has(key)) || def?.returned === 'always') {
      out[key] = value;
      continue;
    }
    const sels = projection.selections.filter((s) => matchesTop(s, extension, key));
    if (projection.mode === 'default') {
      if (def?.returned !== 'request') out[key] = value;
    } else if (sels.some((s) => s.filter !== undefined)) {
      if (projection.mode === 'exclude' && def?.returned === 'request') continue;
      const kept = projectValues(value, sels, projection.mode === 'include');
      if (kept !== undefined) out[key] = kept;
    } else if (projection.mode === 'include') {
      if (sels.length === 0) continue;
      const subs = sels.map((s) => s.subAttribute);
      out[key] = subs.includes(undefined) ? value : pickSub(value, subs as string[], true);
    } else {
      if (def?.returned === 'request') continue;
      const subs = sels.map((s) => s.subAttribute);
      if (subs.includes(undefined)) continue;
      out[key] = subs.length > 0 ? pickSub(value, subs as string[], false) : value;
    }
  }
  return out;
}

/**
 * Applies the projection to a full representation (canonical key spelling). `schemas`, `id`
 * and `returned:always` attributes are always kept; `returned:never` ones never.
 */
export function applyProjection(
  type: ResourceTypeDefinition,
  representation: Record<string, unknown>,
  projection: Projection,
): Record<string, unknown> {
  const core = projectObject(representation, [...COMMON_ATTRIBUTES, ...type.schema.attributes], projection, undefined);
  for (const ext of type.extensions) {
    const value = representation[ext.schema.id];
    delete core[ext.schema.id];
    if (value === null || typeof value !== 'object') continue;
    const wholeSelected = projection.selections.some((s) => s.extension === ext.schema.id && s.attribute === undefined);
    let projected: Record<string, unknown>;
    if (projection.mode === 'include' && wholeSelected) projected = value as Record<string, unknown>;
    else if (projection.mode === 'exclude' && wholeSelected) continue;
    else projected = projectObject(value as Record<string, unknown>, ext.schema.attributes, projection, ext.schema.id);
    if (Object.keys(projected).length > 0) core[ext.schema.id] = projected;
  }
  return core;
}
