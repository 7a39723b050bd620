import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { interfaceDescriptionBlock, internetChecksum, ipUdpPacket, sectionHeaderBlock, udpPacketBlock } from '@ucserver/shared';
import { buildRtp } from '@ucserver/testkit';

const src = { address: '192.0.2.10', port: 40_000 };
const dst = { address: '198.51.100.7', port: 5004 };

describe('pcapng - blocks', () => {
  it('every block is a multiple of 4 bytes with the same length at both ends', () => {
    const blocks = [
      sectionHeaderBlock('ucserver test'),
      interfaceDescriptionBlock({ name: 'pbx-leg', description: 'PBX leg, as received' }),
      interfaceDescriptionBlock({ name: 'x' }),
      ...[0, 1, 2, 3, 161].map((n) => udpPacketBlock({ interfaceId: 0, timestampUs: 1n, src, dst, payload: Buffer.alloc(n, 7) })),
      udpPacketBlock({ interfaceId: 1, timestampUs: 2n, src, dst, payload: Buffer.alloc(5), comment: 'reconstructed' }),
    ];
    for (const b of blocks) {
      assert.equal(b.length % 4, 0);
      assert.equal(b.readUInt32LE(4), b.length);
      assert.equal(b.readUInt32LE(b.length - 4), b.length);
    }
    assert.equal(blocks[0]!.readUInt32LE(0), 0x0a0d0d0a);
    assert.equal(blocks[0]!.readUInt32LE(8), 0x1a2b3c4d);
  });

  it('EPB splits the microsecond timestamp into high and low words', () => {
    const ts = 1_733_500_000_123_456n;
    const b = udpPacketBlock({ interfaceId: 3, timestampUs: ts, src, dst, payload: Buffer.alloc(4) });
    assert.equal(b.readUInt32LE(8), 3);
    assert.equal((BigInt(b.readUInt32LE(12)) << 32n) | BigInt(b.readUInt32LE(16)), ts);
    assert.equal(b.readUInt32LE(20), 20 + 8 + 4);
  });

  it('IPv4 header checksum verifies to zero, UDP length covers header and payload', () => {
    const p = ipUdpPacket(src, dst, Buffer.from('hello'));
    assert.equal(p[0], 0x45);
    assert.equal(internetChecksum(p.subarray(0, 20)), 0);
    assert.equal(p.readUInt16BE(2), 20 + 8 + 5);
    assert.equal(p.readUInt16BE(20), 40_000);
    assert.equal(p.readUInt16BE(22), 5004);
    assert.equal(p.readUInt16BE(24), 13);
  });

  it('IPv6 packets carry a UDP checksum over the pseudo header', () => {
    const p = ipUdpPacket({ address: '2001:db8::1', port: 1 }, { address: '::ffff:192.0.2.1', port: 2 }, Buffer.from('abc'));
    assert.equal(p[0]! >> 4, 6);
    assert.equal(p.readUInt16BE(4), 11);
    assert.equal(p.subarray(8, 24).toString('hex'), '20010db8000000000000000000000001');
    assert.equal(p.subarray(24, 40).toString('hex'), '00000000000000000000ffffc0000201');
    assert.notEqual(p.readUInt16BE(46), 0);
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['mixed address families', () => ipUdpPacket(src, { address: '::1', port: 1 }, Buffer.alloc(1)), /two IPv4 or two IPv6/],
    ['a host name', () => ipUdpPacket({ address: 'pbx.example', port: 1 }, dst, Buffer.alloc(1)), /two IPv4 or two IPv6/],
    ['port out of range', () => ipUdpPacket({ ...src, port: 70_000 }, dst, Buffer.alloc(1)), /invalid UDP port 70000/],
    ['oversized payload', () => ipUdpPacket(src, dst, Buffer.alloc(70_000)), /exceeds 65507/],
    ['negative interface', () => udpPacketBlock({ interfaceId: -1, timestampUs: 0n, src, dst, payload: Buffer.alloc(1) }), /interface id -1/],
    ['interface without a name', () => interfaceDescriptionBlock({ name: '' }), /needs a name/],
  ];
  for (const [name, fn, message] of bad) it(`rejects ${name}`, () => assert.throws(fn, message));
});

describe('pcapng - read back by tshark', () => {
  it('tshark decodes interfaces, RTP streams and SIP from the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcapng-'));
    try {
      const file = join(dir, 't.pcapng');
      const t0 = 1_733_500_000_000_000n;
      const parts = [sectionHeaderBlock('ucserver test'), interfaceDescriptionBlock({ name: 'pbx-leg', description: 'PBX leg' }), interfaceDescriptionBlock({ name: 'sip', description: 'signalling' })];
      const invite = ['INVITE sip:100@198.51.100.7 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1', 'From: <sip:200@192.0.2.10>;tag=a', 'To: <sip:100@198.51.100.7>', 'Call-ID: c1@test', 'CSeq: 1 INVITE', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
      parts.push(udpPacketBlock({ interfaceId: 1, timestampUs: t0, src: { ...src, port: 5060 }, dst: { ...dst, port: 5060 }, payload: Buffer.from(invite) }));
      for (let i = 0; i < 50; i++) {
        const rtp = buildRtp({ payloadType: 0, sequenceNumber: 1000 + i, timestamp: 160 * i, ssrc: 0x11223344, marker: i === 0, payload: Buffer.alloc(160, 0xff) });
        parts.push(udpPacketBlock({ interfaceId: 0, timestampUs: t0 + BigInt(20_000 * (i + 1)), src, dst, payload: rtp }));
      }
      writeFileSync(file, Buffer.concat(parts));
      const ifaces = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' });
      assert.deepEqual([...new Set(ifaces.trim().split('\n'))].sort(), ['pbx-leg', 'sip']);
      const streams = execFileSync('tshark', ['-r', file, '-o', 'rtp.heuristic_rtp:TRUE', '-q', '-z', 'rtp,streams'], { encoding: 'utf8' });
      assert.match(streams, /192\.0\.2\.10\s+40000\s+198\.51\.100\.7\s+5004\s+0x11223344\s+g711U\s+50\s+0\s+\(0\.0%\)/, streams);
      const sip = execFileSync('tshark', ['-r', file, '-q', '-z', 'sip,stat'], { encoding: 'utf8' });
      assert.match(sip, /INVITE\s+:\s+1/, sip);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
