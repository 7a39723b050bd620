import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CtiCommands } from '@ucserver/shared';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError, type EnetucClient } from '../../src/client/EnetucClient.ts';
import { tcpClient } from '../support.ts';
import { NODE, type Peers } from '../av/Peers.ts';
import { startCallFlows, type CallFlows } from '../av/support.ts';

const NO_AUDIO = (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1 && /no session that handles audio/.test(e.message) && /CTI-only session cannot place the call/.test(e.message);

/**
 * Client capabilities decide which sessions are softphones: AV calls (asnAVNewCallV2, incoming or CTI
 * driven) go only to sessions that said they handle audio — in the negotiate step (eSOFTPHONE) or with
 * asnSetClientCapabilitiesV2 (bAudio). Media node and pbx-adapter are bus peers (NATS contract).
 */
describe('client capabilities and softphone selection', () => {
  let flows: CallFlows;
  let app: GatewayApp;
  let peers: Peers;
  let alice: EnetucClient;
  let lineB: string;
  before(async () => {
    flows = await startCallFlows();
    ({ app, peers, alice, lineB } = flows);
    await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    await app.context.lines.create({ number: '102', registrar: 'pbx', ownerLogin: 'carol' });
  });
  after(() => flows.close());

  it("a CTI-only session's asnCtiMakeCall without any softphone of its user fails with a clear error", async (t) => {
    const cti = await tcpClient(app);
    t.after(() => cti.close());
    await cti.login('carol', 'carol-pw', { softphone: false });
    await assert.rejects(cti.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:102', u8sPhoneNumberTo: '100', iNumberFormat: 0 }), NO_AUDIO);
    assert.equal(cti.received.filter((e) => e.name === 'asnAVNewCallV2').length, 0);
  });

  it('asnCtiMakeCall drives the session that handles audio; asnSetClientCapabilitiesV2 moves that role, never to a session without audio', async (t) => {
    const cti = await tcpClient(app);
    t.after(() => cti.close());
    await cti.login('alice', 'alice-pw', { softphone: false });
    const first = await cti.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:100', u8sPhoneNumberTo: '101', iNumberFormat: 0 });
    await alice.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === first.u8sConnectionID);

    // alice's softphone says it handles video only: no audio session is left
    await alice.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [2], customCapabilities: [] } });
    await assert.rejects(cti.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:100', u8sPhoneNumberTo: '101', iNumberFormat: 0 }), NO_AUDIO);

    // the CTI session declares audio: it takes the calls now
    await cti.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [1], customCapabilities: [{ key: 'x-client', value: 'cli' }] } });
    const second = await cti.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:100', u8sPhoneNumberTo: '101', iNumberFormat: 0 });
    await cti.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === second.u8sConnectionID);
    assert.equal(alice.received.filter((e) => e.name === 'asnAVNewCallV2').length, 1, 'the video-only session got no second call');

    const caps = await flows.bob.invoke('asnGetClientCapabilitiesV2', { u8slistContactIDs: ['alice', 'nobody'] });
    assert.deepEqual(caps.capabilities, [{ u8sID: 'alice', capabilities: { eClientCapabilities: [1, 2], customCapabilities: [{ key: 'x-client', value: 'cli' }] } }]);
    // back to audio for the other tests
    await alice.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [1, 2], customCapabilities: [] } });
  });

  it('an incoming call is offered only to a session that handles audio, else refused (no client)', async (t) => {
    const bob = flows.bob;
    await bob.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [0], customCapabilities: [] } });
    const refused = await peers.bus.cti.request(CtiCommands.incomingCall, { callId: `cap-in-${Date.now()}`, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    assert.equal(refused.accept, false);
    assert.equal(bob.received.filter((e) => e.name === 'asnAVNewCallV2').length, 0);
    const watcher = await tcpClient(app, { user: 'carol', password: 'carol-pw' });
    t.after(() => watcher.close());
    await watcher.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'] });
    await bob.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [1], customCapabilities: [] } });
    const changed = await watcher.waitForEvent('asnClientCapabilitiesV2Changed');
    assert.deepEqual(changed.capabilities[0]!.capabilities.eClientCapabilities, [1]);
    const callId = `cap-in2-${Date.now()}`;
    const accepted = await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    assert.equal(accepted.accept, true);
    await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
  });
});
