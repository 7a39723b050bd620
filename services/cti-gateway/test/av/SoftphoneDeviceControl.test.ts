// SoftphoneDeviceControl (third-party control of a softphone for CTI) with real lines and recorded
// client sessions: remote make-call reaches the owner's newest softphone and is claimed once by the
// matching asnAVMakeCallV2; remote answer reaches only a ringing inbound call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UserRow } from '@ucserver/shared/db';
import { testLogger } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { SoftphoneCall } from '../../src/av/SoftphoneCall.ts';
import { SoftphoneCalls } from '../../src/av/SoftphoneCalls.ts';
import { SoftphoneDeviceControl } from '../../src/av/SoftphoneDeviceControl.ts';
import type { ActiveCall } from '../../src/calls/CallRegistry.ts';
import type { LineView } from '../../src/lines/LineStore.ts';
import { AsnAVMessageType } from '../../src/protocol/mod.ts';
import { CtiRequestError } from '../../src/session/CtiRequestError.ts';
import { SessionRegistry } from '../../src/session/SessionRegistry.ts';
import { startGateway } from '../support.ts';
import { recordedSession } from './support.ts';

describe('SoftphoneDeviceControl', { timeout: 60_000 }, () => {
  let app: GatewayApp;
  let alice: UserRow;
  let line: LineView;
  let unowned: LineView;
  const active = (callId: string) => ({ callId }) as ActiveCall;

  before(async () => {
    app = await startGateway();
    alice = await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    line = await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
    unowned = await app.context.lines.create({ number: '102', registrar: 'pbx' });
  });
  after(async () => {
    await app.stop();
  });

  it('remoteMakeCall() without a softphone of the owner rejects with CtiRequestError', async () => {
    const sessions = new SessionRegistry();
    recordedSession(sessions, alice, false);
    const devices = new SoftphoneDeviceControl(sessions, { softphoneCalls: new SoftphoneCalls(), logger: testLogger() });
    await assert.rejects(devices.remoteMakeCall(line, '101'), (e: unknown) => e instanceof CtiRequestError && e.iErrorDetail === 1 && /no softphone is connected for line 100/.test(e.message));
    await assert.rejects(devices.remoteMakeCall(unowned, '101'), CtiRequestError);
  });

  it('remoteMakeCall() asks the newest softphone to dial; claim() hands its id out once, for that line and target only', async () => {
    const sessions = new SessionRegistry();
    recordedSession(sessions, alice);
    const phone = recordedSession(sessions, alice);
    const devices = new SoftphoneDeviceControl(sessions, { softphoneCalls: new SoftphoneCalls(), logger: testLogger() });
    const callId = await devices.remoteMakeCall(line, '101');
    const [request] = phone.transport.events('asnAVNewCallV2');
    assert.equal(request?.u8sCTIConnectionID, callId);
    assert.equal(request?.bIsRemoteControlCallOut, true);
    assert.equal(request?.u8sUriFrom, 'tel:100');
    assert.equal(request?.u8sUriTo, 'tel:101');
    assert.equal(devices.claim(line.id, '102'), undefined);
    assert.equal(devices.claim(unowned.id, '101'), undefined);
    assert.equal(devices.claim(line.id, '101'), callId);
    assert.equal(devices.claim(line.id, '101'), undefined);
  });

  it('remoteAnswer() tells the ringing softphone REMOTE_ACCEPT; an unknown or outgoing call rejects with CtiRequestError', () => {
    const sessions = new SessionRegistry();
    const phone = recordedSession(sessions, alice);
    const calls = new SoftphoneCalls();
    calls.add(new SoftphoneCall({ callId: 'in1', session: phone.session, direction: 'inbound', mediaNodeId: 'n1', lineNumber: '100', remoteNumber: '555' }));
    calls.add(new SoftphoneCall({ callId: 'out1', session: phone.session, direction: 'outbound', mediaNodeId: 'n1', lineNumber: '100', remoteNumber: '555' }));
    const devices = new SoftphoneDeviceControl(sessions, { softphoneCalls: calls, logger: testLogger() });
    devices.remoteAnswer(active('in1'));
    assert.deepEqual(phone.transport.events('asnAVCallMessageV2').map((m) => [m.u8sCallID, m.messageType]), [['av-in1', AsnAVMessageType.REMOTE_ACCEPT]]);
    assert.throws(() => devices.remoteAnswer(active('out1')), CtiRequestError);
    assert.throws(() => devices.remoteAnswer(active('nope')), CtiRequestError);
  });
});
