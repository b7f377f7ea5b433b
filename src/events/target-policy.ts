/**
 * Where scimd may send webhooks (issue #12.6, docs/webhooks.md "Where webhooks may go"): never
 * into the network scimd runs in, unless an operator lists the receiver in
 * SCIMD_WEBHOOK_ALLOW_TARGETS. A webhook URL is chosen by whoever holds the admin token, and
 * without this rule it would turn scimd into a proxy towards cloud metadata services, the
 * database or anything else only reachable from inside.
 *
 * Pure (no I/O): the service layer checks a URL when it is stored, and the sender
 * (webhooks.ts) checks it again before each delivery together with every address its host
 * name resolves to, connecting only to an address that passed.
 *
 * Refused by default:
 * - URLs other than http/https, and URLs with credentials;
 * - host names that can only mean something inside: single-label names (resolved through the
 *   local search domains), `localhost`, the cloud metadata names, and the special-use suffixes
 *   `.localhost`, `.internal`, `.local`, `.localdomain`, `.home.arpa` (REFUSED_NAMES below);
 * - addresses that are not public unicast (REFUSED_V4 and REFUSED_V6 below), including IPv6
 *   forms that embed a refused IPv4 address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96).
 *
 * The allow list holds host names (matched exactly against the URL's host: whatever such a
 * name resolves to may be connected to), IP addresses and CIDR networks (matched against
 * literal and resolved addresses).
 */
import {
  formatIp,
  type IpAddress,
  type IpNetwork,
  lowIpv4,
  networkContains,
  parseIp,
  parseNetwork,
} from './ip-address.js';

export type TargetCheck =
  | {
      readonly ok: true;
      readonly url: URL;
      /** The host without brackets or trailing dot, as the allow list is matched against it. */
      readonly host: string;
      /** False for a host name whose resolved addresses must still pass `checkResolved`. */
      readonly settled: boolean;
    }
  | { readonly ok: false; readonly reason: string };

export interface TargetPolicy {
  /** Checks scheme, credentials, the host name, and the address when the host is an IP literal. */
  checkUrl(url: string): TargetCheck;
  /** Null when `address`, which `host` resolved to, may be connected to; otherwise why not. */
  checkResolved(host: string, address: string): string | null;
}

interface Range {
  readonly network: IpNetwork;
  readonly text: string;
  readonly what: string;
}

function ranges(rows: readonly (readonly [string, string])[]): Range[] {
  return rows.map(([text, what]) => ({ network: parseNetwork(text)!, text, what }));
}

/** First match wins: the broadcast address before the reserved 240/4 it lies in. */
const REFUSED_V4 = ranges([
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'a reserved address (IETF protocol assignments)'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.88.99.0/24', 'a reserved address (6to4 relay anycast)'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['255.255.255.255/32', 'the broadcast address'],
  ['240.0.0.0/4', 'a reserved address'],
]);

/** IPv6 forms that carry an IPv4 address in their low 32 bits: judged by that address. */
const EMBEDDING_V6 = ranges([
  ['::ffff:0:0/96', 'the IPv4-mapped form'],
  ['64:ff9b::/96', 'the NAT64 form'],
  ['::/96', 'the IPv4-compatible form'],
]);

