// SipHeaders' typed accessors read the same header again and again (the parser's checks, then the
// transaction, dialog and call layers): each value is parsed once per SipHeaders, and every read must
// still behave as a fresh parse — its own copy, the current raw value after a change, a malformed value
// failing on every read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipHeaders, SipParseError, type NameAddr } from '../../src/sip/mod.ts';
import { nameAddrView } from './project.ts';

const headers = (): SipHeaders =>
  new SipHeaders([
    ['Via', 'SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKa;rport, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb'],
    ['v', 'SIP/2.0/TCP 192.0.2.3;branch=z9hG4bKc'],
    ['From', '"Alice" <sip:100@192.0.2.1;transport=udp>;tag=fa'],
    ['t', '<sip:101@198.51.100.7>'],
    ['Call-ID', ' c1@192.0.2.1 '],
    ['CSeq', '7 INVITE'],
    ['m', '<sip:100@192.0.2.1:5062>;expires=60, <sip:100@192.0.2.9>'],
    ['Route', '<sip:198.51.100.7;lr>'],
    ['Record-Route', '<sip:198.51.100.7;lr>, <sip:198.51.100.8;lr>'],
  ]);

/** What a typed read returns, as plain data (Maps as entries), and a change a caller might make to it. */
interface Row {
  name: string;
  read: (h: SipHeaders) => unknown;
  view: (value: never) => unknown;
  mutate: (value: never) => void;
  /** A new raw value for the header, and what the read must then return. */
  change: { header: string; value: string; expected: unknown };
}

const viaView = (vias: Array<{ host: string; transport: string; params: Map<string, string | null> }>): unknown =>
  vias.map((v) => [v.transport, v.host, [...v.params]]);
const addrs = (list: NameAddr[]): unknown => list.map(nameAddrView);

const rows: Row[] = [
  {
    name: 'vias()',
    read: (h) => h.vias(),
    view: viaView,
    mutate: (v: Array<{ params: Map<string, string | null> }>) => v[0]!.params.set('received', '203.0.113.1'),
    change: { header: 'Via', value: 'SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKz', expected: [['UDP', '192.0.2.5', [['branch', 'z9hG4bKz']]]] },
  },
  {
    name: 'topVia()',
    read: (h) => h.topVia(),
    view: (v: { host: string; transport: string; params: Map<string, string | null> }) => viaView([v]),
    mutate: (v: { params: Map<string, string | null>; host: string }) => {
      v.params.set('received', '203.0.113.1');
      v.host = 'changed';
    },
    change: { header: 'Via', value: 'SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKz', expected: [['UDP', '192.0.2.5', [['branch', 'z9hG4bKz']]]] },
  },
  {
    name: 'from()',
    read: (h) => h.from(),
    view: (n: NameAddr) => nameAddrView(n),
    mutate: (n: NameAddr) => {
      n.params.set('tag', 'x');
      (n.uri as { host: string }).host = 'changed';
    },
    change: { header: 'From', value: '<sip:200@192.0.2.1>;tag=fb', expected: nameAddrView(new SipHeaders([['From', '<sip:200@192.0.2.1>;tag=fb']]).from()) },
  },
  {
    name: 'to()',
    read: (h) => h.to(),
    view: (n: NameAddr) => nameAddrView(n),
    mutate: (n: NameAddr) => n.params.set('tag', 'x'),
    change: { header: 'To', value: '<sip:101@198.51.100.7>;tag=tb', expected: nameAddrView(new SipHeaders([['To', '<sip:101@198.51.100.7>;tag=tb']]).to()) },
  },
  {
    name: 'cseq()',
    read: (h) => h.cseq(),
    view: (c: { seq: number; method: string }) => [c.seq, c.method],
    mutate: (c: { seq: number }) => {
      c.seq = 99;
    },
    change: { header: 'CSeq', value: '8 BYE', expected: [8, 'BYE'] },
  },
  {
    name: 'contacts()',
    read: (h) => h.contacts(),
    view: addrs,
    mutate: (l: NameAddr[]) => l[0]!.params.set('expires', '0'),
    change: { header: 'Contact', value: '<sip:100@192.0.2.7>', expected: addrs(new SipHeaders([['Contact', '<sip:100@192.0.2.7>']]).contacts()) },
  },
  {
    name: 'routes()',
    read: (h) => h.routes(),
    view: addrs,
    mutate: (l: NameAddr[]) => l.pop(),
    change: { header: 'Route', value: '<sip:198.51.100.9;lr>', expected: addrs(new SipHeaders([['Route', '<sip:198.51.100.9;lr>']]).routes()) },
  },
  {
    name: 'recordRoutes()',
    read: (h) => h.recordRoutes(),
    view: addrs,
    mutate: (l: NameAddr[]) => l[1]!.params.set('x', null),
    change: { header: 'Record-Route', value: '<sip:198.51.100.9;lr>', expected: addrs(new SipHeaders([['Record-Route', '<sip:198.51.100.9;lr>']]).recordRoutes()) },
  },
];

