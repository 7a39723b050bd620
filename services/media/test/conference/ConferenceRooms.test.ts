// The node's conference rooms with calls as the rooms see them (router, leg Producers, feeds, events),
// on a real worker: a user's two calls join (the active call's softphone and PBX legs, the held call's
// PBX leg); feeds go to the legs; a far end hanging up leaves the two others mixing or bridged
// directly; a replaced Producer is seated again; the bounds hold. On Direct Media the far ends are the
// partner calls' softphone legs: they are seated instead of the (silent) PBX legs, and a room left with
// two linked partners dissolves back to their link.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import type { PlainTransport, Producer, Router } from 'mediasoup/types';
import type { MediaPath } from '@ucserver/shared';
import type { ConferenceFeeds } from '../../src/calls/MediaWiringTypes.ts';
import { ConferenceRooms } from '../../src/conference/ConferenceRooms.ts';
import type { ConferenceCall } from '../../src/conference/ConferenceRoomsTypes.ts';
import { CallStateError, ConferencePartnerError } from '../../src/errors.ts';
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

/** Direct Media links as the node knows them: a call to its partner, both ways, until either closes. */
class Links {
  readonly #partners = new Map<FakeCall, FakeCall>();
  link(a: FakeCall, b: FakeCall): void {
    this.#partners.set(a, b).set(b, a);
    a.path = 'direct';
    b.path = 'direct';
  }
  partnerOf = (call: ConferenceCall): ConferenceCall | undefined => {
    const partner = this.#partners.get(call as FakeCall);
    // A closing call's link is torn down before its close event (MediaCall: teardown, then 'close').
    return partner && !partner.closed && !(call as FakeCall).closed ? partner : undefined;
  };
}

async function bed(t: TestContext, links?: Links) {
  const worker = await startWorker(t);
  const rooms = new ConferenceRooms({ maxParticipants: 3, maxConferences: 1, logger, ...(links ? { partnerOf: links.partnerOf } : {}) });
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

  test('refuses a leg without audio, a call on Direct Media without a partner here, a second room beyond the bound, a fourth participant', async (t) => {
    const { worker, rooms, held, active, join } = await bed(t);
    const silent = await FakeCall.open(t, 'call-3', await createRouter(worker), worker.portRange, { softphone: false, pbx: true });
    await assert.rejects(rooms.join('other', [{ call: silent, legs: ['softphone'] }]), CallStateError);
    assert.equal(rooms.size, 0, 'a failed first join leaves no room behind');
    silent.path = 'direct';
    await assert.rejects(rooms.join('other', [{ call: silent, legs: ['pbx'] }]), (err: unknown) => err instanceof ConferencePartnerError && /Direct Media .*partner call is not on this node/.test(err.message));
    assert.equal(rooms.size, 0);
    silent.path = 'pbx';
    await join();
    await assert.rejects(rooms.join('second', [{ call: silent, legs: ['pbx'] }]), /conferences run/);
    await assert.rejects(rooms.join('conf', [{ call: silent, legs: ['pbx'] }]), /full/);
    assert.equal(rooms.conference('conf')!.size, 3);
    assert.ok(held.feeds && active.feeds);
  });
});

describe('ConferenceRooms on Direct Media', () => {
  /** A's calls a1 (held, linked to B's call b) and a2 (active, linked to C's call c), all with microphones. */
  async function directBed(t: TestContext) {
    const links = new Links();
    const { worker, rooms, held, active } = await bed(t, links);
    const open = async (id: string): Promise<FakeCall> => FakeCall.open(t, id, await createRouter(worker), worker.portRange, { softphone: true, pbx: true });
    const b = await open('call-b');
    const c = await open('call-c');
    links.link(held, b);
    links.link(active, c);
    const state = await rooms.join('conf', [{ call: active, legs: ['softphone', 'pbx'] }, { call: held, legs: ['pbx'] }]);
    return { rooms, held, active, b, c, state, conference: rooms.conference('conf')! };
  }

  test('the far ends are the partners\' softphone legs: A\'s microphone, B\'s and C\'s mixed; the held call hears nothing', async (t) => {
    const { held, active, b, c, state, conference } = await directBed(t);
    assert.deepEqual(state, { conferenceId: 'conf', participants: ['call-2/softphone', 'call-c/softphone', 'call-b/softphone'], dissolved: false });
    assert.equal(conference.sourceOf('call-b/softphone'), b.softphoneProducer, 'B is mixed from B\'s own microphone');
    assert.equal(conference.sourceOf('call-2/pbx'), undefined, 'no PBX leg is seated (it carries nothing)');
    assert.equal(active.feeds?.softphone, conference.feedOf('call-2/softphone'));
    assert.equal(active.feeds?.pbx, undefined);
    assert.equal(b.feeds?.softphone, conference.feedOf('call-b/softphone'));
    assert.equal(c.feeds?.softphone, conference.feedOf('call-c/softphone'));
    assert.deepEqual(held.feeds, {}, 'the held call\'s softphone consumes nothing (its link to B is replaced by the mix on the active call)');
  });

  test('C hangs up (c and a2 close): A\'s held call and B are linked again, the mix is gone', async (t) => {
    const { rooms, held, active, b, c, conference } = await directBed(t);
    c.hangUp();
    await settle();
    assert.equal(rooms.size, 1, 'a2 still mixes with B (a2 is not B\'s partner) until it closes too');
    active.hangUp();
    await settle();
    assert.equal(rooms.size, 0);
    assert.ok(conference.closed);
    assert.equal(held.feeds, undefined, 'a1 back on its link');
    assert.equal(b.feeds, undefined, 'b back on its link');
  });

  test('B hangs up (b and a1 close): a2 and c are Direct Media partners, so the room dissolves at once', async (t) => {
    const { rooms, held, active, b, c } = await directBed(t);
    b.hangUp();
    await settle();
    assert.equal(rooms.size, 0, 'the two left are linked partners: no mixer needed');
    assert.equal(active.feeds, undefined);
    assert.equal(c.feeds, undefined);
    held.hangUp();
    await settle();
    assert.equal(rooms.size, 0);
  });
});
