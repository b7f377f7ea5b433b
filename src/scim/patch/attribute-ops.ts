/**
 * PATCH operations on one attribute inside its container (the body, or the extension object
 * under its schema URN), per RFC 7644 §3.5.2.1 (add), §3.5.2.2 (remove), §3.5.2.3 (replace).
 * Callers have already resolved the path and rejected readOnly targets.
 */

import { createsUnmatchedElement, pinnedValues, removesListedValues } from '../compat/patch-rules.js';
import { mutability, noTarget } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { isObject, type Json } from '../json.js';
import type { AttributeDefinition } from '../schema/types.js';
import { type ElementScope, matchesElement } from './element-filter.js';
import { checkImmutable, coerceElement, coerceValue, sameElement, settlePrimary } from './values.js';

/** Where an attribute lives and how errors name it. */
export interface AttributeTarget {
  readonly container: Json;
  readonly attribute: AttributeDefinition;
  /** The attribute as error messages name it, e.g. `emails` or `urn:…:User:manager`. */
  readonly where: string;
  /** The attribute as a filter scope, for valuePath selections. */
  readonly scope: ElementScope;
}

type Op = 'add' | 'replace' | 'remove';

/**
 * Unassigns the attribute. RFC 7644 §3.5.2.2: "If an attribute is removed or becomes unassigned
 * and is defined as a required attribute or a read-only attribute, the server SHALL return ...
 * a "scimType" error code of "mutability"."
 */
function unassign(t: AttributeTarget): void {
  const before = t.container[t.attribute.name];
  if (before === undefined) return;
  if (t.attribute.required) throw mutability(`${t.where} is required and cannot be removed.`);
  checkImmutable(t.attribute, before, undefined, t.where);
  delete t.container[t.attribute.name];
}

function assign(t: AttributeTarget, value: unknown): void {
  if (value === undefined) {
    unassign(t);
    return;
  }
  checkImmutable(t.attribute, t.container[t.attribute.name], value, t.where);
  t.container[t.attribute.name] = value;
}

function elementsOf(t: AttributeTarget): unknown[] {
  const current = t.container[t.attribute.name];
  return Array.isArray(current) ? [...current] : [];
}

function assignElements(t: AttributeTarget, elements: unknown[]): void {
  assign(t, elements.length > 0 ? elements : undefined);
}

/** Adds `incoming` elements to `elements`, merging into the same value instead of duplicating. */
function mergeElements(def: AttributeDefinition, elements: unknown[], incoming: readonly unknown[]): unknown[] {
  const touched: unknown[] = [];
  // Element index → its entry in `touched`: two incoming values naming one element (same value,
  // other case) touch it once, so its primary flag is counted once.
  const touchedAt = new Map<number, number>();
  const touch = (index: number, element: unknown) => {
    const at = touchedAt.get(index);
    if (at === undefined) touchedAt.set(index, touched.push(element) - 1);
    else touched[at] = element;
  };
  for (const value of incoming) {
    const index = elements.findIndex((e) => sameElement(def, e, value));
    const existing = elements[index];
    if (index < 0) {
      touch(elements.push(value) - 1, value);
      continue;
    }
    const merged = isObject(existing) && isObject(value) ? { ...existing, ...value } : value;
    elements[index] = merged;
    touch(index, merged);
  }
  return touched;
}

/**
 * `remove` with a value list on a multi-valued attribute: removes only the listed values
 * (rule `entra-remove-value-list`).
 */
function removeListed(t: AttributeTarget, value: unknown): void {
  const listed = (coerceValue(t.attribute, value, t.where) ?? []) as unknown[];
  const elements = elementsOf(t);
  const kept = elements.filter((e) => !listed.some((l) => sameElement(t.attribute, l, e)));
  if (kept.length !== elements.length) assignElements(t, kept);
}

/** add/replace of a whole multi-valued attribute: add merges into the set, replace swaps it. */
function setElements(op: 'add' | 'replace', t: AttributeTarget, coerced: unknown): void {
  if (coerced === undefined) {
    if (op === 'replace') unassign(t);
    return;
  }
  const elements = op === 'replace' ? [] : elementsOf(t);
  const touched = mergeElements(t.attribute, elements, coerced as unknown[]);
  settlePrimary(elements, touched, t.where);
  assignElements(t, elements);
}

/** `op` on the attribute itself: `path: "emails"`, or a key of a path-less value object. */
export function applyToAttribute(op: Op, t: AttributeTarget, value: unknown): void {
  const def = t.attribute;
  if (op === 'remove') {
    if (removesListedValues(def, value)) removeListed(t, value);
    else unassign(t);
    return;
  }
  const coerced = coerceValue(def, value, t.where);
  if (def.multiValued) {
    setElements(op, t, coerced);
  } else if (def.type === 'complex' && coerced !== undefined) {
    // RFC 7644 §3.5.2.3: sub-attributes not specified in "value" are left unchanged (and
    // §3.5.2.1 add on a set single value replaces those given): both merge.
    const current = t.container[def.name];
    assign(t, { ...(isObject(current) ? current : {}), ...(coerced as Json) });
  } else {
    assign(t, coerced);
  }
}

