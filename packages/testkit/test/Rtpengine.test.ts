import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { check, Rtpengine, RtpEndpoint, parseSdp, dominantFrequency, sine } from '@ucserver/testkit';

const sdp = (port: number): string =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

describe('Rtpengine', { timeout: 60_000 }, () => {
  let engine: Rtpengine;

  before(async () => {
    engine = await Rtpengine.start();
  });
  after(async () => {
    await engine?.dispose();
  });

  it('start answers ping with pong on its private ng port', { timeout: 10_000 }, async () => {
    assert.equal(await engine.ping(), 'pong');
    assert.equal(engine.ngSocket, `udp:127.0.0.1:${engine.ngPort}`);
    assert.equal(engine.portMax - engine.portMin, 199);
  });

  it('offer/answer anchor a call whose relayed packets show in query and totals', { timeout: 20_000 }, async () => {
    const a = await RtpEndpoint.open();
    const b = await RtpEndpoint.open();
    try {
      const before = await engine.totals();
      const callId = `test-${Date.now()}`;
      const offer = await engine.ng('offer', { 'call-id': callId, 'from-tag': 'a-tag', sdp: sdp(a.port), flags: ['replace-origin', 'replace-session-connection'] });
      const toB = parseSdp(String(offer.sdp)).media[0]!;
      assert.equal(toB.address, '127.0.0.1');
      assert.ok(toB.port >= engine.portMin && toB.port <= engine.portMax, `offer port ${toB.port} in range`);
      const answer = await engine.ng('answer', { 'call-id': callId, 'from-tag': 'a-tag', 'to-tag': 'b-tag', sdp: sdp(b.port), flags: ['replace-origin', 'replace-session-connection'] });
      const toA = parseSdp(String(answer.sdp)).media[0]!;
      assert.notEqual(toA.port, toB.port);
      assert.ok((await engine.list()).includes(callId));

      // A sends to the port rtpengine gave it (the answer's), B to the offer's
      const fromA = a.stream({ address: '127.0.0.1', port: toA.port }, sine({ frequency: 1000, seconds: 0.6 }));
      const fromB = b.stream({ address: '127.0.0.1', port: toB.port }, sine({ frequency: 440, seconds: 0.6 }));
      await Promise.all([fromA.done, fromB.done]);
      await b.waitForPackets(25);
      await a.waitForPackets(25);
      assert.equal(dominantFrequency(b.samples(), [440, 1000], 8000).frequency, 1000);
      assert.equal(dominantFrequency(a.samples(), [440, 1000], 8000).frequency, 440);

      const stats = await engine.query(callId);
      assert.ok(stats.rtp.packets >= 50, `call relayed ${stats.rtp.packets} packets`);
      const streamOfA = stats.streams.find((s) => s.tag === 'a-tag' && !s.rtcp)!;
      assert.equal(streamOfA.localPort, toA.port);
      assert.deepEqual(streamOfA.endpoint, { address: '127.0.0.1', port: a.port });
      assert.ok(streamOfA.stats.packets >= 25);

      const during = await check(async () => {
        const t = await engine.totals();
        return t.relayedPackets >= before.relayedPackets + 50 ? t : undefined;
      }, 3000, { name: 'rtpengine totals counting the relayed packets' });
      assert.ok(during.currentSessions >= before.currentSessions + 1);
      assert.ok(during.offers >= before.offers + 1 && during.answers >= before.answers + 1);
      await engine.ng('delete', { 'call-id': callId, 'from-tag': 'a-tag' });
      const totals = await engine.totals();
      assert.ok(totals.deletes >= before.deletes + 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('ng rejects with rtpengine\'s error reason', { timeout: 10_000 }, async () => {
    await assert.rejects(engine.query('no-such-call'), /rtpengine ng 'query' failed: Unknown call-id/);
  });

  it('stop ends the daemon and a second stop is a no-op', { timeout: 10_000 }, async () => {
    const other = await Rtpengine.start({ deleteDelay: 0 });
    await other.stop();
    assert.equal(other.process?.running, false);
    await other.stop();
    await other.dispose();
  });
});
