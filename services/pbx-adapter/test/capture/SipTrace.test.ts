import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { SipTrace } from '../../src/capture/SipTrace.ts';
import { parseMessage } from '../../src/sip/parse.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';
import type { SipTransport } from '../../src/sip/transport/TransportTypes.ts';

const transport = Object.assign(new EventEmitter(), {
  protocol: 'UDP', reliable: false, local: { host: '0.0.0.0', port: 5062 }, sentBy: { host: '192.0.2.1', port: 5062 },
}) as unknown as SipTransport;

function request(method: string, callId: string, cseq = 1): ReturnType<typeof parseMessage> {
  return parseMessage(Buffer.from([
    `${method} sip:101@198.51.100.7 SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK' + cseq, 'From: <sip:100@192.0.2.1>;tag=a',
    'To: <sip:101@198.51.100.7>', `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, 'Max-Forwards: 70', 'Content-Length: 0', '', '',
  ].join('\r\n')));
}

describe('SipTrace - the SIP messages of a call for its capture', () => {
  it('records sent and received messages with addresses, µs timestamps and bytes, by the call\'s SIP Call-IDs', () => {
    let now = 1_000_000n;
    const trace = new SipTrace({ clock: () => (now += 1000n) });
    trace.attach(transport);
    const invite = request('INVITE', 'c1');
    transport.emit('sent', invite, { host: '198.51.100.7', port: 5060 }, serializeMessage(invite));
    transport.emit('message', request('BYE', 'c1', 2), { protocol: 'UDP', address: '198.51.100.7', port: 5060 });
    const other = request('INVITE', 'other');
    transport.emit('sent', other, { host: 'pbx.example', port: 5060 }, serializeMessage(other));
    assert.deepEqual(trace.messages('cti-1'), [], 'nothing before the call links its Call-ID');
    trace.link('cti-1', 'c1');
    const records = trace.messages('cti-1');
    assert.equal(records.length, 2);
    assert.deepEqual(records.map((r) => [r.atUs, r.src, r.dst]), [
      ['1001000', { address: '192.0.2.1', port: 5062 }, { address: '198.51.100.7', port: 5060 }],
      ['1002000', { address: '198.51.100.7', port: 5060 }, { address: '192.0.2.1', port: 5062 }],
    ]);
    assert.match(Buffer.from(records[0]!.data, 'base64').toString('utf8'), /^INVITE sip:101@198\.51\.100\.7 SIP\/2\.0\r\n/);
    trace.link('cti-2', 'other');
    assert.deepEqual(trace.messages('cti-2')[0]!.dst, { address: '0.0.0.0', port: 5060 }, 'a host name becomes 0.0.0.0 (pcapng needs IPs)');
  });

  it('keeps at most maxMessagesPerCall per Call-ID and maxCalls Call-IDs, and forgets idle ones', () => {
    const trace = new SipTrace({ maxMessagesPerCall: 3, maxCalls: 2, idleMs: 0 });
    for (let i = 1; i <= 5; i++) trace.sent(request('OPTIONS', 'c1', i), { host: '198.51.100.7', port: 5060 }, transport);
    trace.link('x', 'c1');
    const kept = new SipTrace({ maxMessagesPerCall: 3, maxCalls: 2 });
    for (let i = 1; i <= 5; i++) kept.sent(request('OPTIONS', 'c1', i), { host: '198.51.100.7', port: 5060 }, transport);
    kept.link('x', 'c1');
    assert.deepEqual(kept.messages('x').map((r) => /CSeq: (\d+)/.exec(Buffer.from(r.data, 'base64').toString())![1]), ['3', '4', '5'], 'the oldest go first');
    for (const id of ['c2', 'c3']) kept.sent(request('OPTIONS', id), { host: '198.51.100.7', port: 5060 }, transport);
    assert.deepEqual(kept.messages('x'), [], 'c1 was the least recently active of three');
    assert.deepEqual(trace.messages('x'), [], 'idle for longer than idleMs');
  });

  it('records a sent message as the bytes the transport sent, a received one re-serialized (its stamped top Via)', () => {
    const trace = new SipTrace();
    trace.attach(transport);
    const invite = request('INVITE', 'c3');
    const onWire = serializeMessage(invite);
    // Changed after the send (as a later retransmission or CANCEL might build on it): the record keeps what went out.
    invite.headers.set('Max-Forwards', '69');
    transport.emit('sent', invite, { host: '198.51.100.7', port: 5060 }, onWire);
    const bye = request('BYE', 'c3', 2);
    bye.headers.set('Via', 'SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK2;received=203.0.113.5');
    transport.emit('message', bye, { protocol: 'UDP', address: '198.51.100.7', port: 5060 });
    trace.sent(request('OPTIONS', 'c3', 3), { host: '198.51.100.7', port: 5060 }, transport);
    trace.link('cti-3', 'c3');
    const data = trace.messages('cti-3').map((r) => Buffer.from(r.data, 'base64').toString('utf8'));
    assert.equal(data[0], onWire.toString('utf8'));
    assert.match(data[1]!, /\r\nVia: SIP\/2\.0\/UDP 192\.0\.2\.1:5062;branch=z9hG4bK2;received=203\.0\.113\.5\r\n/);
    assert.match(data[2]!, /^OPTIONS /, 'without the bytes, the message is serialized');
  });
});