const REFUSED_V6 = ranges([
  ['64:ff9b:1::/48', 'a local-use NAT64 address'],
  ['100::/64', 'a discard-only address'],
  ['2001::/32', 'a Teredo tunnelling address'],
  ['2001:db8::/32', 'a documentation address'],
  ['2002::/16', 'a 6to4 tunnelling address'],
  ['3fff::/20', 'a documentation address'],
  ['fc00::/7', 'a unique-local address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['ff00::/8', 'a multicast address'],
]);

const IPV4_MAPPED = parseNetwork('::ffff:0:0/96')!;

/** Everything outside global unicast is reserved or special-purpose. */
const GLOBAL_UNICAST_V6 = parseNetwork('2000::/3')!;

/** Exact host names refused (besides every single-label name), and refused suffixes. */
const REFUSED_NAMES: readonly string[] = [
  'localhost',
  'metadata',
  'metadata.goog',
  'metadata.google.internal',
  'instance-data',
  'instance-data.ec2.internal',
];
const REFUSED_SUFFIXES: readonly string[] = ['.localhost', '.internal', '.local', '.localdomain', '.home.arpa'];

const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** What kind of non-public address `ip` is ("a private address (10.0.0.0/8)"), or null. */
function classify(ip: IpAddress): string | null {
  if (ip.version === 4) {
    const range = REFUSED_V4.find((r) => networkContains(r.network, ip));
    return range ? `${range.what} (${range.text})` : null;
  }
  if (ip.value === 0n) return 'the unspecified address (::/128)';
  if (ip.value === 1n) return 'a loopback address (::1/128)';
  const embedding = EMBEDDING_V6.find((r) => networkContains(r.network, ip));
  if (embedding) {
    const v4 = lowIpv4(ip);
    const inner = classify(v4);
    return inner === null ? null : `${embedding.what} of ${formatIp(v4)}, ${inner}`;
  }
  const range = REFUSED_V6.find((r) => networkContains(r.network, ip));
  if (range) return `${range.what} (${range.text})`;
  return networkContains(GLOBAL_UNICAST_V6, ip) ? null : 'a reserved address (outside 2000::/3)';
}

/** Why `ip` must not be connected to, or null when it is public unicast. */
export function refusalOf(ip: IpAddress): string | null {
  const what = classify(ip);
  return what === null ? null : `${formatIp(ip)} is ${what}`;
}

function nameRefusal(host: string): string | null {
  if (!host.includes('.')) return `${host} is a single-label host name, resolved inside the local network`;
  if (REFUSED_NAMES.includes(host)) return `${host} is an internal host name`;
  const suffix = REFUSED_SUFFIXES.find((s) => host.endsWith(s));
  return suffix ? `${host} is an internal host name (*${suffix})` : null;
}

/** Host without brackets, lower case, without the trailing dot of an absolute name. */
function bareHost(hostname: string): string {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return host.toLowerCase().replace(/\.+$/, '');
}

export interface AllowList {
  readonly names: ReadonlySet<string>;
  readonly networks: readonly IpNetwork[];
}

/**
 * Parses allow-list entries: host names, IP addresses and CIDR networks (`10.0.0.0/8`,
 * `fd00::/8`, `[::1]`). Throws an Error naming the first bad entry (config.ts validates them
 * before they get here).
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const networks: IpNetwork[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const network = parseNetwork(entry);
    if (network) networks.push(network);
    else if (HOST_NAME.test(bareHost(entry))) names.add(bareHost(entry));
    else
      throw new Error(
        `invalid webhook allow-list entry ${JSON.stringify(raw)}: use a host name, an IP address or a CIDR`,
      );
  }
  return { names, networks };
}

export function createTargetPolicy(allowEntries: readonly string[] = []): TargetPolicy {
  const allow = parseAllowList(allowEntries);
  const allowedAddress = (ip: IpAddress): boolean => {
    if (allow.networks.some((n) => networkContains(n, ip))) return true;
    // ::ffff:a.b.c.d is a.b.c.d on the wire.
    return networkContains(IPV4_MAPPED, ip) && allow.networks.some((n) => networkContains(n, lowIpv4(ip)));
  };
  const addressRefusal = (ip: IpAddress): string | null => (allowedAddress(ip) ? null : refusalOf(ip));

  return {
    checkUrl(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return { ok: false, reason: 'not an absolute URL' };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { ok: false, reason: `the scheme ${url.protocol} is not http or https` };
      }
      if (url.username !== '' || url.password !== '') return { ok: false, reason: 'the URL contains credentials' };
      const host = bareHost(url.hostname);
      if (allow.names.has(host)) return { ok: true, url, host, settled: true };
      const ip = parseIp(host);
      const reason = ip ? addressRefusal(ip) : nameRefusal(host);
      if (reason !== null) return { ok: false, reason };
      return { ok: true, url, host, settled: ip !== undefined };
    },
    checkResolved(host, address) {
      if (allow.names.has(bareHost(host))) return null;
      const ip = parseIp(address);
      if (ip === undefined) return `${host} resolves to ${JSON.stringify(address)}, which is not an IP address`;
      if (allowedAddress(ip)) return null;
      const what = classify(ip);
      if (what === null) return null;
      return `${host} resolves to ${formatIp(ip)}, ${what}`;
    },
  };
}
