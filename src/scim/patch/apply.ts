/**
 * The PATCH engine (RFC 7644 §3.5.2): applies typed operations to a canonical body, pure and
 * atomic. The input is never mutated; any failing operation throws and nothing is changed.
 * Group `members` never touch the body: they become MemberChange steps (members.ts).
 */
import { acceptsFilterOnSingleValue } from '../compat/patch-rules.js';
import { invalidPath, invalidValue, mutability, noTarget } from '../errors.js';
import type { PatchPath } from '../filter/ast.js';
import { printAttrPath } from '../filter/print.js';
import { deepEqual, isObject, type Json, MAX_JSON_DEPTH, nestsDeeperThan } from '../json.js';
import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { findAttribute, resolveAttribute, schemasOf } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.js';
import { type AttributeTarget, applyToAttribute, applyToSelection, applyToSubAttribute } from './attribute-ops.js';
import { checkElementFilter, matchesElement } from './element-filter.js';
import { inOperation } from './errors.js';
import { coalesceMemberChanges, memberChanges } from './members.js';
import type { MemberChange, PatchOperation, PatchResult } from './types.js';

interface State {
  readonly type: ResourceTypeDefinition;
  readonly body: Json;
  readonly members: MemberChange[];
}

function findSchema(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return schemasOf(type).find((s) => s.id.toLowerCase() === lower);
}

function isMembers(state: State, def: AttributeDefinition): boolean {
  return state.type.name === 'Group' && def.name === 'members';
}

/** The container of `def` in `schema`: the body, or the extension object (created on demand). */
function targetOf(state: State, schema: SchemaDefinition, def: AttributeDefinition): AttributeTarget {
  if (schema === state.type.schema) {
    return { container: state.body, attribute: def, where: def.name, scope: { type: state.type, attribute: def } };
  }
  const existing = state.body[schema.id];
  const container = isObject(existing) ? existing : {};
  state.body[schema.id] = container;
  const scope = { type: state.type, attribute: def, extension: schema.id };
  return { container, attribute: def, where: `${schema.id}:${def.name}`, scope };
}

function rejectReadOnly(def: AttributeDefinition, where: string): void {
  if (def.mutability === 'readOnly') throw mutability(`${where} is readOnly and cannot be modified.`);
}

/** One attribute of a path-less add/replace value (RFC 7644 §3.5.2.1/§3.5.2.3, no "path"). */
function applyPathlessAttribute(
  state: State,
  op: 'add' | 'replace',
  schema: SchemaDefinition,
  key: string,
  value: unknown,
): void {
  const core = schema === state.type.schema;
  const def = findAttribute(schema.attributes, key) ?? (core ? findAttribute(COMMON_ATTRIBUTES, key) : undefined);
  if (def === undefined && core) {
    // As for paths (resolveAttribute): an unqualified name no core attribute has may name an
    // extension attribute (`department`).
    const resolved = resolveAttribute(state.type, { attribute: key });
    const extension = resolved && findSchema(state.type, resolved.schema);
    if (resolved && extension) {
      applyPathlessAttribute(state, op, extension, resolved.attribute.name, value);
      return;
    }
  }
  if (def === undefined) throw invalidPath(`unknown attribute "${core ? key : `${schema.id}:${key}`}".`);
  if (isMembers(state, def)) {
    state.members.push(...memberChanges(op, { type: state.type, attribute: def }, {}, value));
    return;
  }
  // writeOnly (password): scimd stores no passwords (resource/validate.ts drops them too).
  if (def.mutability === 'writeOnly') return;
  const target = targetOf(state, schema, def);
  rejectReadOnly(def, target.where);
  applyToAttribute(op, target, value);
}