/** `op` on a sub-attribute of a singular complex attribute: `name.givenName`. */
export function applyToSubAttribute(op: Op, t: AttributeTarget, sub: AttributeDefinition, value: unknown): void {
  const current = t.container[t.attribute.name];
  const next: Json = { ...(isObject(current) ? current : {}) };
  const coerced = op === 'remove' ? undefined : coerceValue(sub, value, `${t.where}.${sub.name}`);
  if (coerced === undefined) {
    if (next[sub.name] === undefined) return;
    if (sub.required) throw mutability(`${t.where}.${sub.name} is required and cannot be removed.`);
    delete next[sub.name];
  } else {
    next[sub.name] = coerced;
  }
  assign(t, Object.keys(next).length > 0 ? next : undefined);
}

/** The elements a path selects: by valuePath filter, and optionally one sub-attribute of them. */
export interface Selection {
  /** Undefined selects every element (`emails.value` without a filter). */
  readonly filter?: Filter;
  readonly sub?: AttributeDefinition;
}

/**
 * Builds the element an add (or Entra's replace) creates when no element matches (rule
 * `entra-filtered-add-creates`): the values the filter pins with `eq`, plus the given value.
 * Undefined when the filter pins nothing (e.g. `value co "x"`), so the caller answers noTarget.
 */
function createdElement(t: AttributeTarget, s: Selection, value: unknown): unknown {
  const pinned = s.filter === undefined ? {} : pinnedValues(s.filter);
  if (pinned === undefined) return undefined;
  const element = s.sub !== undefined ? { ...pinned, [s.sub.name]: value } : { ...pinned, ...(value as Json) };
  return coerceElement(t.attribute, element, `${t.where}[...]`);
}

/** Elements without the picked ones (no sub-attribute), or with `sub` removed from them. */
function withoutSelected(elements: readonly unknown[], picked: readonly unknown[], s: Selection): unknown[] {
  const sub = s.sub;
  if (sub === undefined) return elements.filter((e) => !picked.includes(e));
  const out: unknown[] = [];
  for (const e of elements) {
    if (!picked.includes(e) || !isObject(e)) {
      out.push(e);
      continue;
    }
    if (sub.required && e[sub.name] !== undefined) throw mutability(`${sub.name} is required and cannot be removed.`);
    const { [sub.name]: _removed, ...rest } = e;
    // An element left without any sub-attribute is unassigned (RFC 7644 §3.5.2.2).
    if (Object.keys(rest).length > 0) out.push(rest);
  }
  return out;
}

/**
 * `op` on the elements of a multi-valued attribute picked by a valuePath filter, or on one
 * sub-attribute of them: `emails[type eq "work"]`, `emails[type eq "work"].value`,
 * `emails.value`. Matched elements are merged with a complex value (RFC 7644 §3.5.2.3); no
 * match creates the pinned element when compat's createsUnmatchedElement says so (Entra's
 * replace of `emails[type eq "work"].value`), else → noTarget.
 * Setting the selection to null/"" unassigns it; removing a selection that matches nothing
 * succeeds unchanged.
 */
export function applyToSelection(op: Op, t: AttributeTarget, s: Selection, value: unknown): void {
  const elements = elementsOf(t);
  const picked = elements.filter((e) => s.filter === undefined || matchesElement(t.scope, s.filter, e));
  const where = s.sub !== undefined ? `${t.where}[...].${s.sub.name}` : `${t.where}[...]`;
  const coerced =
    op === 'remove'
      ? undefined
      : s.sub !== undefined
        ? coerceValue(s.sub, value, where)
        : coerceElement(t.attribute, value, where);
  if (picked.length === 0) {
    if (coerced === undefined) return;
    const created = createsUnmatchedElement(op, s) ? createdElement(t, s, coerced) : undefined;
    if (created === undefined) throw noTarget(`no value of ${t.where} matches the filter of the path.`);
    elements.push(created);
    settlePrimary(elements, [created], t.where);
    assignElements(t, elements);
    return;
  }
  if (coerced === undefined) {
    assignElements(t, withoutSelected(elements, picked, s));
    return;
  }
  const touched: unknown[] = [];
  elements.forEach((e, i) => {
    if (!picked.includes(e)) return;
    const base = isObject(e) ? e : {};
    const next = s.sub !== undefined ? { ...base, [s.sub.name]: coerced } : { ...base, ...(coerced as Json) };
    elements[i] = next;
    touched.push(next);
  });
  settlePrimary(elements, touched, t.where);
  assignElements(t, elements);
}
