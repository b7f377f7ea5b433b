/**
 * IPv4 and IPv6 addresses as numbers, for the webhook target policy (target-policy.ts). Pure:
 * no `node:net`, so the service layer can check a URL without I/O.
 *
 * Only canonical spellings are parsed here: dotted-decimal IPv4 and RFC 4291 IPv6 text (with an
 * optional trailing dotted quad, brackets and zone). Odd host spellings such as `0x7f000001`,
 * `2130706433` or `127.1` never reach this module: the WHATWG URL parser has already turned them
 * into `127.0.0.1` (target-policy.test.ts pins that).
 */

export interface IpAddress {
  readonly version: 4 | 6;
  /** The address as an unsigned 32- or 128-bit integer. */
  readonly value: bigint;
}

/** A network: every address whose first `prefix` bits equal those of `base`. */
export interface IpNetwork {
  readonly version: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): bigint | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (const part of match.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** The 16-bit groups of one side of `::`; a dotted quad may end the address (`::ffff:1.2.3.4`). */
function parseGroups(text: string, last: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (last && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Parses an IP address; brackets and an IPv6 zone (`fe80::1%eth0`) are accepted and dropped. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (bare.includes(':')) {
    const value = parseIpv6(bare.replace(/%.*$/, ''));
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(bare);
  return value === undefined ? undefined : { version: 4, value };
}

function bits(version: 4 | 6): number {
  return version === 4 ? 32 : 128;
}

/** Parses `address/prefix` or a single address (a network of one). */
export function parseNetwork(text: string): IpNetwork | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const width = bits(ip.version);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return undefined;
  return { version: ip.version, base: ip.value, prefix };
}

export function networkContains(network: IpNetwork, ip: IpAddress): boolean {
  if (network.version !== ip.version) return false;
  const shift = BigInt(bits(ip.version) - network.prefix);
  return ip.value >> shift === network.base >> shift;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((ip.value >> shift) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** The IPv4 address in the low 32 bits of an IPv6 address. */
export function lowIpv4(ip: IpAddress): IpAddress {
  return { version: 4, value: ip.value & 0xffffffffn };
}
