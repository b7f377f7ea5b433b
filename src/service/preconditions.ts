/**
 * ETag preconditions (RFC 7644 §3.14, RFC 7232). scimd's ETags are weak (`W/"<version>"`);
 * comparison ignores the weak marker, as RFC 7232 §2.3.2 allows for If-None-Match and as SCIM
 * clients expect for If-Match.
 */
import { preconditionFailed } from '../scim/errors.js';
import { versionTag } from '../scim/resource/record-to-resource.js';

function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => (t.startsWith('W/') ? t.slice(2) : t));
}

/** True when the header lists `*` or the version's tag. */
export function etagMatches(header: string, version: number): boolean {
  const current = versionTag(version).slice(2);
  return tags(header).some((t) => t === '*' || t === current);
}

/** If-Match on PUT/PATCH/DELETE: a stale tag → 412 preconditionFailed, nothing changes. */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '') return;
  if (!etagMatches(ifMatch, version)) {
    throw preconditionFailed(
      `If-Match ${ifMatch} does not match the current version ${versionTag(version)}; fetch the resource again.`,
    );
  }
}
