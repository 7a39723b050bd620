// The trust screen's pure parts: the decision table, the per-source token buckets (bounded, LRU
// eviction), the peer list parsing, and the SourceScreen combining them with a fake clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPeerList, parsePeerList } from '@ucserver/shared';
import { RateTable } from '../../src/trust/RateTable.ts';
import { normalizeAddress, screenRates, screenVerdict, type ScreenInput, type ScreenVerdict } from '../../src/trust/screen.ts';
import { SourceScreen } from '../../src/trust/SourceScreen.ts';

const req = (method: string) => ({ type: 'request' as const, method });
const res = { type: 'response' as const };

describe('screenVerdict()', () => {
  const table: Array<[string, ScreenInput, ScreenVerdict]> = [
    ['trusted INVITE passes', { trusted: true, withinRate: true, message: req('INVITE') }, { action: 'pass' }],
    ['trusted response passes', { trusted: true, withinRate: true, message: res }, { action: 'pass' }],
    ['trusted over its rate is dropped', { trusted: true, withinRate: false, message: req('OPTIONS') }, { action: 'drop', reason: 'rate-limited' }],
    ['untrusted over its rate is dropped (no 403 under flood)', { trusted: false, withinRate: false, message: req('INVITE') }, { action: 'drop', reason: 'rate-limited' }],
    ['untrusted before parsing, within rate: parse it', { trusted: false, withinRate: true }, { action: 'pass' }],
    ['untrusted INVITE gets 403', { trusted: false, withinRate: true, message: req('INVITE') }, { action: 'reject', status: 403, reason: 'untrusted-source' }],
    ['untrusted REGISTER gets 403', { trusted: false, withinRate: true, message: req('REGISTER') }, { action: 'reject', status: 403, reason: 'untrusted-source' }],
    ['untrusted unknown method gets 403', { trusted: false, withinRate: true, message: req('FOO') }, { action: 'reject', status: 403, reason: 'untrusted-source' }],
    ['untrusted ACK is dropped', { trusted: false, withinRate: true, message: req('ACK') }, { action: 'drop', reason: 'untrusted-ack' }],
    ['untrusted response is dropped', { trusted: false, withinRate: true, message: res }, { action: 'drop', reason: 'untrusted-response' }],
  ];
  for (const [name, input, expected] of table) it(name, () => assert.deepEqual(screenVerdict(input), expected));
});

describe('RateTable', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };
  it('a new key gets its burst, then is refused until tokens refill at the rate', () => {
    const c = clock();
    const table = new RateTable({ maxEntries: 10, now: c.now });
    const rate = { perSecond: 10, burst: 3 };
    assert.deepEqual([1, 2, 3, 4].map(() => table.take('a', rate)), [true, true, true, false]);
    c.advance(99);
    assert.equal(table.take('a', rate), false, '0.99 token after 99 ms');
    c.advance(1);
    assert.equal(table.take('a', rate), true, 'one token after 100 ms at 10/s');
    c.advance(60_000);
    assert.deepEqual([1, 2, 3, 4].map(() => table.take('a', rate)), [true, true, true, false], 'refill stops at the burst');
  });
  it('keys are independent', () => {
    const table = new RateTable({ maxEntries: 10, now: () => 0 });
    const rate = { perSecond: 1, burst: 1 };
    assert.equal(table.take('a', rate), true);
    assert.equal(table.take('a', rate), false);
    assert.equal(table.take('b', rate), true);
  });
  it('holds at most maxEntries keys and evicts the least recently seen', () => {
    const table = new RateTable({ maxEntries: 3, now: () => 0 });
    const rate = { perSecond: 1, burst: 5 };
    for (const k of ['a', 'b', 'c']) table.take(k, rate);
    table.take('a', rate); // a is now the most recent; b the oldest
    table.take('d', rate);
    assert.equal(table.size, 3);
    assert.equal(table.evictions, 1);
    assert.equal(table.tokens('b'), undefined, 'b evicted');
    assert.equal(table.tokens('a'), 3);
    for (let i = 0; i < 10_000; i++) table.take(`k${i}`, rate);
    assert.equal(table.size, 3, 'a spray of new keys stays bounded');
  });
  it('wrong arguments throw TypeError', () => {
    assert.throws(() => new RateTable({ maxEntries: 0 }), TypeError);
    assert.throws(() => new RateTable({ maxEntries: 1.5 }), TypeError);
  });
});

