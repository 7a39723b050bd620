// Via processing at the transport layer: received/rport stamping and response destinations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPort, parseVias, responseDestination, stampReceived, type MessageSource } from '../../../src/sip/mod.ts';
import { sampleRequest } from '../sampleMessages.ts';

const UDP = (address: string, port: number): MessageSource => ({ protocol: 'UDP', address, port });

describe('stampReceived() (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  const rows: Array<{ name: string; via: string; source: MessageSource; expected: string }> = [
    { name: 'IP sent-by equal to the source: unchanged', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1', source: UDP('192.0.2.1', 5060), expected: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1' },
    { name: 'IP sent-by differing from the source: received added', via: 'SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1', source: UDP('203.0.113.9', 5060), expected: 'SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9' },
    { name: 'host name sent-by: received always added', via: 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK1', source: UDP('192.0.2.1', 5060), expected: 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK1;received=192.0.2.1' },
    { name: 'rport requested: rport and received filled in', via: 'SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bK1', source: UDP('203.0.113.9', 41234), expected: 'SIP/2.0/UDP 10.0.0.5:5060;rport=41234;branch=z9hG4bK1;received=203.0.113.9' },
    { name: 'rport requested from the same address: received still added', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport', source: UDP('192.0.2.1', 5060), expected: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport=5060;received=192.0.2.1' },
    { name: 'IPv6 sent-by equal to the source', via: 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1', source: UDP('2001:db8::1', 5060), expected: 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1' },
    { name: 'IPv6 source differing from sent-by', via: 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1', source: UDP('2001:db8::2', 5060), expected: 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=2001:db8::2' },
  ];
  for (const row of rows) {
    it(`stampReceived() with ${row.name}`, () => {
      const req = sampleRequest({ via: row.via });
      stampReceived(req, row.source);
      assert.equal(req.headers.get('Via'), row.expected);
    });
  }
  it('stampReceived() only touches the top via-parm of a combined line', () => {
    const req = sampleRequest({ via: 'SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2' });
    stampReceived(req, UDP('192.0.2.7', 5060));
    assert.deepEqual(req.headers.getAll('Via'), ['SIP/2.0/UDP a.example;branch=z9hG4bK1;received=192.0.2.7', 'SIP/2.0/UDP b.example;branch=z9hG4bK2']);
  });
});

describe('responseDestination() (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  const rows: Array<{ name: string; via: string; source: MessageSource; expected: Record<string, unknown> }> = [
    { name: 'UDP with rport: source address and port', via: 'SIP/2.0/UDP 10.0.0.5:5060;rport=41234;received=203.0.113.9;branch=z9hG4bK1', source: UDP('203.0.113.9', 41234), expected: { protocol: 'UDP', host: '203.0.113.9', port: 41234 } },
    { name: 'UDP with received only: received and sent-by port', via: 'SIP/2.0/UDP 10.0.0.5:5070;received=203.0.113.9;branch=z9hG4bK1', source: UDP('203.0.113.9', 1111), expected: { protocol: 'UDP', host: '203.0.113.9', port: 5070 } },
    { name: 'UDP without received: sent-by, default port 5060', via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', source: UDP('192.0.2.1', 1111), expected: { protocol: 'UDP', host: '192.0.2.1', port: 5060 } },
    { name: 'UDP with maddr: maddr and sent-by port', via: 'SIP/2.0/UDP 192.0.2.1:5062;maddr=239.1.1.1;branch=z9hG4bK1', source: UDP('192.0.2.1', 1111), expected: { protocol: 'UDP', host: '239.1.1.1', port: 5062 } },
    { name: 'UDP IPv6 sent-by is unbracketed', via: 'SIP/2.0/UDP [2001:db8::1]:5064;branch=z9hG4bK1', source: UDP('2001:db8::1', 5064), expected: { protocol: 'UDP', host: '2001:db8::1', port: 5064 } },
    { name: 'TCP: same connection, fallback to received at the sent-by port', via: 'SIP/2.0/TCP 10.0.0.5:5070;received=203.0.113.9;branch=z9hG4bK1', source: { protocol: 'TCP', address: '203.0.113.9', port: 50000, connectionId: 'tcp-7' }, expected: { protocol: 'TCP', host: '203.0.113.9', port: 5070, connectionId: 'tcp-7' } },
    { name: 'TLS without port: default 5061', via: 'SIP/2.0/TLS client.example.com;received=203.0.113.9;branch=z9hG4bK1', source: { protocol: 'TLS', address: '203.0.113.9', port: 50001, connectionId: 'tls-1' }, expected: { protocol: 'TLS', host: '203.0.113.9', port: 5061, connectionId: 'tls-1' } },
  ];
  for (const row of rows) {
    it(`responseDestination() with ${row.name}`, () => assert.deepEqual({ ...responseDestination(parseVias(row.via)[0]!, row.source) }, row.expected));
  }
  it('defaultPort() is 5061 for TLS and 5060 otherwise', () => assert.deepEqual(['UDP', 'TCP', 'TLS', 'tls'].map(defaultPort), [5060, 5060, 5061, 5061]));
});
