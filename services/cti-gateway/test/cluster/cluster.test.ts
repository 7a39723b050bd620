// Several gateways sharing the clients, the parts without a bus: what PeerSessions makes of the other
// runs' `gateway.sessions` and heartbeats (online, newest softphone, expiry, restarts), and which gateway
// IncomingCallRouter lets answer an incoming call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusNoReply, type GatewaySessions } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import type { IncomingCallRequest } from '../../src/av/SoftphoneServiceTypes.ts';
import { IncomingCallRouter } from '../../src/cluster/IncomingCallRouter.ts';
import { JournalLeader } from '../../src/cluster/JournalLeader.ts';
import { PeerSessions } from '../../src/cluster/PeerSessions.ts';
import type { SessionAnnouncer } from '../../src/cluster/SessionAnnouncer.ts';
import type { LineStore } from '../../src/lines/LineStore.ts';

const self = { instanceId: 'gw-a', startedAt: 1000 };
const other = { instanceId: 'gw-b', startedAt: 2000 };
const msg = (from: { instanceId: string; startedAt: number }, users: GatewaySessions['users'], refreshMs = 5000): GatewaySessions => ({ ...from, at: 0, refreshMs, users });

describe('PeerSessions', () => {
  it('a user with sessions on another run is online there; its softphone the newest; 0 sessions removes them', () => {
    let now = 10_000;
    const peers = new PeerSessions({ self, now: () => now });
    const changed: string[] = [];
    peers.on('changed', (u) => changed.push(u));
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1, softphoneSince: 500 }, { userId: 'carol', sessions: 2 }]));
    assert.equal(peers.online('bob'), true);
    assert.equal(peers.online('carol'), true);
    assert.equal(peers.online('alice'), false);
    assert.deepEqual(peers.softphone('bob'), { instanceId: 'gw-b', since: 500 });
    assert.equal(peers.softphone('carol'), undefined, 'carol has no softphone there');
    assert.deepEqual(changed, ['bob', 'carol']);
    // the same again: nothing changed, nothing announced
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1, softphoneSince: 500 }]));
    assert.deepEqual(changed, ['bob', 'carol']);
    now += 100;
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 0 }]));
    assert.equal(peers.online('bob'), false);
    assert.deepEqual(changed, ['bob', 'carol', 'bob']);
    peers.close();
  });

  it('ignores its own run; a newer run of an instance replaces the older (restart); an older one is ignored', () => {
    const peers = new PeerSessions({ self, now: () => 0 });
    peers.sessions(msg(self, [{ userId: 'alice', sessions: 1 }]));
    assert.equal(peers.online('alice'), false, 'our own message');
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1 }]));
    peers.heartbeat({ ...other, startedAt: 3000, at: 0, intervalMs: 1000 });
    assert.equal(peers.online('bob'), false, 'the restarted run has not said bob is there');
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1 }]));
    assert.equal(peers.online('bob'), false, 'a message of the older run');
    peers.close();
  });

  it('a run silent for 3 heartbeat intervals loses its users; an entry not repeated for 3 refresh rounds goes', () => {
    let now = 0;
    const peers = new PeerSessions({ self, now: () => now });
    peers.heartbeat({ ...other, at: 0, intervalMs: 1000 });
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1 }, { userId: 'carol', sessions: 1 }], 1000));
    now = 2500;
    peers.heartbeat({ ...other, at: 0, intervalMs: 1000 });
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1 }], 1000));
    peers.sweep();
    assert.equal(peers.online('carol'), true, 'within 3 rounds');
    now = 3100;
    peers.sweep();
    assert.equal(peers.online('carol'), false, 'not repeated for 3 rounds');
    assert.equal(peers.online('bob'), true);
    now = 5600;
    peers.sweep();
    assert.equal(peers.online('bob'), false, 'the run went silent');
    assert.deepEqual(peers.peers(), []);
    peers.close();
  });
});

