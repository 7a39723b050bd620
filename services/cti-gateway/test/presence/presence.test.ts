import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, type BusClient, type CallEvent } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError, type EnetucClient } from '../../src/client/EnetucClient.ts';
import type { LineView } from '../../src/lines/LineStore.ts';
import type { AsnUpdatePresenceV2Argument } from '../../src/protocol/mod.ts';
import { peerBus, startGateway, tcpClient } from '../support.ts';

const AVAILABLE = 0x1;
const BUSY_CALL = 0x0400_0002;
const RINGING = 0x0100_0001;
const DND = 0x4;
const OFFLINE = 0x0800_0000;

/** The presence updates `client` received about `contact`, in order. */
function updates(client: EnetucClient, contact: string): AsnUpdatePresenceV2Argument[] {
  return client.received.filter((e) => e.name === 'asnUpdatePresenceV2').map((e) => e.argument as AsnUpdatePresenceV2Argument).filter((a) => a.presence.u8sContactId === contact);
}

/**
 * Presence V2 end to end: two real client sessions on TCP 7222, call events on the real bus (as the
 * pbx-adapter publishes them), DND through CTI.
 */
describe('presence V2 over TCP with a real bus', () => {
  let app: GatewayApp;
  let peer: BusClient;
  let bobLine: LineView;
  let seq = 0;
  const publish = async (callId: string, state: CallEvent['state']): Promise<void> => {
    seq += 1;
    await peer.publishDurable(CallTopics.event, { callId, lineId: bobLine.id, lineNumber: '101', seq, at: Date.now(), state, direction: 'inbound', remoteNumber: '100', ...(state === 'disconnected' ? { cause: 'normal' as const } : {}) });
  };

  /** The previous test's sessions are gone and their changes sent, so they cannot show up in this one. */
  const quiet = async (): Promise<void> => {
    await check(() => app.context.sessions.size === 0, 5000, { name: 'no sessions left' });
    await app.presence?.settled();
  };

  before(async () => {
    // a window wide enough that a burst published back to back falls into one, even on a loaded machine
    app = await startGateway({ PRESENCE_MAX_SUBSCRIPTIONS: '3', PRESENCE_COALESCE_MS: '400' });
    peer = await peerBus(app);
    await app.context.users.create({ login: 'alice', password: 'alice-pw', displayName: 'Alice A' });
    await app.context.users.create({ login: 'bob', password: 'bob-pw', displayName: 'Bob B' });
    for (const login of ['carol', 'dave', 'erin']) await app.context.users.create({ login, password: 'pw' });
    await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
    bobLine = await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'bob' });
  });
  after(async () => {
    await peer.close();
    await app.stop();
  });

  it('alice watches bob: offline, online, ringing, busy, hold, free, DND, offline — each change once, in order', async (t) => {
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    const result = await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['sip:bob@ucserver.local', 'alice', 'nobody'] });
    assert.deepEqual(result.seqSubscribedPresence.map((p) => [p.u8sContactId, p.iPresenceState]), [['bob', OFFLINE], ['alice', AVAILABLE]]);
    const bobNow = result.seqSubscribedPresence[0]!;
    assert.equal(bobNow.asnRemoteContact?.u8sDisplayName, 'Bob B');
    assert.equal(bobNow.asnRemoteContact?.u8sPhoneBusiness, '101');
    assert.deepEqual(bobNow.seqPhoneLines, [{ u8sLinePhoneNumber: 'tel:101', u8sLineNumber: '101', iState: 1, iDoNotDisturb: 0, iForwardFeaturesPBX: 0 }]);

    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.u8sContactId === 'bob' && a.presence.iPresenceState === AVAILABLE);

    await publish('call-p1', 'offering');
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === RINGING);
    await publish('call-p1', 'connected');
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === BUSY_CALL);
    await publish('call-p1', 'held');
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.seqCalls?.[0]?.eCallState === 128);
    await publish('call-p1', 'disconnected');
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === AVAILABLE && a.presence.seqCalls?.[0]?.iAction === 2);

    await bob.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === DND && a.presence.seqPhoneLines?.[0]?.iDoNotDisturb === 1);
    await bob.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false });
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === AVAILABLE && a.presence.seqPhoneLines?.[0]?.iDoNotDisturb === 0);

    bob.close();
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.u8sContactId === 'bob' && a.presence.iPresenceState === OFFLINE);
    await app.presence?.settled();

    const states = updates(alice, 'bob').map((u) => u.presence.iPresenceState).filter((s) => s !== undefined);
    assert.deepEqual(states, [AVAILABLE, RINGING, BUSY_CALL, AVAILABLE, DND, AVAILABLE, OFFLINE], 'every change once, in order');
    const calls = updates(alice, 'bob').flatMap((u) => u.presence.seqCalls ?? []).map((c) => `${c.iAction}:${c.eCallState}`);
    assert.deepEqual(calls, ['1:2', '3:32', '3:128', '2:256']);
    assert.equal(updates(alice, 'alice').length, 0, 'alice herself did not change');
  });

  it('a burst of call changes reaches a subscriber as one coalesced update with the final state', async (t) => {
    await quiet();
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => bob.close());
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'] });
    for (const s of ['offering', 'connected', 'held', 'connected', 'held', 'connected'] as const) await publish('call-burst', s);
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === BUSY_CALL);
    await app.presence?.settled();
    const got = updates(alice, 'bob');
    assert.equal(got.length, 1, `6 changes within the window → 1 update (got ${got.length})`);
    assert.deepEqual(got[0]!.presence.seqCalls?.map((c) => [c.iAction, c.eCallState]), [[1, 32]]);
    await publish('call-burst', 'disconnected');
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.iPresenceState === AVAILABLE);
  });

  it('five changes a second: one update per change, never more', async (t) => {
    await quiet();
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => bob.close());
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'] });
    const states = ['offering', 'connected', 'held', 'connected', 'held', 'connected', 'held', 'connected', 'held', 'disconnected'] as const; // 200 ms apart: some share a 400 ms window
    for (const s of states) {
      await publish('call-5hz', s);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The last change (disconnected) may still be on its way (bus, gateway, socket) on a loaded machine:
    // wait for it to reach the client, then for any update still pending, and count.
    await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.u8sContactId === 'bob' && a.presence.iPresenceState === AVAILABLE);
    await app.presence?.settled();
    await new Promise((r) => setTimeout(r, 500));
    const got = updates(alice, 'bob');
    assert.ok(got.length <= states.length, `${states.length} changes → ${got.length} updates`);
    assert.equal(got.at(-1)!.presence.iPresenceState, AVAILABLE);
    console.log(`presence: ${states.length} call changes at 5/s → ${got.length} asnUpdatePresenceV2`);
  });

  it('iContactDetailsReturnFilter trims the result, iEventFlagsToSubscribe the updates (here: absent state only)', async (t) => {
    await quiet();
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => bob.close());
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    const r = await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'], iEventFlagsToSubscribe: 16, iContactDetailsReturnFilter: 1 });
    assert.deepEqual(r.seqSubscribedPresence, [{ u8sContactId: 'bob', iPresenceState: AVAILABLE }]);
    await publish('call-flags', 'offering');
    await publish('call-flags', 'connected');
    await bob.invoke('asnSetUserAbsentState', { absentstate: { u8sContactId: '', eAbsentState: 2 } });
    const got = await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.u8sContactId === 'bob');
    await app.presence?.settled();
    assert.deepEqual(got, { presence: { u8sContactId: 'bob', asnAbsentState: { u8sContactId: 'bob', eAbsentState: 2 } }, iChangedFlags: 16 });
    assert.equal(updates(alice, 'bob').length, 1, 'no call or presence-state updates');
    await bob.invoke('asnResetUserAbsentState', { u8sContactId: '' });
    await publish('call-flags', 'disconnected');
  });

  it('an admin renaming a user reaches subscribers (data and note sections); removing one ends its subscriptions', async (t) => {
    await quiet();
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['erin'] });
    await app.context.users.update('erin', { displayName: 'Erin E' });
    const renamed = await alice.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.u8sContactId === 'erin');
    assert.equal(renamed.iChangedFlags, 2 | 32, 'contact data, and the note (it carries the user name)');
    assert.equal(renamed.presence.asnRemoteContact?.u8sDisplayName, 'Erin E');
    assert.equal(renamed.presence.asnCustomNote?.u8sUsername, 'Erin E');
    assert.equal(app.presence?.size, 1);
    await app.context.users.remove('erin');
    assert.equal(app.presence?.size, 0);
    await app.context.users.create({ login: 'erin', password: 'pw' });
  });

  it('asnGetLoggedInContactV2 carries what presence shows of the user: names, numbers, lines with DND, forwards and calls', async (t) => {
    await quiet();
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(async () => {
      await bob.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false });
      await bob.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' });
      bob.close();
    });
    await bob.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
    await bob.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102', optionalParams: { ForwardMode: 3, NoAnswerTime: 5 } });
    await publish('call-me', 'offering');
    await publish('call-me', 'connected');
    await check(() => app.context.calls.get('call-me')?.state === 'connected', 5000, { name: 'call connected' });

    const { u8sLoggedInUser, ownContact: me } = await bob.invoke('asnGetLoggedInContactV2', {});
    const presence = (await bob.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'] })).seqSubscribedPresence[0]!;
    assert.equal(u8sLoggedInUser, 'bob');
    assert.equal(me.u8sContactId, presence.u8sContactId);
    assert.equal(me.iPresenceState, presence.iPresenceState);
    assert.equal(me.iPresenceState, 0x0400_0004, 'DND while on the phone');
    assert.deepEqual(me.asnRemoteContact, presence.asnRemoteContact);
    assert.deepEqual(me.asnRemoteContact, { u8sDisplayName: 'Bob B', u8sCtiServerUserName: 'bob', u8sPhoneBusiness: '101' });
    assert.deepEqual(me.asnAbsentState, presence.asnAbsentState);
    assert.deepEqual(me.asnCustomNote, presence.asnCustomNote);
    assert.equal(me.seqPhoneLines.length, presence.seqPhoneLines?.length, 'the same lines as presence');
    const [line] = me.seqPhoneLines;
    assert.deepEqual(
      [line?.iType, line?.u8sLinePhoneNumber, line?.u8sNumber, line?.u8sDescriptor, line?.iState, line?.bDoNotDisturb],
      [1, 'tel:101', '101', '101', 1, true],
    );
    assert.deepEqual(line?.seqLineForwards.map((f) => [f.iForwardMode, f.u8sDestination, f.iNoAnswerTime]), [[4, '102', 5]], 'no-answer forward after 5 s');
    assert.deepEqual(presence.seqLineForwards?.map((f) => [f.iForwardMode, f.u8sDestination, f.iNoAnswerTime]), [[4, '102', 5]]);
    assert.deepEqual(line?.seqCalls.map((c) => [c.u8sConnectionID, c.iCallState, c.bOutbound, c.u8sCurrentNumberSC, c.u8sContactChangedId]), [['call-me', 32, false, '100', 'bob']]);
    assert.deepEqual(presence.seqCalls?.map((c) => [c.u8sConnectionID, c.eCallState]), [['call-me', 32]]);
    assert.ok(me.iStaticRights & 0x0200_0000, 'audio calls (the softphone)');
    await publish('call-me', 'disconnected');
  });

  it('unsubscribe stops updates; subscriptions per session are bounded', async (t) => {
    await quiet();
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob', 'carol', 'dave'] });
    await assert.rejects(alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['erin'] }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 4);
    assert.deepEqual(await alice.invoke('asnUnsubscribePresence', { seqContactIDs: ['bob'] }), { iResult: 0 });
    const r = await alice.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['erin'] });
    assert.equal(r.seqSubscribedPresence.length, 1);
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    bob.close();
    await app.presence?.settled();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(updates(alice, 'bob').length, 0, 'no updates about bob after unsubscribe');
    assert.equal(app.presence?.size, 3);
    alice.close();
    await check(() => app.presence?.size === 0, 5000, { name: 'subscriptions end with the session' });
  });
});
