/**
 * Canonical text for the AST: `parseFilter(printFilter(f))` deep-equals `f` for every filter the
 * parser can produce (a property test holds this). Operators and keywords print in lower case,
 * strings as JSON, and parentheses appear only where precedence (not > and > or, left
 * associative) needs them to keep the tree's shape.
 */
import type { AttrPath, Filter, FilterValue, PatchPath } from './ast.js';

/** `[schema ":"] attribute ["." subAttribute]`. */
export function printAttrPath(path: AttrPath): string {
  const head = path.schema !== undefined ? `${path.schema}:${path.attribute}` : path.attribute;
  return path.subAttribute !== undefined ? `${head}.${path.subAttribute}` : head;
}

/** A comparison value as JSON (RFC 8259); numbers keep JavaScript's shortest round-trip form. */
export function printFilterValue(value: FilterValue): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function precedence(filter: Filter): number {
  switch (filter.kind) {
    case 'or':
      return 1;
    case 'and':
      return 2;
    case 'not':
    case 'compare':
    case 'present':
    case 'valuePath':
      return 3;
  }
}

/** Prints `child` in parentheses when its precedence is below `min`. */
function printOperand(child: Filter, min: number): string {
  const text = printFilter(child);
  return precedence(child) < min ? `(${text})` : text;
}

export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttrPath(filter.path)} ${filter.op} ${printFilterValue(filter.value)}`;
    case 'present':
      return `${printAttrPath(filter.path)} pr`;
    case 'and':
      return `${printOperand(filter.left, 2)} and ${printOperand(filter.right, 3)}`;
    case 'or':
      return `${printOperand(filter.left, 1)} or ${printOperand(filter.right, 2)}`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttrPath(filter.path)}[${printFilter(filter.filter)}]`;
  }
}

/** `attrPath` or `attrPath "[" filter "]" ["." subAttribute]` (RFC 7644 §3.5.2). */
export function printPatchPath(path: PatchPath): string {
  const head = printAttrPath(path.path);
  if (path.valueFilter === undefined) return head;
  const selected = `${head}[${printFilter(path.valueFilter)}]`;
  return path.subAttribute !== undefined ? `${selected}.${path.subAttribute}` : selected;
}
