// The SDP facts the adapter reads itself: connection address (media placement) and hold offers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { audioDirection, connectionAddress, isHoldOffer, isSdpBody } from '../../src/media/sdp.ts';

const sdp = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const base = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0'];

describe('connectionAddress()', () => {
  const rows: Array<{ name: string; input: string; expected: string | undefined }> = [
    { name: 'session-level c= only', input: sdp([...base.slice(0, 3), 'c=IN IP4 10.1.2.3', 't=0 0', 'm=audio 4000 RTP/AVP 0']), expected: '10.1.2.3' },
    { name: 'media-level c= wins over session-level', input: sdp([...base.slice(0, 3), 'c=IN IP4 10.1.2.3', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.7']), expected: '192.0.2.7' },
    { name: 'the audio section is used, not the video one', input: sdp([...base, 'm=video 5000 RTP/AVP 96', 'c=IN IP4 192.0.2.9', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.8']), expected: '192.0.2.8' },
    { name: 'IPv6 and a TTL suffix', input: sdp([...base, 'm=audio 4000 RTP/AVP 0', 'c=IN IP6 2001:db8::1']), expected: '2001:db8::1' },
    { name: 'multicast with ttl', input: sdp([...base, 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 233.252.0.1/127']), expected: '233.252.0.1' },
    { name: 'the RFC 2543 hold address names no node', input: sdp([...base, 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0']), expected: undefined },
    { name: 'no c= line', input: sdp([...base, 'm=audio 4000 RTP/AVP 0']), expected: undefined },
    { name: 'LF line ends (lenient)', input: ['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 0'].join('\n'), expected: '127.0.0.1' },
    { name: 'garbage is not an address', input: 'not an sdp at all', expected: undefined },
    { name: 'empty', input: '', expected: undefined },
  ];
  for (const row of rows) it(`connectionAddress() with ${row.name} returns ${String(row.expected)}`, () => assert.equal(connectionAddress(row.input), row.expected));
});

describe('isHoldOffer() / audioDirection()', () => {
  const rows: Array<{ name: string; input: string; hold: boolean; direction: string }> = [
    { name: 'sendrecv', input: sdp([...base, 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv']), hold: false, direction: 'sendrecv' },
    { name: 'no direction attribute (default sendrecv)', input: sdp([...base, 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0']), hold: false, direction: 'sendrecv' },
    { name: 'sendonly (RFC 3264 §8.4 hold)', input: sdp([...base, 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=sendonly']), hold: true, direction: 'sendonly' },
    { name: 'inactive', input: sdp([...base, 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=inactive']), hold: true, direction: 'inactive' },
    { name: 'recvonly (the peer holds nothing of ours)', input: sdp([...base, 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=recvonly']), hold: false, direction: 'recvonly' },
    { name: 'session-level sendonly', input: sdp([...base.slice(0, 3), 'a=sendonly', 't=0 0', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0']), hold: true, direction: 'sendonly' },
    { name: 'media-level sendrecv overrides session-level sendonly', input: sdp([...base.slice(0, 3), 'a=sendonly', 't=0 0', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv']), hold: false, direction: 'sendrecv' },
    { name: 'c=0.0.0.0 (RFC 2543 hold)', input: sdp([...base, 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv']), hold: true, direction: 'sendrecv' },
    { name: 'no media at all', input: sdp(base), hold: false, direction: 'sendrecv' },
  ];
  for (const row of rows) {
    it(`isHoldOffer() with ${row.name} is ${row.hold}`, () => {
      assert.equal(isHoldOffer(row.input), row.hold);
      assert.equal(audioDirection(row.input), row.direction);
    });
  }
});

describe('isSdpBody()', () => {
  it('isSdpBody() needs application/sdp and a body', () => {
    assert.equal(isSdpBody({ type: 'application', subtype: 'sdp' }, Buffer.from('v=0')), true);
    assert.equal(isSdpBody({ type: 'application', subtype: 'sdp' }, Buffer.alloc(0)), false);
    assert.equal(isSdpBody({ type: 'application', subtype: 'dtmf-relay' }, Buffer.from('Signal=1')), false);
    assert.equal(isSdpBody(undefined, Buffer.from('v=0')), false);
  });
});