describe('SIP_TRUSTED_PEERS parsing', () => {
  it('accepts IPs and CIDRs of both families, skipping empty entries', () => {
    assert.deepEqual(parsePeerList(' 10.0.0.5, 192.0.2.0/24,,2001:db8::/32,[::1] '), [
      { address: '10.0.0.5', family: 'ipv4', prefix: 32 },
      { address: '192.0.2.0', family: 'ipv4', prefix: 24 },
      { address: '2001:db8::', family: 'ipv6', prefix: 32 },
      { address: '::1', family: 'ipv6', prefix: 128 },
    ]);
    assert.deepEqual(parsePeerList(''), []);
  });
  for (const bad of ['pbx.example.com', '10.0.0.0/33', '10.0.0.1/', '::1/129', '10.0.0.256', '10.0.0.0/8x']) {
    it(`refuses '${bad}'`, () => {
      assert.equal(isPeerList(bad), false);
      assert.throws(() => parsePeerList(bad), TypeError);
    });
  }
  it('normalizes IPv4-mapped IPv6 sources', () => {
    assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeAddress('2001:DB8::1'), '2001:db8::1');
  });
});

describe('SourceScreen', () => {
  const make = () => {
    let t = 0;
    const screen = new SourceScreen({ peers: parsePeerList('10.1.0.0/16,2001:db8::7'), rates: screenRates(100, 2), maxSources: 64, now: () => t });
    const screened: string[] = [];
    screen.on('screened', (reason, address) => screened.push(`${reason} ${address}`));
    return { screen, screened, advance: (ms: number) => (t += ms) };
  };
  it('trusts the PBX hosts and the configured peers, nothing else', () => {
    const { screen } = make();
    screen.setPbxHosts(['192.0.2.10']);
    assert.equal(screen.trusted('192.0.2.10'), true);
    assert.equal(screen.trusted('::ffff:192.0.2.10'), true);
    assert.equal(screen.trusted('10.1.200.3'), true);
    assert.equal(screen.trusted('2001:db8::7'), true);
    assert.equal(screen.trusted('10.2.0.1'), false);
    assert.equal(screen.trusted('192.0.2.11'), false);
    screen.setPbxHosts([]);
    assert.equal(screen.trusted('192.0.2.10'), false, 'a registrar no line uses any more is no longer trusted');
  });
  it('an untrusted source gets 4 answers (burst), then is dropped unparsed until its bucket refills', () => {
    const { screen, screened, advance } = make();
    const admitted = Array.from({ length: 10 }, () => screen.admit('198.51.100.1')).filter(Boolean).length;
    assert.equal(admitted, 4);
    assert.equal(screened.filter((s) => s === 'rate-limited 198.51.100.1').length, 6);
    advance(500);
    assert.equal(screen.admit('198.51.100.1'), true, 'one token per 500 ms at 2/s');
    assert.deepEqual(screen.verdict(req('INVITE'), '198.51.100.1'), { action: 'reject', status: 403, reason: 'untrusted-source' });
    assert.ok(screened.includes('untrusted-source 198.51.100.1'));
  });
  it('all untrusted sources together share a budget of 20× the per-source rate (bursts 40×)', () => {
    const { screen } = make();
    let admitted = 0;
    for (let i = 0; i < 1000; i++) if (screen.admit(`198.51.${Math.floor(i / 250)}.${i % 250}`)) admitted++;
    assert.equal(admitted, 80, 'a spoofed spray from 1000 addresses gets 80 answers, not 4000');
  });
  it('a trusted source has its own high rate, unaffected by untrusted floods', () => {
    const { screen } = make();
    screen.setPbxHosts(['192.0.2.10']);
    for (let i = 0; i < 1000; i++) screen.admit(`198.51.100.${i % 200}`);
    const admitted = Array.from({ length: 300 }, () => screen.admit('192.0.2.10')).filter(Boolean).length;
    assert.equal(admitted, 200, 'burst 2 × 100/s');
    assert.deepEqual(screen.verdict(req('INVITE'), '192.0.2.10'), { action: 'pass' });
  });
});