describe('PeerSessions: capabilities of the other gateways\' clients', () => {
  const audio = { eClientCapabilities: [1], customCapabilities: [] };
  const video = { eClientCapabilities: [1, 2], customCapabilities: [{ key: 'x-client', value: 'web' }] };

  it('keeps each run\'s sum; a changed sum, a user gone and a run gone each emit "capabilities" once; the same again emits nothing', () => {
    let now = 0;
    const peers = new PeerSessions({ self, now: () => now });
    const third = { instanceId: 'gw-c', startedAt: 3000 };
    const told: string[] = [];
    peers.on('capabilities', (u) => told.push(u));
    peers.heartbeat({ ...other, at: 0, intervalMs: 1000 });
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1, capabilities: audio }, { userId: 'carol', sessions: 1 }]));
    peers.sessions(msg(third, [{ userId: 'bob', sessions: 1, capabilities: video }]));
    assert.deepEqual(peers.capabilities('bob'), [audio, video]);
    assert.deepEqual(peers.capabilities('carol'), [], 'carol declared nothing there');
    assert.deepEqual(told, ['bob', 'bob']);
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 1, capabilities: audio }]));
    assert.deepEqual(told, ['bob', 'bob'], 'the same sum again');
    peers.sessions(msg(other, [{ userId: 'bob', sessions: 2, capabilities: video }]));
    assert.deepEqual(told, ['bob', 'bob', 'bob'], 'a new sum');
    peers.sessions(msg(third, [{ userId: 'bob', sessions: 0 }]));
    assert.deepEqual(peers.capabilities('bob'), [video]);
    assert.deepEqual(told, ['bob', 'bob', 'bob', 'bob'], 'bob left gw-c');
    now = 3500;
    peers.sweep();
    assert.deepEqual(peers.capabilities('bob'), [], 'gw-b went silent');
    assert.deepEqual(told, ['bob', 'bob', 'bob', 'bob', 'bob'], 'once for bob, nothing for carol (she had none)');
    peers.close();
  });
});

describe('IncomingCallRouter', () => {
  const request = { callId: 'c1', lineId: 'line-bob', from: '100', mediaNodeId: 'm1', forwardHops: 0 } as unknown as IncomingCallRequest;
  const lines = { getById: async () => ({ ownerUserId: 'bob' }) } as unknown as LineStore;
  const setup = (local: number | undefined, remote: { instanceId: string; since: number } | undefined, peerIds = ['gw-b']) => {
    const decided: string[] = [];
    const peers = { peers: () => peerIds, softphone: () => remote } as unknown as PeerSessions;
    const announcer = { softphoneSince: () => local } as unknown as SessionAnnouncer;
    const router = new IncomingCallRouter({ self, lines, peers, announcer, yieldMs: 200, logger: testLogger('router'), decide: async (r) => (decided.push(r.callId), { accept: true }) });
    return { router, decided };
  };

  it('alone: decides at once', async () => {
    const { router, decided } = setup(undefined, undefined, []);
    assert.deepEqual(await router.route(request), { accept: true });
    assert.deepEqual(decided, ['c1']);
  });

  it('the owner\'s softphone here and none (or an older one) elsewhere: decides at once', async () => {
    for (const remote of [undefined, { instanceId: 'gw-b', since: 5 }]) {
      const { router, decided } = setup(10, remote);
      const t0 = Date.now();
      await router.route(request);
      assert.ok(Date.now() - t0 < 150, 'no wait');
      assert.deepEqual(decided, ['c1']);
    }
  });

  it('the owner\'s newest softphone on another gateway: stays silent (BusNoReply), offers nothing here', async () => {
    const { router, decided } = setup(5, { instanceId: 'gw-b', since: 10 });
    await assert.rejects(router.route(request), BusNoReply);
    assert.deepEqual(decided, []);
  });

  it('no softphone of the owner anywhere: the first gateway by id decides at once, the others after the grace', async () => {
    const first = setup(undefined, undefined, ['gw-b']);
    let t0 = Date.now();
    await first.router.route(request);
    assert.ok(Date.now() - t0 < 150, 'gw-a is first: no wait');
    const later = setup(undefined, undefined, ['gw-0']);
    t0 = Date.now();
    await later.router.route(request);
    assert.ok(Date.now() - t0 >= 399, 'gw-0 is first: gw-a waits twice the yield');
    assert.deepEqual(later.decided, ['c1']);
  });
});

