// The RTCP Sender Report a capture writes for each SR a Producer received (mediasoup's 'sr' trace):
// RFC 3550 §6.4.1 layout, table-driven; missing fields are 0, a trace without SSRC writes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { senderReport } from '../../src/capture/CallCapture.ts';

describe('capture: senderReport()', () => {
  const cases = [
    { name: 'all fields', info: { ssrc: 0x11223344, ntpSec: 3_900_000_000, ntpFrac: 0x80000000, rtpTs: 96_000, packetCount: 500, octetCount: 40_000 } },
    { name: 'values at the 32-bit limit', info: { ssrc: 0xffffffff, ntpSec: 0xffffffff, ntpFrac: 1, rtpTs: 0xffffffff, packetCount: 0, octetCount: 0xffffffff } },
    { name: 'fields missing are 0', info: { ssrc: 7 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const sr = senderReport(c.info)!;
      assert.equal(sr.length, 28);
      assert.equal(sr[0], 0x80, 'V=2, no padding, no report blocks');
      assert.equal(sr[1], 200, 'PT=SR');
      assert.equal(sr.readUInt16BE(2), 6, 'length: 7 words - 1');
      const fields = ['ssrc', 'ntpSec', 'ntpFrac', 'rtpTs', 'packetCount', 'octetCount'] as const;
      fields.forEach((f, i) => assert.equal(sr.readUInt32BE(4 + i * 4), (c.info as Record<string, number>)[f] ?? 0, f));
    });
  }
  it('a trace without an SSRC (or none) writes nothing', () => {
    assert.equal(senderReport(undefined), undefined);
    assert.equal(senderReport({ ntpSec: 1 }), undefined);
  });
});
