/**
 * Webhook URLs that point inside the network, with the reason scimd gives for refusing each
 * (issue #12.6). Shared by the policy, service, admin API and CLI tests, so every entry point
 * refuses the same forms. The numeric spellings rely on the WHATWG URL parser normalising them.
 */
export const INTERNAL_TARGETS: readonly (readonly [url: string, reason: string])[] = [
  ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (169.254.0.0/16)'],
  [
    'http://[::ffff:169.254.169.254]/',
    '::ffff:a9fe:a9fe is the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16)',
  ],
  [
    'http://[::ffff:a9fe:a9fe]/',
    '::ffff:a9fe:a9fe is the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16)',
  ],
  ['http://10.0.0.1/', '10.0.0.1 is a private address (10.0.0.0/8)'],
  ['http://192.168.1.1/', '192.168.1.1 is a private address (192.168.0.0/16)'],
  ['http://172.16.0.1/', '172.16.0.1 is a private address (172.16.0.0/12)'],
  ['http://172.31.255.255/', '172.31.255.255 is a private address (172.16.0.0/12)'],
  ['http://[fe80::1]/', 'fe80::1 is a link-local address (fe80::/10)'],
  ['http://0x7f000001/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://2130706433/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://017700000001/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://127.1/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://0177.0.0.1/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://0x7f.1/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://①②⑦.0.0.1/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://127.0.0.1:8080/hook', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
  ['http://0.0.0.0/', '0.0.0.0 is an unspecified ("this network") address (0.0.0.0/8)'],
  ['http://0/', '0.0.0.0 is an unspecified ("this network") address (0.0.0.0/8)'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal is an internal host name'],
  ['http://METADATA.GOOGLE.INTERNAL./', 'metadata.google.internal is an internal host name'],
  ['http://metadata.goog/', 'metadata.goog is an internal host name'],
  ['http://metadata/', 'metadata is a single-label host name, resolved inside the local network'],
  ['http://instance-data/latest/', 'instance-data is a single-label host name, resolved inside the local network'],
  ['http://localhost:3000/', 'localhost is a single-label host name, resolved inside the local network'],
  ['http://foo.localhost/', 'foo.localhost is an internal host name (*.localhost)'],
  ['http://printer.local/', 'printer.local is an internal host name (*.local)'],
  ['http://router.home.arpa/', 'router.home.arpa is an internal host name (*.home.arpa)'],
  ['http://[::1]/', '::1 is a loopback address (::1/128)'],
  ['http://[::]/', ':: is the unspecified address (::/128)'],
  ['http://[::127.0.0.1]/', '::7f00:1 is the IPv4-compatible form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
  [
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)',
  ],
  [
    'http://[64:ff9b::a9fe:a9fe]/',
    '64:ff9b::a9fe:a9fe is the NAT64 form of 169.254.169.254, a link-local address (169.254.0.0/16)',
  ],
  ['http://[64:ff9b::10.0.0.1]/', '64:ff9b::a00:1 is the NAT64 form of 10.0.0.1, a private address (10.0.0.0/8)'],
  ['http://[fc00::1]/', 'fc00::1 is a unique-local address (fc00::/7)'],
  ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a unique-local address (fc00::/7)'],
  ['http://[fec0::1]/', 'fec0::1 is a site-local address (fec0::/10)'],
  ['http://100.64.0.1/', '100.64.0.1 is a carrier-grade NAT address (100.64.0.0/10)'],
  ['http://100.100.100.200/', '100.100.100.200 is a carrier-grade NAT address (100.64.0.0/10)'],
  ['http://198.18.0.1/', '198.18.0.1 is a benchmarking address (198.18.0.0/15)'],
  ['http://224.0.0.1/', '224.0.0.1 is a multicast address (224.0.0.0/4)'],
  ['http://[ff02::1]/', 'ff02::1 is a multicast address (ff00::/8)'],
  ['http://255.255.255.255/', '255.255.255.255 is the broadcast address (255.255.255.255/32)'],
  ['http://240.0.0.1/', '240.0.0.1 is a reserved address (240.0.0.0/4)'],
  ['http://[2002:a9fe:a9fe::]/', '2002:a9fe:a9fe:: is a 6to4 tunnelling address (2002::/16)'],
  ['http://[2001:db8::1]/', '2001:db8::1 is a documentation address (2001:db8::/32)'],
];

/** Public targets every entry point accepts. */
export const PUBLIC_TARGETS: readonly string[] = [
  'https://hooks.example.com/scim',
  'https://hooks.example.com.:8443/scim',
  'http://93.184.215.14/hook',
  'https://[2606:4700::1111]/hook',
  'http://[::ffff:93.184.215.14]/hook',
  'https://172.32.0.1/hook',
  'https://100.128.0.1/hook',
];
