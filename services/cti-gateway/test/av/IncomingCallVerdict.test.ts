// IncomingCallVerdict against real lines (the gateway's PGlite store) and a media node played on NATS:
// each refusal reason, the NO_CLIENT_POLICY choice, the offer to the newest softphone of the owner, and a
// media node that cannot make the offer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaCommands, UcsError, type BusClient } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { testLogger } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { IncomingCallVerdict } from '../../src/av/IncomingCallVerdict.ts';
import { SoftphoneCalls } from '../../src/av/SoftphoneCalls.ts';
import { MediaClient } from '../../src/bus/MediaClient.ts';
import { MediaCommandError } from '../../src/errors.ts';
import type { PendingForward } from '../../src/av/CallForwardingTypes.ts';
import type { LineView } from '../../src/lines/LineStore.ts';
import { SessionRegistry } from '../../src/session/SessionRegistry.ts';
import { peerBus, startGateway } from '../support.ts';
import { recordedSession } from './support.ts';

const NODE = 'node-verdict';

describe('IncomingCallVerdict', { timeout: 60_000 }, () => {
  let app: GatewayApp;
  let node: BusClient;
  let alice: UserRow;
  let line: LineView;
  let disabled: LineView;
  let unowned: LineView;

  const tracked: Array<[string, PendingForward]> = [];
  const verdict = (options: { policy?: 'ring' | 'reject'; sessions?: SessionRegistry; calls?: SoftphoneCalls; maxHops?: number } = {}) =>
    new IncomingCallVerdict({
      media: new MediaClient({ bus: app.bus!, logger: testLogger('media-client') }),
      lines: app.context.lines,
      sessions: options.sessions ?? new SessionRegistry(),
      config: { NO_CLIENT_POLICY: options.policy ?? 'reject', FORWARD_MAX_HOPS: options.maxHops ?? 2, FORWARD_NO_ANSWER_DEFAULT_S: 20 },
      routing: app.context.routing,
      forwarding: { track: (callId, pending) => void tracked.push([callId, pending]) },
      softphoneCalls: options.calls ?? new SoftphoneCalls(),
      logger: testLogger('verdict'),
    });
  const request = (lineId: string, callId = `in-${Date.now()}`, forwardHops = 0) => ({ callId, lineId, from: '555', to: '100', mediaNodeId: NODE, forwardHops });

  before(async () => {
    app = await startGateway();
    node = await peerBus(app);
    node.media(NODE).serve(MediaCommands.softphoneCreateOffer, (r) => {
      if (r.callId === 'no-offer') throw new UcsError('UCS_ERR_MEDIA_CALL_NOT_FOUND', 'no pbx leg');
      return { legId: `leg-${r.callId}`, sdp: `offer-${r.callId}` };
    });
    await node.flush();
    alice = await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    line = await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
    disabled = await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'alice', enabled: false });
    unowned = await app.context.lines.create({ number: '102', registrar: 'pbx' });
  });
  after(async () => {
    await node.close();
    await app.stop();
  });

  it('decide() for an unknown or disabled line refuses with unknown-line', async () => {
    assert.deepEqual(await verdict().decide(request('00000000-0000-0000-0000-000000000000')), { accept: false, reason: 'unknown-line' });
    assert.deepEqual(await verdict().decide(request(disabled.id)), { accept: false, reason: 'unknown-line' });
  });

  it('decide() for a line on do-not-disturb (stored) refuses with dnd; with a busy forward it redirects, past the hop limit it refuses', async () => {
    await app.context.routing.setDnd(line.id, true);
    try {
      assert.deepEqual(await verdict().decide(request(line.id)), { accept: false, reason: 'dnd' });
      await app.context.routing.setForward(line.id, { mode: 'busy', destination: '103', noAnswerS: 0 });
      assert.deepEqual(await verdict().decide(request(line.id)), { accept: false, reason: 'redirect', target: '103', mode: 'busy' });
      assert.deepEqual(await verdict({ maxHops: 2 }).decide(request(line.id, 'x', 2)), { accept: false, reason: 'dnd' });
    } finally {
      await app.context.routing.setDnd(line.id, false);
      await app.context.routing.removeForward(line.id);
    }
  });

  it('decide() for a line forwarded unconditionally redirects (without offering), up to FORWARD_MAX_HOPS', async () => {
    const sessions = new SessionRegistry();
    const phone = recordedSession(sessions, alice);
    await app.context.routing.setForward(line.id, { mode: 'immediate', destination: '104', noAnswerS: 0 });
    try {
      assert.deepEqual(await verdict({ sessions }).decide(request(line.id, 'fw', 1)), { accept: false, reason: 'redirect', target: '104', mode: 'immediate' });
      assert.equal(phone.transport.events('asnAVNewCallV2').length, 0);
      // The hop limit reached: offered on the line as if no forward were set.
      assert.deepEqual(await verdict({ sessions, maxHops: 1 }).decide(request(line.id, 'fw-limit', 1)), { accept: true });
      assert.equal(phone.transport.events('asnAVNewCallV2').length, 1);
    } finally {
      await app.context.routing.removeForward(line.id);
    }
  });

  it('decide() offering a call tracks its busy and no-answer forwards (own time, or the default)', async () => {
    const sessions = new SessionRegistry();
    recordedSession(sessions, alice);
    await app.context.routing.setForward(line.id, { mode: 'no-answer', destination: '105', noAnswerS: 3 });
    await app.context.routing.setForward(line.id, { mode: 'busy', destination: '106', noAnswerS: 0 });
    tracked.length = 0;
    try {
      assert.deepEqual(await verdict({ sessions }).decide(request(line.id, 'na')), { accept: true });
      assert.deepEqual(tracked, [['na', { busyTarget: '106', noAnswer: { target: '105', afterS: 3 } }]]);
      await app.context.routing.setForward(line.id, { mode: 'no-answer', destination: '105', noAnswerS: 0 });
      await verdict({ sessions }).decide(request(line.id, 'na-default'));
      assert.deepEqual(tracked[1], ['na-default', { busyTarget: '106', noAnswer: { target: '105', afterS: 20 } }]);
    } finally {
      await app.context.routing.removeForward(line.id);
    }
  });

  it('decide() without a softphone follows NO_CLIENT_POLICY: no-client, or ring on', async () => {
    const sessions = new SessionRegistry();
    recordedSession(sessions, alice, false); // a CTI client carries no audio
    assert.deepEqual(await verdict({ sessions }).decide(request(line.id)), { accept: false, reason: 'no-client' });
    assert.deepEqual(await verdict({ sessions, policy: 'ring' }).decide(request(line.id)), { accept: true });
    assert.deepEqual(await verdict({ policy: 'ring' }).decide(request(unowned.id)), { accept: true });
  });

  it('decide() with softphones offers the call to the newest one with the media offer and tracks it', async () => {
    const sessions = new SessionRegistry();
    const calls = new SoftphoneCalls();
    const older = recordedSession(sessions, alice);
    const newer = recordedSession(sessions, alice);
    const req = request(line.id, 'offered');
    assert.deepEqual(await verdict({ sessions, calls }).decide(req), { accept: true });
    const [offer] = newer.transport.events('asnAVNewCallV2');
    assert.equal(offer?.u8sBody, 'offer-offered');
    assert.equal(offer?.u8sUriFrom, 'tel:555');
    assert.equal(older.transport.events('asnAVNewCallV2').length, 0);
    assert.equal(calls.get('offered')?.session, newer.session);
    assert.equal(calls.get('offered')?.direction, 'inbound');
  });

  it('decide() whose media node cannot make the offer rejects with MediaCommandError, offers and tracks nothing', async () => {
    const sessions = new SessionRegistry();
    const calls = new SoftphoneCalls();
    const phone = recordedSession(sessions, alice);
    await assert.rejects(verdict({ sessions, calls }).decide(request(line.id, 'no-offer')), (e: unknown) => e instanceof MediaCommandError && e.remoteCode === 'UCS_ERR_MEDIA_CALL_NOT_FOUND');
    assert.equal(phone.transport.events('asnAVNewCallV2').length, 0);
    assert.equal(calls.get('no-offer'), undefined);
  });
});
