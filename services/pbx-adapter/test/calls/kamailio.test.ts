// One call through the real test PBX in both media modes, and once with both lines on SIP over TLS:
// line 100 calls line 101, both registered by the adapter; the gateway is played on the bus, the real
// media service runs as a process, and two werift softphones send tones. Set up, answered, held, resumed
// and hung up, with the call events of both lines in order, audio both ways, and RTP through rtpengine
// (media via PBX) or a loopback path inside the media node (Direct Media). Over TLS, a PBX certificate
// that no trusted CA signed fails the registration and says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { check, dominantFrequency, encodeWav, freePort, Kamailio, NatsServer, sine, Sipp, tonePower, uniquePrefix, type KamailioMode } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import { startAdapter } from '../support/adapter.ts';
import { Gateway, testLine } from '../support/Gateway.ts';
import type { MediaService } from '../support/MediaService.ts';
import { CallBench } from '../support/CallBench.ts';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { MediaTopics, type SoftphoneAnswerReady } from '@ucserver/shared';
import { pbxSoftphone } from '../support/softphone.ts';

const CANDIDATES = [440, 1000, 1400];
// A self-signed certificate for 127.0.0.1: Kamailio presents it, and the adapter trusts it as its CA.
const TLS_DIR = fileURLToPath(new URL('../fixtures/sip/tls/', import.meta.url));
const PBX_TLS = { certFile: `${TLS_DIR}cert.pem`, keyFile: `${TLS_DIR}key.pem` };
const LATE_OFFER_SCENARIO = fileURLToPath(new URL('../fixtures/sipp/uac-late-offer-via-pbx.xml', import.meta.url));
const ADAPTER_TLS = { SIP_TRANSPORTS: 'udp,tcp,tls', SIP_TLS_PORT: '0', SIP_TLS_CERT_FILE: PBX_TLS.certFile, SIP_TLS_KEY_FILE: PBX_TLS.keyFile };

/** Waits until `phone` received at least `packets` packets after `from`; returns their samples. */
async function heard(phone: WeriftPhone, from: number, packets: number, name: string): Promise<Int16Array> {
  await check(() => phone.received.length - from >= packets, 8000, { name: `${packets} RTP packets at ${name} (have ${phone.received.length - from})` });
  return phone.samples(from);
}

// A private nats-server per file: the shared one fills up with 1 GiB stream reservations of old runs.
let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await nats?.dispose();
});

const CASES: Array<{ mode: KamailioMode; tls: boolean }> = [
  { mode: 'media-via-pbx', tls: false },
  { mode: 'direct-media', tls: false },
  { mode: 'media-via-pbx', tls: true },
];

