// The media wiring of calls on a real worker: PBX legs pointed at a PBX or at each other, Direct Media
// links and their end, the path each call derives, and the loop's coalescing and stopping.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Router } from 'mediasoup/types';
import { InvalidStateError, type CodecName, type MediaPath } from '@ucserver/shared';
import { check, testPayload } from '@ucserver/testkit';
import { MediaWiring } from '../../src/calls/MediaWiring.ts';
import { PbxLeg } from '../../src/calls/PbxLeg.ts';
import { DirectMedia } from '../../src/directMedia/DirectMedia.ts';
import type { DirectMediaParty } from '../../src/directMedia/DirectMediaTypes.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import { parsePbxSdp, pbxSdpCodec, writePbxSdp, type PbxCodec, type PbxDescription } from '../../src/sdp/pbxSdp.ts';
import { FakePbx } from '../support/FakePbx.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

const pcmu: PbxCodec = Object.freeze({ spec: codecSpec('PCMU'), sendPayloadType: 0, recvPayloadType: 0, fmtp: undefined, telephoneEvent: undefined });

/** A call as the wiring sees it: a router, a PBX leg, the PBX direction; no softphone. */
class Call implements DirectMediaParty {
  readonly id: string;
  readonly router: Router;
  readonly leg: PbxLeg;
  readonly wiring: MediaWiring;
  readonly paths: MediaPath[] = [];
  readonly codecName: CodecName = 'PCMU';
  readonly softphoneProducer = undefined;
  readonly softphoneVideoProducer = undefined;
  readonly softphoneVideoCodecs = [];
  readonly direction = { sendAllowed: true, recvAllowed: true };

  constructor(id: string, router: Router, leg: PbxLeg, directMedia: DirectMedia) {
    this.id = id;
    this.router = router;
    this.leg = leg;
    this.wiring = new MediaWiring({ party: this, directMedia, pbxDirection: this.direction, softphoneDirection: { softphoneSends: true, softphoneReceives: true }, logger });
    this.wiring.on('path', (path) => this.paths.push(path));
  }

  get pbxRemote(): { address: string; port: number } | undefined {
    return this.leg.remote;
  }

  get sendAllowed(): boolean {
    return this.direction.sendAllowed;
  }

  requestReconcile(): Promise<void> {
    return this.wiring.reconcile();
  }

  partnerClosed(): Promise<void> {
    return this.wiring.partnerClosed();
  }

  /** The tuple written in our SDP toward the PBX. */
  get tuple(): { address: string; port: number } {
    return this.leg.local;
  }
}

/** Calls `ids` on one worker, in one DirectMedia, each with a PBX leg in PCMU attached to its wiring. */
async function calls<const Ids extends string[]>(t: TestContext, ...ids: Ids): Promise<{ directMedia: DirectMedia; calls: { [K in keyof Ids]: Call } }> {
  const worker = await startWorker(t);
  const directMedia = new DirectMedia({ logger });
  const made: Call[] = [];
  for (const id of ids) {
    const router = await createRouter(worker);
    const leg = await PbxLeg.create({ router, worker, logger, rtcpMux: false, srtpSuite: undefined, ssrcWatchdog: false });
    t.after(() => leg.close());
    leg.setCodec(pcmu);
    const c = new Call(id, router, leg, directMedia);
    c.wiring.attachPbx(leg, [worker.announcedAddress, worker.listenIp]);
    t.after(() => c.wiring.close());
    made.push(c);
  }
  return { directMedia, calls: made as { [K in keyof Ids]: Call } };
}

/** The PBX's SDP pointing our leg at `address:port` (a PBX socket, or another leg's tuple). */
function pointedAt(target: { address: string; port: number }): PbxDescription {
  const sdp = writePbxSdp({ sessionId: '1', sessionVersion: 1, ...target, rtcpPort: undefined, rtcpMux: true, crypto: undefined, codecs: [pbxSdpCodec(pcmu.spec, 0, undefined)], direction: 'sendrecv', ptime: 20 });
  return parsePbxSdp(sdp, 'PBX');
}

async function fakePbx(t: TestContext): Promise<FakePbx> {
  const pbx = await FakePbx.create();
  t.after(() => pbx.close());
  return pbx;
}

