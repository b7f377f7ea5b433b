/**
 * SCIMD_WEBHOOK_ALLOW_TARGETS (issue #12.6): the internal webhook receivers an operator allows
 * anyway. Entries are checked and put in the one spelling events/target-policy.ts matches
 * against: host names as the WHATWG URL parser writes them, dotted-decimal IPv4, RFC 5952 IPv6,
 * CIDR prefixes within the address width.
 */
import { z } from 'zod';

const ALLOW_TARGETS_FORM =
  'a comma-separated list of host names, IP addresses and CIDR networks, e.g. hooks.internal,10.0.0.0/8,fd00::/8';
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** One allow-list entry in canonical form, or undefined when it is not a name, address or CIDR. */
function allowTarget(raw: string): string | undefined {
  const entry = raw.toLowerCase();
  const [address = '', prefix, extra] = entry.split('/');
  if (extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return undefined;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  let canonical: string;
  let width: number;
  if (bare.includes(':')) {
    try {
      canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
    width = 128;
  } else if (DOTTED_QUAD.test(bare)) {
    // A leading zero would be octal to the URL parser and decimal to a reader: refused as ambiguous.
    if (bare.split('.').some((octet) => Number(octet) > 255 || /^0\d/.test(octet))) return undefined;
    canonical = bare;
    width = 32;
  } else {
    // A host name: matched against the URL's host, so it must be spelt as the URL parser spells it.
    const name = bare.replace(/\.$/, '');
    if (prefix !== undefined || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return undefined;
    try {
      return new URL(`http://${name}/`).hostname === name ? name : undefined;
    } catch {
      return undefined;
    }
  }
  if (prefix === undefined) return canonical;
  return Number(prefix) <= width ? `${canonical}/${Number(prefix)}` : undefined;
}

export const webhookAllowTargets: z.ZodType<readonly string[], string> = z.string().transform((s, ctx) => {
  const entries: string[] = [];
  for (const raw of s.split(',').map((e) => e.trim())) {
    if (raw === '') continue;
    const entry = allowTarget(raw);
    if (entry === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${ALLOW_TARGETS_FORM}: ${JSON.stringify(raw)} is not one` });
      return z.NEVER;
    }
    entries.push(entry);
  }
  return Object.freeze(entries);
});