describe('SipHeaders - typed reads parse once, and each read is as good as a fresh parse', () => {
  for (const row of rows) {
    it(`${row.name}: a second read equals the first and is its own copy`, () => {
      const h = headers();
      const first = row.read(h);
      const fresh = row.view(row.read(headers()) as never);
      assert.deepEqual(row.view(first as never), fresh);
      row.mutate(first as never);
      const second = row.read(h);
      assert.notEqual(second, first);
      assert.deepEqual(row.view(second as never), fresh, 'what a caller changed in its copy is not seen by the next read');
    });
    it(`${row.name}: after set() the new value is read`, () => {
      const h = headers();
      row.read(h);
      h.set(row.change.header, row.change.value);
      assert.deepEqual(row.view(row.read(h) as never), row.change.expected);
    });
  }

  it('callId() trims and is read again after a change', () => {
    const h = headers();
    assert.equal(h.callId(), 'c1@192.0.2.1');
    assert.equal(h.callId(), 'c1@192.0.2.1');
    h.set('Call-ID', 'c2');
    assert.equal(h.callId(), 'c2');
  });

  it('fromTag() / toTag() follow the current From / To', () => {
    const h = headers();
    assert.equal(h.fromTag(), 'fa');
    assert.equal(h.toTag(), undefined);
    h.set('To', '<sip:101@198.51.100.7>;tag=tb');
    assert.equal(h.toTag(), 'tb');
    assert.equal(h.to().params.get('tag'), 'tb');
  });

  const malformed: Array<{ name: string; header: string; value: string; read: (h: SipHeaders) => unknown }> = [
    { name: 'Via', header: 'Via', value: 'SIP/2.0/UDP bad host;branch=z9hG4bK1', read: (h) => h.vias() },
    { name: 'top Via', header: 'Via', value: 'SIP/2.0/UDP 192.0.2.1;ttl=999', read: (h) => h.topVia() },
    { name: 'From', header: 'From', value: 'Bob sip:bob@x', read: (h) => h.from() },
    { name: 'CSeq', header: 'CSeq', value: 'x INVITE', read: (h) => h.cseq() },
    { name: 'Call-ID', header: 'Call-ID', value: 'a@b@c', read: (h) => h.callId() },
    { name: 'Contact', header: 'Contact', value: '<sip:x', read: (h) => h.contacts() },
  ];
  for (const row of malformed) {
    it(`a malformed ${row.name} throws SipParseError on every read, and a fixed one reads`, () => {
      const h = headers().set(row.header, row.value);
      assert.throws(() => row.read(h), SipParseError);
      assert.throws(() => row.read(h), SipParseError);
      h.set(row.header, headers().get(row.header)!);
      assert.doesNotThrow(() => row.read(h));
    });
  }

  it('lookups by compact form or any case, after prepend(), delete() and shift()', () => {
    const h = headers();
    assert.equal(h.get('v'), h.get('VIA'));
    assert.equal(h.count('via'), 2);
    h.prepend('v', 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKt');
    assert.equal(h.topVia().host, '192.0.2.9');
    assert.equal(h.shift('Via'), 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKt');
    assert.equal(h.topVia().host, '192.0.2.1');
    assert.equal(h.shift('Via'), 'SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKa;rport');
    assert.equal(h.topVia().host, '192.0.2.2', 'the rest of a combined line');
    assert.equal(h.delete('i'), 1);
    assert.equal(h.has('Call-ID'), false);
    assert.throws(() => h.callId(), SipParseError);
    assert.deepEqual(h.getAll('Via'), ['SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb', 'SIP/2.0/TCP 192.0.2.3;branch=z9hG4bKc']);
  });

  it('many changes of one header read right (what is remembered stays bounded)', () => {
    const h = headers();
    for (let seq = 1; seq <= 200; seq++) {
      h.set('CSeq', `${seq} REGISTER`);
      assert.equal(h.cseq().seq, seq);
    }
  });
});