describe('JournalLeader', () => {
  it('the lowest live instance id consumes; a lower run appearing stops it, that run going silent starts it again', async () => {
    let now = 0;
    const peers = new PeerSessions({ self, now: () => now });
    const calls: string[] = [];
    const writer = { start: async () => void calls.push('start'), stop: () => void calls.push('stop') };
    const leader = new JournalLeader({ self, peers, writer, running: true, logger: testLogger('journal-leader') });
    leader.start();
    assert.equal(leader.leading, true, 'alone');
    peers.heartbeat({ ...other, at: 0, intervalMs: 1000 });
    assert.equal(leader.leading, true, 'gw-b is after gw-a');
    peers.heartbeat({ instanceId: 'gw-0', startedAt: 1, at: 0, intervalMs: 1000 });
    assert.equal(leader.leading, false, 'gw-0 leads');
    now = 5000;
    peers.heartbeat({ ...other, at: 0, intervalMs: 1000 });
    peers.sweep();
    assert.equal(leader.leading, true, 'gw-0 silent: gw-a leads again');
    assert.deepEqual(calls, ['stop', 'start']);
    leader.close();
    peers.close();
  });

  it("taking over from a run that went down, it starts once that run's unacknowledged events are due again (last heard + ack wait + 0.5 s); a lower run appearing meanwhile cancels", async () => {
    let now = 0;
    const peers = new PeerSessions({ self, now: () => now });
    const started: number[] = [];
    const writer = { start: async () => void started.push(Date.now()), stop: () => undefined };
    const leader = new JournalLeader({ self, peers, writer, running: false, ackWaitMs: 3200, logger: testLogger('journal-leader') });
    peers.heartbeat({ instanceId: 'gw-0', startedAt: 1, at: 0, intervalMs: 1000 });
    leader.start();
    assert.equal(leader.leading, false, 'gw-0 leads');
    now = 3100;
    const downAt = Date.now();
    peers.sweep();
    assert.equal(leader.leading, false, 'not at once: gw-0\'s events are not due yet');
    await check(() => started.length === 1, 3000, { name: 'the delayed start', intervalMs: 10 });
    const waited = started[0]! - downAt;
    assert.ok(waited >= 550 && waited < 1500, `started ${waited} ms after gw-0 went down (3200 + 500 - 3100 = 600)`);
    assert.equal(leader.leading, true);
    leader.close();
    peers.close();

    // A lower run appears during the wait: this one does not start.
    let later = 0;
    const peers2 = new PeerSessions({ self, now: () => later });
    const started2: number[] = [];
    const leader2 = new JournalLeader({ self, peers: peers2, writer: { start: async () => void started2.push(1), stop: () => undefined }, running: false, ackWaitMs: 3200, logger: testLogger('journal-leader') });
    peers2.heartbeat({ instanceId: 'gw-0', startedAt: 1, at: 0, intervalMs: 1000 });
    leader2.start();
    later = 3100;
    peers2.sweep();
    peers2.heartbeat({ instanceId: 'gw-00', startedAt: 1, at: 0, intervalMs: 1000 });
    await new Promise((r) => setTimeout(r, 900));
    assert.deepEqual(started2, [], 'gw-00 leads now');
    assert.equal(leader2.leading, false);
    leader2.close();
    peers2.close();
  });
});
