/**
 * The JSON body parser's guard (issue #12.1, #12.4): one iterative pass over the body text,
 * before `JSON.parse`, that refuses
 * - nesting deeper than `MAX_JSON_DEPTH` (400 invalidSyntax): every later step that walks a body
 *   (normalisers, validation, redaction) may then recurse safely, and no body can overflow the
 *   stack however it is built;
 * - the NUL character, raw or escaped as `\u0000` (400 invalidValue): PostgreSQL cannot store it
 *   and answers 500 when it reaches a query (a group member's `value`, a PATCH path...).
 * The scan itself keeps only counters, never a stack, so its own depth is constant.
 */
import { invalidSyntax, invalidValue, type ScimError } from '../scim/errors.js';

/** Deepest nesting of objects and arrays a body may have; SCIM messages need fewer than 10. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const LETTER_U = 0x75;

export type BodyProblem = 'depth' | 'nul' | undefined;

/** Whether `text` at `i` is `\u0000` written as an escape: `u` followed by four zeros. */
function escapedNul(text: string, i: number): boolean {
  return text.charCodeAt(i) === LETTER_U && text.startsWith('0000', i + 1);
}

/**
 * Scans JSON text for the two problems above. Malformed JSON is left to `JSON.parse`; the scan
 * only has to be right for well-formed text (brackets inside strings do not count).
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): BodyProblem {
  let depth = 0;
  let inString = false;
  let nul = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) nul = true;
    if (inString) {
      if (c === BACKSLASH) {
        if (escapedNul(text, i + 1)) nul = true;
        i++; // the escaped character never ends the string
      } else if (c === QUOTE) {
        inString = false;
      }
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) return 'depth';
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return nul ? 'nul' : undefined;
}

/**
 * Where the first NUL sits in a parsed body, as validation names attributes (`members[0].value`);
 * iterative, and only run once a NUL is known to be there.
 */
function locateNul(value: unknown): string | undefined {
  const pending: Array<{ value: unknown; where: string }> = [{ value, where: '' }];
  while (pending.length > 0) {
    const { value: v, where } = pending.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return where;
    } else if (Array.isArray(v)) {
      v.forEach((item, index) => {
        pending.push({ value: item, where: `${where}[${index}]` });
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const name = where === '' ? key : `${where}.${key}`;
        if (key.includes('\u0000')) return name;
        pending.push({ value: item, where: name });
      }
    }
  }
  return undefined;
}

/** The error for a body with `problem`; `parsed` is the body when it parsed (to name the place). */
export function bodyProblemError(problem: Exclude<BodyProblem, undefined>, parsed?: unknown): ScimError {
  if (problem === 'depth') {
    return invalidSyntax(`The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const where = parsed === undefined ? undefined : locateNul(parsed);
  const subject = where ? where : 'The request body';
  return invalidValue(`${subject} must not contain the NUL character (\\u0000).`);
}