for (const { mode, tls } of CASES) {
  describe(`call 100 → 101 through Kamailio (${mode}${tls ? ', both lines over TLS' : ''})`, { timeout: 90_000 }, () => {
    let pbx: Kamailio;
    let bench: CallBench;
    let gateway: Gateway;
    let media: MediaService;
    let adapter: PbxAdapterApp;
    const phones: WeriftPhone[] = [];

    before(async () => {
      pbx = await Kamailio.start({ mode, ...(tls ? { tls: PBX_TLS } : {}) });
      const line = (number: string) => (tls ? testLine({ number, registrar: `${pbx.host}:${pbx.tlsPort}`, transport: 'tls' }) : testLine({ number, registrar: pbx.address }));
      bench = await CallBench.start({ natsUrl: nats.url, lines: [line('100'), line('101')], ...(tls ? { env: { ...ADAPTER_TLS, SIP_TLS_CA_FILE: PBX_TLS.certFile } } : {}) });
      ({ gateway, media, adapter } = bench);
      await gateway.waitRegistration('line-100', 'registered');
      await gateway.waitRegistration('line-101', 'registered');
      if (tls) {
        // Kamailio holds both bindings on its TLS socket, so the INVITE to 101 and the in-dialog requests
        // in both directions travel over TLS.
        for (const n of ['100', '101']) assert.match((await pbx.contacts(n))[0]?.socket ?? '', /^tls:/, `line ${n} bound over TLS`);
      }
    });
    after(async () => {
      for (const p of phones) await p.close();
      await bench?.dispose();
      await pbx?.dispose();
    });

    it('is set up, answered, held, resumed and hung up with audio both ways and ordered events', async () => {
      const nodeId = media.nodeId;
      const callA = randomUUID();
      const a = new WeriftPhone(pbxSoftphone);
      const b = new WeriftPhone(pbxSoftphone);
      phones.push(a, b);

      // The called softphone: the gateway creates its offer from the media node, the phone answers.
      let callB: string | undefined;
      gateway.onIncoming = async (req) => {
        callB = req.callId;
        const { sdp } = await gateway.media(req.mediaNodeId, 'softphoneCreateOffer', { callId: req.callId });
        const answer = await b.answer(sdp);
        await gateway.media(req.mediaNodeId, 'softphoneApplyAnswer', { callId: req.callId, sdp: answer });
        return gateway.accept();
      };

      // A dials: softphone offer to the media node (its answer to be pushed to this gateway), then makeCall on line 100.
      const pushed: SoftphoneAnswerReady[] = [];
      const pushes = gateway.bus.subscribe(MediaTopics.softphoneAnswer, (e) => void pushed.push(e), { key: gateway.instance.instanceId });
      await gateway.bus.flush();
      await gateway.media(nodeId, 'softphoneOffer', { callId: callA, sdp: await a.offer(), answerTo: gateway.instance.instanceId });
      await gateway.pbx('makeCall', { callId: callA, lineId: 'line-100', to: '101', mediaNodeId: nodeId, origin: 'softphone' });
      await gateway.waitCallState(callA, 'dialing');

      const offering = await gateway.waitEvent((e) => e.lineId === 'line-101' && e.state === 'offering', 'offering on line 101');
      assert.equal(offering.direction, 'inbound');
      assert.equal(offering.remoteNumber, '100');
      assert.equal(offering.mediaNodeId, nodeId);
      await check(() => callB, 5000, { name: 'the incoming call request' });
      const incoming = gateway.incoming.find((r) => r.callId === callB)!;
      assert.deepEqual({ lineId: incoming.lineId, from: incoming.from, to: incoming.to, mediaNodeId: incoming.mediaNodeId }, { lineId: 'line-101', from: '100', to: '101', mediaNodeId: nodeId });

      // B rings: A sees ringback. B answers: both connected; A's answer is ready at the media node.
      await gateway.pbx('alert', { callId: callB! });
      await gateway.waitCallState(callA, 'ringback');
      await gateway.pbx('answer', { callId: callB! });
      const connectedA = await gateway.waitCallState(callA, 'connected');
      assert.ok(connectedA.mediaPath, 'connected once the PBX answer is applied at the media node');
      const connectedB = await gateway.waitCallState(callB!, 'connected');
      const { sdp: answerA } = await gateway.media(nodeId, 'softphoneAnswer', { callId: callA });
      // The adapter told the node the answer came in the 200 (the far end answered): the push says so.
      await check(() => pushed.length > 0 || undefined, 5000, { name: 'the pushed answer of A' });
      assert.deepEqual(pushed, [{ gatewayId: gateway.instance.instanceId, callId: callA, sdp: answerA, answered: true }]);
      pushes.unsubscribe();
      await a.applyAnswer(answerA);
      await Promise.all([a.connected(), b.connected()]);

      // Audio: A sends 1 kHz, B sends 440 Hz; each hears the other.
      a.startTone(1000);
      b.startTone(440);
      const atB = dominantFrequency(await heard(b, 0, 50, 'B'), CANDIDATES, 8000);
      const atA = dominantFrequency(await heard(a, 0, 50, 'A'), CANDIDATES, 8000);
      assert.equal(atB.frequency, 1000, `B hears ${atB.frequency} Hz`);
      assert.equal(atA.frequency, 440, `A hears ${atA.frequency} Hz`);
      assert.ok(tonePower(b.samples(), 1000, 8000) > 0.5);

      if (mode === 'media-via-pbx') {
        assert.equal(connectedA.mediaPath, 'pbx');
        assert.equal(connectedB.mediaPath, 'pbx');
        const engine = pbx.rtpengine!;
        const totals = await check(async () => {
          const t = await engine.totals();
          return t.relayedPackets >= 100 ? t : undefined;
        }, 5000, { name: 'rtpengine relaying the call' });
        assert.ok(totals.relayedPackets >= 100, `rtpengine relayed ${totals.relayedPackets} packets`);
        assert.ok(totals.currentSessions >= 1);
      } else {
        // The media node finds its own tuples on both PBX legs: both calls report the direct path
        // (B's offer arrived before A's leg knew its peer, so B may first say pbx and then direct).
        assert.equal(connectedA.mediaPath, 'direct');
        await gateway.waitEvent((e) => e.callId === callB && e.state === 'connected' && e.mediaPath === 'direct', 'B connected via the direct path');
        await check(() => [callA, callB].every((id) => gateway.mediaEvents.some((e) => e.type === 'path' && e.callId === id && e.path === 'direct')), 5000, { name: 'MediaCallEvent path=direct for A and B' });
        assert.equal(pbx.rtpengine, undefined);
      }

      // A holds: re-INVITE sendonly through the PBX; B sees a remote hold.
      await gateway.pbx('hold', { callId: callA, hold: true });
      await gateway.waitCallState(callA, 'held', 5000, (e) => e.hold === 'local');
      await gateway.waitCallState(callB!, 'held', 5000, (e) => e.hold === 'remote');
      // A retrieves: both connected again, and the audio flows again.
      await gateway.pbx('hold', { callId: callA, hold: false });
      const heldA = gateway.callEvents(callA).find((e) => e.state === 'held')!;
      await gateway.waitEvent((e) => e.callId === callA && e.state === 'connected' && e.seq > heldA.seq, 'A connected again');
      const heldB = gateway.callEvents(callB!).find((e) => e.state === 'held')!;
      await gateway.waitEvent((e) => e.callId === callB && e.state === 'connected' && e.seq > heldB.seq, 'B connected again');
      const resumedAt = b.received.length;
      assert.equal(dominantFrequency(await heard(b, resumedAt, 25, 'B after resume'), CANDIDATES, 8000).frequency, 1000);

      // A hangs up: BYE through the PBX, both disconnected normally, both media closed.
      await gateway.pbx('drop', { callId: callA, reason: 'normal' });
      await gateway.waitCallState(callA, 'disconnected');
      await gateway.waitCallState(callB!, 'disconnected');
      assert.deepEqual(gateway.timeline(callA), ['dialing', 'ringback', 'connected', 'held:local', 'connected', 'disconnected:normal']);
      assert.deepEqual(gateway.timeline(callB!), ['offering', 'connected', 'held:remote', 'connected', 'disconnected:normal']);
      for (const id of [callA, callB!]) {
        assert.deepEqual(gateway.callEvents(id).map((e) => e.seq), gateway.callEvents(id).map((_, i) => i + 1), `seq of ${id} grows from 1`);
      }
      await check(() => gateway.mediaEvents.some((e) => e.type === 'closed' && e.callId === callA) && gateway.mediaEvents.some((e) => e.type === 'closed' && e.callId === callB), 5000, { name: 'media closed for both calls' });
      assert.equal(adapter.calls?.size, 0);
      if (mode === 'media-via-pbx') await check(async () => (await pbx.rtpengine!.totals()).deletes >= 1, 5000, { name: 'rtpengine session deleted' });
    });

    it('an INVITE without SDP from a desk phone (SIPp as line 100) gets our offer in the 200; the ACK answer connects it and B hears the phone', async () => {
      const b = new WeriftPhone(pbxSoftphone);
      phones.push(b);
      let callB: string | undefined;
      gateway.answerWith(b, (req) => {
        callB = req.callId;
      });
      const tone = encodeWav(sine({ frequency: 1000, seconds: 2 }), { sampleRate: 8000, format: 'pcmu' });
      const running = Sipp.run({
        scenario: LATE_OFFER_SCENARIO, target: pbx, service: '101', auth: { user: '100', password: 'pw100' },
        vars: { from: '100', holdms: 3000 }, files: { 'uac.wav': tone }, args: ['-mp', String(await freePort({ count: 2, even: true }))], timeoutMs: 30_000,
      });
      // SIPp ending first (its port taken, the PBX refusing the INVITE) fails at once with its log, not after 10 s.
      const sippEnded = running.then((r) => {
        if (callB === undefined) throw new Error(`SIPp ended (exit ${r.exitCode}) before the call reached the gateway: ${r.log}`);
      });
      sippEnded.catch(() => undefined); // observed by the race below; later it can only repeat that failure
      await Promise.race([check(() => callB, 10_000, { name: 'the late-offer call at the gateway' }), sippEnded]);
      // The event travels through JetStream, the question as a request: either may come first.
      await gateway.waitCallState(callB!, 'offering');
      const offering = gateway.callEvents(callB!)[0]!;
      assert.equal(offering.state, 'offering');
      assert.equal(offering.mediaPath, undefined, 'no media path before the ACK');
      const connected = await gateway.waitCallState(callB!, 'connected');
      assert.equal(connected.mediaPath, 'pbx');
      assert.equal(dominantFrequency(await heard(b, 0, 50, 'B'), CANDIDATES, 8000).frequency, 1000);
      if (mode === 'media-via-pbx') {
        // rtpengine took our offer from the 200 and the answer from the ACK: it anchors the call.
        assert.ok((await pbx.rtpengine!.list()).length >= 1, 'rtpengine holds the call');
      }
      const result = await running;
      assert.equal(result.exitCode, 0, `sipp exit ${result.exitCode}: ${result.log}`);
      await gateway.waitCallState(callB!, 'disconnected');
      assert.deepEqual(gateway.timeline(callB!), ['offering', 'connected', 'disconnected:normal']);
    });
  });
}

describe('SIP over TLS toward a PBX whose certificate no trusted CA signed', { timeout: 60_000 }, () => {
  it('fails the registration with a certificate reason and keeps retrying', async () => {
    const prefix = uniquePrefix();
    const pbx = await Kamailio.start({ mode: 'direct-media', tls: PBX_TLS });
    const gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: [testLine({ number: '100', registrar: `${pbx.host}:${pbx.tlsPort}`, transport: 'tls' })] });
    // The adapter's own certificate is the same file, but without SIP_TLS_CA_FILE it trusts only the system's CAs.
    const adapter = await startAdapter({ natsUrl: nats.url, prefix, env: ADAPTER_TLS });
    try {
      const failed = await gateway.waitRegistration('line-100', 'failed');
      assert.match(failed.reason ?? '', /certificate/i);
      assert.deepEqual(await pbx.contacts('100'), []);
      // It retries (backoff 200 ms .. 2 s here) and fails the same way each time; nothing is bound.
      const seen = gateway.registrations.length;
      await gateway.waitRegistration('line-100', 'failed', 10_000, seen);
      assert.deepEqual(await pbx.contacts('100'), []);
    } finally {
      await adapter.stop();
      await gateway.close();
      await pbx.dispose();
    }
  });
});
