import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CandidateInvalidError } from '../../src/errors.ts';
import { parseTrickleCandidate } from '../../src/sdp/candidates.ts';

describe('parseTrickleCandidate()', () => {
  const ok = [
    { name: 'Chromium host UDP', candidate: 'candidate:1808885553 1 udp 2122260223 127.0.0.1 56889 typ host generation 0 network-id 1', type: 'host' },
    { name: 'with a= prefix', candidate: 'a=candidate:1 1 UDP 2122260223 10.0.0.1 5000 typ host', type: 'host' },
    { name: 'TCP active', candidate: 'candidate:354321833 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active', type: 'host' },
    { name: 'srflx IPv6', candidate: 'candidate:2 1 udp 1686052607 2001:db8::1 61000 typ srflx raddr :: rport 0', type: 'srflx' },
    { name: 'mDNS host', candidate: 'candidate:3 1 udp 2122260223 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54000 typ host', type: 'host' },
  ];
  for (const row of ok) {
    test(`${row.name} parses`, () => {
      assert.equal(parseTrickleCandidate({ candidate: row.candidate, sdpMid: '0', sdpMLineIndex: 0 }, '0', 'c')!.type, row.type);
    });
  }
  test('an empty candidate is end-of-candidates', () => {
    assert.equal(parseTrickleCandidate({ candidate: '', sdpMid: '0' }, '0', 'c'), null);
  });
  const bad = [
    { name: 'garbage', input: { candidate: 'hello world', sdpMid: '0' } },
    { name: 'another m-line', input: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '1' } },
    { name: 'another m-line index', input: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 3 } },
    { name: 'host name', input: { candidate: 'candidate:1 1 udp 1 evil.example.com 5000 typ host', sdpMid: '0' } },
    { name: 'port out of range', input: { candidate: 'candidate:1 1 udp 1 127.0.0.1 70000 typ host', sdpMid: '0' } },
    { name: 'unknown type', input: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ magic', sdpMid: '0' } },
  ];
  for (const row of bad) {
    test(`${row.name} rejects with CandidateInvalidError`, () => {
      assert.throws(() => parseTrickleCandidate(row.input, '0', 'softphone candidate'), CandidateInvalidError);
    });
  }
});
