import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStats, header, parseSdp, parseSipMessage, parseSippMessageLog } from '@ucserver/testkit';

const crlf = (lines: string[]): string => lines.join('\r\n');

const invite = crlf([
  'INVITE sip:101@127.0.0.1:5991;transport=UDP SIP/2.0',
  'Record-Route: <sip:127.0.0.1:5990;lr;ftag=18834SIPpTag001>',
  'Via: SIP/2.0/UDP 127.0.0.1:5990;branch=z9hG4bKacfd.0',
  'From: <sip:100@127.0.0.1:5990>;tag=18834SIPpTag001',
  'To: <sip:101@127.0.0.1:5990>',
  'Call-ID: 1-18834@127.0.0.1',
  'CSeq: 2 INVITE',
  'Subject: folded',
  '  header',
  'Content-Type: application/sdp',
  'Content-Length:   195',
  '',
  'v=0',
  'o=sipp 1 2 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 41000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=sendonly',
  'a=rtcp:41001',
  '',
]);

describe('SIP messages', () => {
  it('parseSipMessage of a request reads method, headers (folded) and body', () => {
    const m = parseSipMessage(invite);
    assert.equal(m.method, 'INVITE');
    assert.equal(m.status, undefined);
    assert.equal(header(m, 'call-id'), '1-18834@127.0.0.1');
    assert.equal(header(m, 'Subject'), 'folded header');
    assert.equal(header(m, 'X-None'), undefined);
    assert.match(m.body, /^v=0\r\n/);
  });

  it('parseSipMessage of a response takes the method from CSeq', () => {
    const m = parseSipMessage(crlf(['SIP/2.0 407 Proxy Authentication Required', 'CSeq: 1 INVITE', 'Content-Length: 0', '', '']));
    assert.equal(m.status, 407);
    assert.equal(m.method, 'INVITE');
    assert.equal(m.body, '');
  });

  it('parseSippMessageLog splits SIPp\'s trace into sent and received messages', () => {
    const log = [
      '----------------------------------------------- 2026-11-26 05:25:32.225260',
      'UDP message received [720] bytes :',
      '',
      invite,
      '',
      '----------------------------------------------- 2026-11-26 05:25:32.225724',
      'UDP message sent (300 bytes):',
      '',
      crlf(['SIP/2.0 180 Ringing', 'CSeq: 2 INVITE', 'Content-Length: 0', '', '']),
      '',
    ].join('\n');
    const messages = parseSippMessageLog(log);
    assert.deepEqual(messages.map((m) => [m.direction, m.method, m.status]), [['received', 'INVITE', undefined], ['sent', 'INVITE', 180]]);
  });

  it('parseSdp reads address, port, payload types and direction of each m= line', () => {
    const sdp = parseSdp(parseSipMessage(invite).body);
    assert.equal(sdp.origin, 'sipp 1 2 IN IP4 127.0.0.1');
    assert.equal(sdp.address, '127.0.0.1');
    assert.deepEqual(sdp.media.map((m) => ({ ...m, attributes: m.attributes.length })), [
      { media: 'audio', address: '127.0.0.1', port: 41000, protocol: 'RTP/AVP', payloadTypes: [0, 101], direction: 'sendonly', attributes: 2 },
    ]);
  });

  it('parseSdp prefers a media-level c= line', () => {
    const sdp = parseSdp(['v=0', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 8', 'c=IN IP4 127.0.0.2', ''].join('\n'));
    assert.equal(sdp.media[0]!.address, '127.0.0.2');
    assert.equal(sdp.media[0]!.direction, 'sendrecv');
  });

  it('parseStats reads the last row of SIPp\'s statistics CSV', () => {
    const csv = [
      'StartTime;OutgoingCall(P);OutgoingCall(C);SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);Retransmissions(C);',
      '2026-11-26\t05:28:28;0;0;0;0;0;0;0;',
      '2026-11-26\t05:28:29;1;1;0;0;1;1;2;',
    ].join('\n');
    const stats = parseStats(csv)!;
    assert.equal(stats.created, 1);
    assert.equal(stats.successful, 0);
    assert.equal(stats.failed, 1);
    assert.equal(stats.retransmissions, 2);
    assert.equal(parseStats(''), undefined);
  });
});
