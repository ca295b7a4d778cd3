import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/errors.ts';
import { allowedIn, classifyAddress, isIpLiteral, literalScopeCheck, refuseOutOfScopeUrl, type AddressClass } from '../../main/webhooks/network.ts';

// Every spelling of an address, as the OS's resolver or the WHATWG URL parser hands it over.
const table: [string, AddressClass][] = [
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['[2a00:1450:4001:80b::200e]', 'public'],
  ['192.175.48.1', 'public'], // AS112 anycast

  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0.0.0.0', 'loopback'], // connecting to the unspecified address reaches this machine
  ['0.1.2.3', 'loopback'],
  ['::', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'], // what `new URL('http://[::ffff:127.0.0.1]/').hostname` gives
  ['[::ffff:7f00:1]', 'loopback'],
  ['::ffff:0:7f00:1', 'loopback'], // RFC 6145 translated
  ['64:ff9b::7f00:1', 'loopback'], // NAT64 well-known prefix
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1

  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'], // CGNAT (also Tailscale)
  ['100.127.255.255', 'private'],
  ['::ffff:a00:1', 'private'], // ::ffff:10.0.0.1
  ['::ffff:10.0.0.1', 'private'],
  ['64:ff9b::a00:1', 'private'],
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fec0::1', 'private'], // site-local (deprecated)
  ['64:ff9b:1::a', 'private'], // local-use NAT64

  ['169.254.169.254', 'link-local'], // the cloud metadata address
  ['169.254.0.1', 'link-local'],
  ['::ffff:a9fe:a9fe', 'link-local'], // ::ffff:169.254.169.254
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['2002:a9fe:a9fe::', 'link-local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],

  ['198.18.0.1', 'reserved'], // benchmarking
  ['198.19.255.255', 'reserved'],
  ['192.0.2.1', 'reserved'], // documentation
  ['203.0.113.9', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['224.0.0.1', 'reserved'], // multicast
  ['239.255.255.250', 'reserved'],
  ['ff02::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001:2::1', 'reserved'], // benchmarking
  ['100::1', 'reserved'], // discard
  ['::7f00:1', 'reserved'], // IPv4-compatible ::127.0.0.1 (deprecated)
  ['::a00:1', 'reserved'],
  ['::ffff:198.18.0.1', 'reserved'],
  ['not-an-address', 'reserved'],
  ['', 'reserved'],
];

describe('classifyAddress', () => {
  it.each(table)('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('Teredo addresses count as the narrower of their server and (obfuscated) client', () => {
    // server 65.54.227.120 (public), client 192.0.2.45 obfuscated as ~c000:022d = 3fff:fdd2
    expect(classifyAddress('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toBe('reserved');
    // client 127.0.0.1 → ~7f00:0001 = 80ff:fffe
    expect(classifyAddress('2001:0:4136:e378:8000:63bf:80ff:fffe')).toBe('loopback');
    // client 8.8.8.8 → f7f7:f7f7, server public: public
    expect(classifyAddress('2001:0:4136:e378:8000:63bf:f7f7:f7f7')).toBe('public');
  });

  it('the URL parser’s spelling of every mapped form is classified like the address it carries', () => {
    for (const [input, cls] of [
      ['http://[::ffff:127.0.0.1]:8080/', 'loopback'],
      ['http://[::ffff:10.0.0.1]/', 'private'],
      ['http://[::ffff:169.254.169.254]/', 'link-local'],
      ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
      ['http://2130706433/', 'loopback'], // decimal 127.0.0.1
      ['http://0x7f.1/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
    ] as const) {
      const host = new URL(input).hostname;
      expect(isIpLiteral(host), input).toBe(true);
      expect(classifyAddress(host), `${input} → ${host}`).toBe(cls);
    }
    expect(isIpLiteral(new URL('http://localhost/').hostname)).toBe(false);
    expect(isIpLiteral(new URL('http://example.com/').hostname)).toBe(false);
  });
});

describe('scopes', () => {
  it('public allows only public; private adds private networks; loopback allows everything', () => {
    const classes: AddressClass[] = ['public', 'private', 'link-local', 'loopback', 'reserved'];
    expect(classes.filter((c) => allowedIn('public', c))).toEqual(['public']);
    expect(classes.filter((c) => allowedIn('private', c))).toEqual(['public', 'private']);
    expect(classes.filter((c) => allowedIn('loopback', c))).toEqual(classes);
  });

  it('literalScopeCheck refuses a literal outside the scope with a sentence naming the address and scope', () => {
    const err = literalScopeCheck(new URL('http://[::ffff:127.0.0.1]:9/hooks'), 'public');
    expect(err?.code).toBe('ENETSCOPE');
    expect(err?.message).toBe("[::ffff:7f00:1] is a loopback address, but this endpoint's network scope allows public addresses only. Change the endpoint's network scope to reach it.");
    expect(literalScopeCheck(new URL('http://[::ffff:127.0.0.1]:9/hooks'), 'loopback')).toBeNull();
    expect(literalScopeCheck(new URL('http://localhost:9/'), 'public')).toBeNull(); // names are checked in lookup
  });

  it('refuseOutOfScopeUrl throws invalid_input on url for endpoint create/update', () => {
    const refused = (url: string, scope: 'public' | 'private' | 'loopback') => {
      try {
        refuseOutOfScopeUrl(url, scope);
        return null;
      } catch (e) {
        return e as AppError;
      }
    };
    const e = refused('http://169.254.169.254/latest/meta-data', 'private');
    expect(e).toBeInstanceOf(AppError);
    expect(e?.code).toBe('invalid_input');
    expect(e?.issues?.[0].path).toEqual(['url']);
    expect(e?.message).toMatch(/169\.254\.169\.254 is a link-local address, but this endpoint's network scope allows public and private addresses\./);
    expect(refused('http://10.1.2.3/', 'private')).toBeNull();
    expect(refused('http://10.1.2.3/', 'public')?.code).toBe('invalid_input');
    expect(refused('https://hooks.example.com/x', 'public')).toBeNull();
    expect(refused('https://93.184.215.14/x', 'public')).toBeNull();
  });
});
