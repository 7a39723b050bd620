// Where a line's traffic goes and how it names itself: registrar, AOR, Contact, call targets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LineConfig } from '@ucserver/shared';
import { contactUri, escapeUser, lineAddress, parseRegistrar, targetUri } from '../../src/userAgent/lineAddress.ts';
import { InvalidAddressError } from '../../src/errors.ts';
import { formatUri } from '../../src/sip/mod.ts';

const line = (init: Partial<LineConfig>): LineConfig => ({
  lineId: 'l1', number: '100', displayName: '', sipUri: 'sip:100@pbx.example.com', registrar: 'pbx.example.com:5070',
  transport: 'udp', authUser: '', authPassword: 'pw', ownerUserId: null, enabled: true, ...init,
});

describe('parseRegistrar()', () => {
  const rows: Array<{ input: [string, 'udp' | 'tcp' | 'tls']; expected: { host: string; port: number } }> = [
    { input: ['127.0.0.1:5060', 'udp'], expected: { host: '127.0.0.1', port: 5060 } },
    { input: ['pbx.example.com', 'udp'], expected: { host: 'pbx.example.com', port: 5060 } },
    { input: ['pbx.example.com', 'tls'], expected: { host: 'pbx.example.com', port: 5061 } },
    { input: ['sip:10.0.0.1:5080;transport=tcp', 'tcp'], expected: { host: '10.0.0.1', port: 5080 } },
    { input: ['[2001:db8::1]:5062', 'udp'], expected: { host: '[2001:db8::1]', port: 5062 } },
  ];
  for (const row of rows) it(`parseRegistrar(${row.input[0]}) splits host and port`, () => assert.deepEqual(parseRegistrar(...row.input), row.expected));
  it('parseRegistrar() with a bad host throws InvalidAddressError', () => {
    assert.throws(() => parseRegistrar('bad host:x', 'udp'), InvalidAddressError);
  });
});

describe('lineAddress()', () => {
  it('lineAddress() of a udp line sends to the registrar and keeps the AOR', () => {
    const a = lineAddress(line({}));
    assert.deepEqual(a.destination, { protocol: 'UDP', host: 'pbx.example.com', port: 5070 });
    assert.equal(formatUri(a.registrarUri), 'sip:pbx.example.com:5070');
    assert.equal(formatUri(a.aor), 'sip:100@pbx.example.com');
    assert.equal(a.domain, 'pbx.example.com:5070');
    assert.equal(a.registrarKey, 'udp:pbx.example.com:5070');
  });
  it('lineAddress() of a tcp line marks the registrar URI with transport=tcp', () => {
    const a = lineAddress(line({ transport: 'tcp', registrar: '10.1.1.1' }));
    assert.deepEqual(a.destination, { protocol: 'TCP', host: '10.1.1.1', port: 5060 });
    assert.equal(formatUri(a.registrarUri), 'sip:10.1.1.1:5060;transport=tcp');
  });
  it('lineAddress() with an unusable sipUri falls back to sip:<number>@<registrar host>', () => {
    assert.equal(formatUri(lineAddress(line({ sipUri: 'mailto:x', number: '1#2' })).aor), 'sip:1%232@pbx.example.com');
  });
});

describe('contactUri() / targetUri()', () => {
  it('contactUri() is sip:<number>@<sent-by>;transport=<t>', () => {
    assert.equal(formatUri(contactUri(line({}), { host: '127.0.0.1', port: 5062 }, 'udp')), 'sip:100@127.0.0.1:5062;transport=udp');
    assert.equal(formatUri(contactUri(line({}), { host: '::1', port: 5062 }, 'tcp')), 'sip:100@[::1]:5062;transport=tcp');
  });
  const address = lineAddress(line({}));
  const rows: Array<{ input: string; expected: string }> = [
    { input: '101', expected: 'sip:101@pbx.example.com:5070' },
    { input: ' +49 (0) 89-123 ', expected: 'sip:+49%20(0)%2089-123@pbx.example.com:5070' },
    { input: 'tel:+49-89-123;phone-context=x', expected: 'sip:+4989123@pbx.example.com:5070' },
    { input: 'sip:alice@other.example.org;transport=tcp', expected: 'sip:alice@other.example.org' },
    { input: '*21#', expected: 'sip:*21%23@pbx.example.com:5070' },
  ];
  for (const row of rows) it(`targetUri(${JSON.stringify(row.input)}) is ${row.expected}`, () => assert.equal(formatUri(targetUri(row.input, address)), row.expected));
  it('targetUri() with an empty or broken target throws InvalidAddressError', () => {
    assert.throws(() => targetUri('tel:', address), InvalidAddressError);
    assert.throws(() => targetUri('sip:@@', address), InvalidAddressError);
  });
  it('escapeUser() escapes what a user part cannot carry', () => assert.equal(escapeUser('a b#%'), 'a%20b%23%25'));
});