function applyPathless(state: State, op: 'add' | 'replace', value: unknown, schema = state.type.schema): void {
  if (!isObject(value)) throw invalidValue('without "path", "value" must be an object of attributes.');
  for (const [key, inner] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    if (!key.includes(':')) {
      applyPathlessAttribute(state, op, schema, key, inner);
      continue;
    }
    const named = findSchema(state.type, key);
    // Keys of unknown schemas (e.g. Entra's ADSCIM URN) carry nothing scimd stores: ignored (the
    // sieve in front, rule `entra-undeclared-attributes`, has already noted or refused them).
    if (named === undefined || schema !== state.type.schema) continue;
    applyToSchema(state, op, named, inner);
  }
}

/** add/replace/remove of a whole schema's attributes: `{"urn:…:User": {...}}` or that path. */
function applyToSchema(state: State, op: PatchOperation['op'], schema: SchemaDefinition, value: unknown): void {
  if (op === 'remove' || (value === null && op === 'replace')) {
    if (schema === state.type.schema) throw invalidPath(`"${schema.id}" names the whole resource.`);
    for (const def of schema.attributes) applyToAttribute('remove', targetOf(state, schema, def), undefined);
    return;
  }
  if (value === null) return;
  if (!isObject(value)) throw invalidValue(`"${schema.id}" must be an object of its attributes.`);
  applyPathless(state, op, value, schema);
}

/** The attribute a path names, resolved; undefined for a path into an unknown extension. */
function resolvePath(state: State, patchPath: PatchPath, op: PatchOperation['op']) {
  const resolved = resolveAttribute(state.type, { ...patchPath.path, subAttribute: undefined });
  if (resolved === undefined) {
    // A path into an extension scimd does not know carries nothing it stores: ignored, as in POST.
    if (patchPath.path.schema !== undefined && findSchema(state.type, patchPath.path.schema) === undefined) {
      return undefined;
    }
    throw invalidPath(`unknown attribute "${printAttrPath(patchPath.path)}".`);
  }
  const def = resolved.attribute;
  const subName = patchPath.path.subAttribute ?? patchPath.subAttribute;
  const sub = subName === undefined ? undefined : findAttribute(def.subAttributes ?? [], subName);
  if (subName !== undefined && sub === undefined) {
    throw invalidPath(`"${def.name}" has no sub-attribute "${subName}".`);
  }
  // RFC 7644 §3.5.2 allows "[...]" on multi-valued attributes only; compat decides what else
  // Entra may send (`manager[value eq "<id>"]`, rule `entra-remove-filter-single-value`).
  const filteredSingle = patchPath.valueFilter !== undefined && !def.multiValued;
  if (filteredSingle && !acceptsFilterOnSingleValue(op, def, patchPath.subAttribute)) {
    throw invalidPath(
      `"${def.name}" is single-valued: a "[...]" filter applies to multi-valued attributes only (and to remove of a single complex value).`,
    );
  }
  const schema = findSchema(state.type, resolved.schema) ?? state.type.schema;
  return { schema, def, sub };
}

/** An operation with a path: resolves it against the schema, then dispatches on its form. */
function applyWithPath(state: State, op: PatchOperation, patchPath: PatchPath): void {
  const whole = findSchema(state.type, printAttrPath(patchPath.path));
  if (whole !== undefined && patchPath.valueFilter === undefined) {
    applyToSchema(state, op.op, whole, op.value);
    return;
  }
  const resolved = resolvePath(state, patchPath, op.op);
  if (resolved === undefined) return;
  const { schema, def, sub } = resolved;
  if (isMembers(state, def)) {
    const scope = { type: state.type, attribute: def };
    state.members.push(...memberChanges(op.op, scope, { filter: patchPath.valueFilter, sub: sub?.name }, op.value));
    return;
  }
  if (def.mutability === 'writeOnly') return;
  const target = targetOf(state, schema, def);
  rejectReadOnly(def, target.where);
  if (sub !== undefined) rejectReadOnly(sub, `${target.where}.${sub.name}`);
  const filter = patchPath.valueFilter && checkElementFilter(target.scope, patchPath.valueFilter);
  if (filter !== undefined && !def.multiValued) {
    // remove of a single complex value under a filter (acceptsFilterOnSingleValue): unassigned
    // when it matches, else unchanged.
    const current = target.container[def.name];
    if (current !== undefined && matchesElement(target.scope, filter, current))
      applyToAttribute('remove', target, undefined);
    return;
  }
  if (filter !== undefined || (sub !== undefined && def.multiValued)) {
    applyToSelection(op.op, target, { filter, sub }, op.value);
  } else if (sub !== undefined) {
    applyToSubAttribute(op.op, target, sub, op.value);
  } else {
    applyToAttribute(op.op, target, op.value);
  }
}

