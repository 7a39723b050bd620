// The node's conference rooms with calls as the rooms see them (router, leg Producers, feeds, events),
// on a real worker: a user's two calls join (the active call's softphone and PBX legs, the held call's
// PBX leg); feeds go to the legs; a far end hanging up leaves the two others mixing or bridged
// directly; a replaced Producer is seated again; the bounds hold.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import type { PlainTransport, Producer, Router } from 'mediasoup/types';
import type { MediaPath } from '@ucserver/shared';
import type { ConferenceFeeds } from '../../src/calls/MediaWiringTypes.ts';
import { ConferenceRooms } from '../../src/conference/ConferenceRooms.ts';
import type { ConferenceCall } from '../../src/conference/ConferenceRoomsTypes.ts';
import { CallStateError } from '../../src/errors.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

let ssrc = 1000;

async function produce(transport: PlainTransport, router: Router): Promise<Producer> {
  const rc = router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/PCMU')!;
  return transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: rc.mimeType, payloadType: rc.preferredPayloadType!, clockRate: rc.clockRate, parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc: ssrc++ }] } });
}

/** A call as ConferenceRooms sees it: its router, leg Producers, and the feeds it was given. */
class FakeCall extends EventEmitter<{ wired: []; close: [] }> implements ConferenceCall {
  readonly id: string;
  readonly router: Router;
  readonly transport: PlainTransport;
  softphoneProducer: Producer | undefined;
  pbxProducer: Producer | undefined;
  path: MediaPath | null = 'pbx';
  closed = false;
  feeds: ConferenceFeeds | undefined;
  readonly feedHistory: (ConferenceFeeds | undefined)[] = [];

  constructor(id: string, router: Router, transport: PlainTransport) {
    super();
    this.id = id;
    this.router = router;
    this.transport = transport;
  }

  static async open(t: TestContext, id: string, router: Router, portRange: { min: number; max: number }, legs: { softphone: boolean; pbx: boolean }): Promise<FakeCall> {
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange }, rtcpMux: true, comedia: true });
    t.after(() => transport.close());
    const call = new FakeCall(id, router, transport);
    if (legs.softphone) call.softphoneProducer = await produce(transport, router);
    if (legs.pbx) call.pbxProducer = await produce(transport, router);
    return call;
  }

  async setConferenceFeeds(feeds: ConferenceFeeds | undefined): Promise<void> {
    this.feeds = feeds;
    this.feedHistory.push(feeds);
    this.emit('wired');
  }

  hangUp(): void {
    this.closed = true;
    this.emit('close');
  }
}

async function bed(t: TestContext) {
  const worker = await startWorker(t);
  const rooms = new ConferenceRooms({ maxParticipants: 3, maxConferences: 1, logger });
  t.after(() => rooms.closeAll());
  const held = await FakeCall.open(t, 'call-1', await createRouter(worker), worker.portRange, { softphone: true, pbx: true });
  const active = await FakeCall.open(t, 'call-2', await createRouter(worker), worker.portRange, { softphone: true, pbx: true });
  const join = () => rooms.join('conf', [{ call: active, legs: ['softphone', 'pbx'] }, { call: held, legs: ['pbx'] }]);
  return { worker, rooms, held, active, join };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('ConferenceRooms', () => {
  test('a user\'s two calls join: three legs mixed, each fed; the held call\'s softphone hears nothing', async (t) => {
    const { rooms, held, active, join } = await bed(t);
    const state = await join();
    assert.deepEqual(state, { conferenceId: 'conf', participants: ['call-2/softphone', 'call-2/pbx', 'call-1/pbx'], dissolved: false });
    const conference = rooms.conference('conf')!;
    assert.equal(active.feeds?.softphone, conference.feedOf('call-2/softphone'));
    assert.equal(active.feeds?.pbx, conference.feedOf('call-2/pbx'));
    assert.equal(held.feeds?.pbx, conference.feedOf('call-1/pbx'));
    assert.equal(held.feeds?.softphone, undefined);
    assert.ok(active.feeds?.softphone && !active.feeds.softphone.closed);
  });

  test('the held call\'s far end hangs up: the active call\'s own two legs are bridged directly again', async (t) => {
    const { rooms, held, active, join } = await bed(t);
    await join();
    const feed = rooms.conference('conf')!.feedOf('call-2/softphone')!;
    held.hangUp();
    await settle();
    assert.equal(rooms.size, 0);
    assert.equal(active.feeds, undefined);
    assert.ok(feed.closed, 'the mix feed is gone');
  });

  test('the active call\'s far end hangs up: the held call is bridged directly again (the user talks on its softphone leg)', async (t) => {
    const { rooms, held, active, join } = await bed(t);
    await join();
    const state = await rooms.leave('conf', active.id);
    assert.deepEqual(state, { conferenceId: 'conf', participants: [], dissolved: true });
    assert.equal(rooms.size, 0);
    assert.equal(held.feeds, undefined);
    assert.equal(active.feeds, undefined);
    assert.deepEqual(await rooms.leave('conf', held.id), { conferenceId: 'conf', participants: [], dissolved: true });
  });

  test('two legs of different calls left: still mixed (their only path between two routers)', async (t) => {
    const { rooms, held, active } = await bed(t);
    await rooms.join('conf', [{ call: active, legs: ['softphone'] }, { call: held, legs: ['pbx'] }]);
    assert.equal(rooms.size, 1);
    assert.ok(active.feeds?.softphone);
    assert.ok(held.feeds?.pbx);
  });

  test('a replaced PBX Producer (new SSRC) is seated again with the new one', async (t) => {
    const { rooms, held, join } = await bed(t);
    await join();
    const conference = rooms.conference('conf')!;
    const oldFeed = conference.feedOf('call-1/pbx')!;
    held.pbxProducer!.close();
    held.pbxProducer = await produce(held.transport, held.router);
    held.emit('wired');
    await settle();
    assert.equal(conference.sourceOf('call-1/pbx'), held.pbxProducer);
    assert.notEqual(conference.feedOf('call-1/pbx'), oldFeed);
    assert.equal(held.feeds?.pbx, conference.feedOf('call-1/pbx'));
  });

  test('refuses a leg without audio, a call on Direct Media, a second room beyond the bound, a fourth participant', async (t) => {
    const { worker, rooms, held, active, join } = await bed(t);
    const silent = await FakeCall.open(t, 'call-3', await createRouter(worker), worker.portRange, { softphone: false, pbx: true });
    await assert.rejects(rooms.join('other', [{ call: silent, legs: ['softphone'] }]), CallStateError);
    assert.equal(rooms.size, 0, 'a failed first join leaves no room behind');
    silent.path = 'direct';
    await assert.rejects(rooms.join('other', [{ call: silent, legs: ['pbx'] }]), /Direct Media/);
    silent.path = 'pbx';
    await join();
    await assert.rejects(rooms.join('second', [{ call: silent, legs: ['pbx'] }]), /conferences run/);
    await assert.rejects(rooms.join('conf', [{ call: silent, legs: ['pbx'] }]), /full/);
    assert.equal(rooms.conference('conf')!.size, 3);
    assert.ok(held.feeds && active.feeds);
  });
});