describe('MediaWiring', { timeout: 20_000 }, () => {
  test('retargetPbx() at the PBX connects the leg, and a pass activates it: path pbx, announced once', async (t) => {
    const { calls: [a] } = await calls(t, 'w-a');
    const pbx = await fakePbx(t);
    assert.equal(a.wiring.path, null);
    await a.wiring.retargetPbx(pointedAt({ address: '127.0.0.1', port: pbx.port }), undefined, undefined);
    await a.wiring.reconcile();
    assert.equal(a.leg.connected, true);
    assert.deepEqual(a.paths, ['pbx']);
    assert.equal(a.wiring.path, 'pbx');
    // The PBX's first packets make the leg learn its SSRC; its new Producer asks for a pass of its own.
    pbx.target = a.tuple;
    let seq = 0;
    await check(() => {
      pbx.send(0, 0x5151, testPayload(0x11, seq++));
      return a.leg.producer;
    }, 5000, { name: 'the PBX leg\'s Producer', intervalMs: 20 });
    await a.wiring.reconcile();
    assert.deepEqual(a.paths, ['pbx'], 'no second announcement');
  });

  test('conference feeds: the PBX leg sends the mix feed instead of the softphone, paused on hold; undefined restores the bridge', async (t) => {
    const { calls: [a] } = await calls(t, 'w-a');
    const pbx = await fakePbx(t);
    await a.wiring.retargetPbx(pointedAt({ address: '127.0.0.1', port: pbx.port }), undefined, undefined);
    const direct = await a.router.createDirectTransport();
    t.after(() => direct.close());
    const rc = a.router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/PCMU')!;
    const feed = await direct.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: rc.mimeType, payloadType: rc.preferredPayloadType!, clockRate: 8000, parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc: 0x7777 }] } });
    await a.wiring.setConference({ pbx: feed });
    assert.equal(a.leg.uplink?.producerId, feed.id);
    assert.equal(a.leg.uplink?.paused, false);
    a.direction.sendAllowed = false;
    await a.wiring.reconcile();
    assert.equal(a.leg.uplink?.paused, true, 'on hold the PBX gets nothing, in a conference too');
    a.direction.sendAllowed = true;
    await a.wiring.setConference(undefined);
    assert.equal(a.leg.uplink, undefined, 'the bridge again: no softphone, nothing to send');
  });

  test('reconcile() requests made while the loop runs join it', async (t) => {
    const { calls: [a] } = await calls(t, 'w-a');
    const first = a.wiring.reconcile();
    assert.equal(a.wiring.reconcile(), first);
    await first;
    assert.notEqual(a.wiring.reconcile(), first, 'a later request starts a new loop');
  });

  test('two PBX legs pointed at each other\'s tuples are linked: path direct, and neither leg connects', async (t) => {
    const { directMedia, calls: [a, b] } = await calls(t, 'w-a', 'w-b');
    await a.wiring.retargetPbx(pointedAt(b.tuple), undefined, undefined);
    await a.wiring.reconcile();
    assert.deepEqual(a.paths, ['pbx'], 'half-way: only A points at B');
    await b.wiring.retargetPbx(pointedAt(a.tuple), undefined, undefined);
    await b.wiring.reconcile();
    await a.wiring.reconcile();
    assert.deepEqual([a.paths, b.paths], [['pbx', 'direct'], ['direct']]);
    assert.equal(directMedia.linkOf(a), directMedia.linkOf(b));
    assert.deepEqual([a.leg.connected, b.leg.connected, a.leg.producer, b.leg.uplink], [false, false, undefined, undefined]);
  });

  test('when the linked partner closes, the call keeps its path and stays off until an SDP re-targets it', async (t) => {
    const { directMedia, calls: [a, b] } = await calls(t, 'w-a', 'w-b');
    await a.wiring.retargetPbx(pointedAt(b.tuple), undefined, undefined);
    await b.wiring.retargetPbx(pointedAt(a.tuple), undefined, undefined);
    await a.wiring.reconcile();
    assert.equal(a.wiring.path, 'direct');

    b.wiring.close();
    b.wiring.close();
    assert.equal(directMedia.isLocal(b.tuple.address, b.tuple.port), false, 'B left Direct Media');
    await a.wiring.reconcile();
    assert.deepEqual([a.paths, a.wiring.path, directMedia.linkOf(a)], [['direct'], 'direct', undefined], 'no announcement: the PBX has not re-targeted A');
    assert.equal(a.leg.connected, false, 'nothing goes to B\'s former tuple');

    const pbx = await fakePbx(t);
    await a.wiring.retargetPbx(pointedAt({ address: '127.0.0.1', port: pbx.port }), undefined, undefined);
    await a.wiring.reconcile();
    assert.deepEqual([a.paths, a.leg.connected], [['direct', 'pbx'], true]);
  });

  test('after stop() no pass runs: requests resolve and change nothing', async (t) => {
    const { calls: [a] } = await calls(t, 'w-a');
    const pbx = await fakePbx(t);
    await a.wiring.retargetPbx(pointedAt({ address: '127.0.0.1', port: pbx.port }), undefined, undefined);
    a.wiring.stop();
    assert.equal(a.wiring.stopped, true);
    await a.wiring.reconcile();
    assert.deepEqual([a.paths, a.wiring.path], [[], null]);
  });

  test('retargetPbx() without a PBX leg rejects with InvalidStateError', async () => {
    const lonely = { id: 'w-none', router: undefined, softphoneProducer: undefined, softphoneVideoProducer: undefined, softphoneVideoCodecs: [], pbxRemote: undefined, codecName: undefined, sendAllowed: true, requestReconcile: async () => {}, partnerClosed: async () => {} };
    const wiring = new MediaWiring({ party: lonely, directMedia: new DirectMedia({ logger }), pbxDirection: { sendAllowed: true, recvAllowed: true }, softphoneDirection: { softphoneSends: true, softphoneReceives: true }, logger });
    await assert.rejects(wiring.retargetPbx(pointedAt({ address: '127.0.0.1', port: 9 }), undefined, undefined), InvalidStateError);
  });
});