/** Drops emptied extension objects and keeps `schemas` in step with the extensions present. */
function settleSchemas(type: ResourceTypeDefinition, before: Json, body: Json): void {
  const listed = Array.isArray(body.schemas) ? [...(body.schemas as unknown[])] : [type.schema.id];
  const has = (urn: string) => listed.some((s) => typeof s === 'string' && s.toLowerCase() === urn.toLowerCase());
  let changed = !Array.isArray(body.schemas);
  for (const { schema } of type.extensions) {
    const value = body[schema.id];
    const present = isObject(value) && Object.keys(value).length > 0;
    if (!present) delete body[schema.id];
    const wasPresent = isObject(before[schema.id]) && Object.keys(before[schema.id] as Json).length > 0;
    if (present && !has(schema.id)) {
      listed.push(schema.id);
      changed = true;
    } else if (!present && wasPresent && has(schema.id)) {
      listed.splice(
        listed.findIndex((s) => typeof s === 'string' && s.toLowerCase() === schema.id.toLowerCase()),
        1,
      );
      changed = true;
    }
  }
  if (changed) body.schemas = listed;
}

/** Top-level attributes whose value differs, extension attributes URN-qualified. */
function changedAttributes(type: ResourceTypeDefinition, before: Json, after: Json): string[] {
  const changed: string[] = [];
  const extensions = new Set(type.extensions.map((e) => e.schema.id));
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'schemas') continue;
    if (!extensions.has(key)) {
      if (!deepEqual(before[key], after[key])) changed.push(key);
      continue;
    }
    const b = isObject(before[key]) ? (before[key] as Json) : {};
    const a = isObject(after[key]) ? (after[key] as Json) : {};
    for (const sub of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (!deepEqual(b[sub], a[sub])) changed.push(`${key}:${sub}`);
    }
  }
  return changed;
}

/**
 * Applies `ops` in order to `resource`, the canonical stored body (no id, meta, members,
 * groups). Throws the first operation's ScimError, its detail prefixed with `Operations[i]:`.
 * The departures from the RFC's letter that identity providers force are compat's
 * (src/scim/compat/patch-rules.ts, listed in compat/rules.ts and docs/compat.md).
 * Merging elements by value and ignoring unknown extension URNs are the engine's own readings.
 */
export function applyPatch(
  type: ResourceTypeDefinition,
  resource: Record<string, unknown>,
  ops: readonly PatchOperation[],
): PatchResult {
  // structuredClone recurses: a resource nested absurdly deep (only reachable by a direct call)
  // gets a SCIM error instead of a stack overflow (issue #12.2).
  if (nestsDeeperThan(resource, MAX_JSON_DEPTH)) {
    throw invalidValue(`the resource nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const state: State = { type, body: structuredClone(resource), members: [] };
  ops.forEach((op, index) => {
    inOperation(index, () => {
      if (op.path !== undefined) applyWithPath(state, op, op.path);
      else if (op.op === 'remove') throw noTarget('"remove" requires a "path".');
      else applyPathless(state, op.op, op.value);
    });
  });
  settleSchemas(type, resource, state.body);
  const memberSteps = coalesceMemberChanges(state.members);
  const changed = changedAttributes(type, resource, state.body);
  if (memberSteps.length > 0) changed.push('members');
  return { body: state.body, memberChanges: memberSteps, changedAttributes: changed };
}
