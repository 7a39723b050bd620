// The web softphone names ENetUC operations and values in its own small table (web/src/protocol.ts: the
// browser project cannot import the gateway's schemas). This checks that table against the server's
// operation registry and enumerations, and how the page uses each operation against its kind and
// direction, so the two cannot drift apart.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVENT_INVOKE_ID } from '../../src/codec/mod.ts';
import {
  AsnAbsentStateEnum,
  AsnForwardMode,
  AsnPresenceStateEnum,
  AsnPresenceStateFlags,
  AsnPresenceSubscriptionFlags,
  EnumForwardModes,
  AsnAVDropReason,
  AsnAVMediaType,
  AsnAVMessageType,
  AsnCtiLineOpenStatus,
  EnumCallState,
  findOperation,
  isOperationName,
  type AnyOperation,
} from '../../src/protocol/mod.ts';
import { presenceBadge } from '../../web/src/Presence.ts';
import * as presence from '../../web/src/presenceProtocol.ts';
import * as web from '../../web/src/protocol.ts';

const webSrc = fileURLToPath(new URL('../../web/src/', import.meta.url));
const sources = readdirSync(webSrc).filter((f) => f.endsWith('.ts')).map((f) => ({ file: f, text: readFileSync(webSrc + f, 'utf8') }));

/** Every operation name the page's code uses in a given way (`<regex with one group>`), with its file. */
function used(pattern: RegExp): Array<{ name: string; file: string }> {
  return sources.flatMap(({ file, text }) => [...text.matchAll(pattern)].map((m) => ({ name: m[1]!, file })));
}

function operation(name: string): AnyOperation {
  assert.ok(isOperationName(name), `${name} is not an operation of the server`);
  return findOperation(name)!;
}

describe('web softphone protocol table', () => {
  test('every operation id of web/src/protocol.ts is the server registry\'s id for that name', () => {
    for (const [name, id] of Object.entries(web.Op)) assert.equal(id, operation(name).id, name);
  });

  test('what the page invokes are invokes, what it sends as events are client events, both in its table', () => {
    const invoked = used(/\.invoke(?:<[^(]*>)?\(\s*'(asn\w+)'/g);
    const sent = used(/\.sendEvent\(\s*'(asn\w+)'/g);
    assert.ok(invoked.length >= 10 && sent.length >= 5, `found ${invoked.length} invokes, ${sent.length} events`);
    for (const { name, file } of invoked) {
      assert.ok(name in web.Op, `${file}: ${name} is not in Op`);
      assert.equal(operation(name).kind, 'invoke', `${file}: ${name} is invoked but is an event`);
    }
    for (const { name, file } of sent) {
      const op = operation(name);
      assert.ok(name in web.Op, `${file}: ${name} is not in Op`);
      assert.equal(op.kind, 'event', `${file}: ${name} is sent as an event but is an invoke`);
      assert.notEqual(op.direction, 'server-to-client', `${file}: ${name} goes from the server to the client only`);
    }
  });

  test('the events the page handles are events the server sends, all in its table (it names them by id too)', () => {
    // handled in a switch (`case 'asnX':`) or a handler table (`asnX: (a) => …`)
    const handled = [...used(/case '(asn\w+)':/g), ...used(/^\s+(asn\w+): \(\w*\) =>/gm)];
    assert.ok(handled.length >= 8, `found ${handled.length} handled events`);
    for (const { name, file } of handled) {
      const op = operation(name);
      assert.ok(name in web.Op, `${file}: ${name} is not in Op`);
      assert.equal(op.kind, 'event', `${file}: ${name}`);
      assert.notEqual(op.direction, 'client-to-server', `${file}: ${name} never comes from the server`);
    }
  });

  test('the values the page uses equal the server\'s enumerations', () => {
    assert.equal(web.EVENT_INVOKE_ID, EVENT_INVOKE_ID);
    assert.equal(web.AV_CALL_TYPE_SIP, AsnAVMediaType.eMEDIATYPESIP);
    assert.deepEqual(web.CallStateCode, {
      destroyed: EnumCallState.eCALLSTATEDESTROYED,
      offering: EnumCallState.eCALLSTATEOFFERING,
      dialing: EnumCallState.eCALLSTATEDIALING,
      ringback: EnumCallState.eCALLSTATERINGBACK,
      busy: EnumCallState.eCALLSTATEBUSY,
      connected: EnumCallState.eCALLSTATECONNECTED,
      conferenced: EnumCallState.eCALLSTATECONFERENCED,
      held: EnumCallState.eCALLSTATEHOLD,
      disconnected: EnumCallState.eCALLSTATEDISCONNECTED,
    });
    assert.deepEqual(web.LineOpenStatus, {
      disconnected: AsnCtiLineOpenStatus.lineStatusDisconnected,
      closed: AsnCtiLineOpenStatus.lineStatusClosed,
      open: AsnCtiLineOpenStatus.lineStatusOpen,
      openNoPhone: AsnCtiLineOpenStatus.lineStatusOpenNoPhoneConnected,
      noPbxConnection: AsnCtiLineOpenStatus.lineStatusOpenNoPBXConnection,
      pbxLoginFailed: AsnCtiLineOpenStatus.lineStatusOpenPBXLoginFailed,
    });
    assert.deepEqual(web.AvDropReason, {
      normal: AsnAVDropReason.NORMAL_CALL_CLEARING,
      busy: AsnAVDropReason.BUSY,
      cancel: AsnAVDropReason.CANCEL,
      reject: AsnAVDropReason.REJECT,
    });
    assert.deepEqual(web.AvMessageType, {
      iceCandidate: AsnAVMessageType.ICE_CANDIDATE_SDP,
      iceCandidateEnd: AsnAVMessageType.ICE_CANDIDATE_END,
      renegotiateDecline: AsnAVMessageType.RENEGOTIATE_DECLINE,
      reinviteOffer: AsnAVMessageType.REINVITE_OFFER,
      reinviteAnswer: AsnAVMessageType.REINVITE_ANSWER,
      remoteAccept: AsnAVMessageType.REMOTE_ACCEPT,
    });
  });

  test('the presence values the page uses equal the server\'s enumerations', () => {
    const S = AsnPresenceStateEnum;
    const F = AsnPresenceStateFlags;
    assert.deepEqual(presence.PresenceState, { uncontrolled: S.eUNCONTROLLED, available: S.eAVAILABLE, busy: S.eBUSY, absent: S.eABSENT, doNotDisturb: S.eDONOTDISTURB });
    assert.deepEqual(presence.PresenceFlag, { ringing: F.eRINGING, call: F.eCALL, offline: F.eOFFLINE, noteSet: F.eNOTESET });
    const A = AsnAbsentStateEnum;
    assert.deepEqual(presence.AbsentState, { notAbsent: A.eABSENTSTATENOTABSENT, outOfOffice: A.eABSENTSTATEOUTOFOFFICE, busy: A.eABSENTSTATEBUSY, doNotDisturb: A.eABSENTSTATEDONOTDISTURB, notSet: A.eABSENTSTATENOTSET });
    assert.deepEqual(presence.ForwardModeParam, { immediate: AsnForwardMode.iCTIFORWARDIMMEDIATE, busy: AsnForwardMode.iCTIFORWARDBUSY, noAnswer: AsnForwardMode.iCTIFORWARDNOANSW });
    assert.deepEqual(presence.ForwardModeBit, { immediate: EnumForwardModes.eFORWARDMODEIMMEDIATE, busy: EnumForwardModes.eFORWARDMODEBUSY, noAnswer: EnumForwardModes.eFORWARDMODENOANSW });
    const P = AsnPresenceSubscriptionFlags;
    assert.equal(presence.PRESENCE_SECTIONS, P.ePresenceSubscriptionPresence | P.ePresenceSubscriptionData | P.ePresenceSubscriptionAbsentstate | P.ePresenceSubscriptionNote | P.ePresenceSubscriptionPhoneLines | P.ePresenceSubscriptionPhoneCalls | P.ePresenceSubscriptionPhoneForwards);
  });

  test('the badge of each presence state the server computes', () => {
    const S = AsnPresenceStateEnum;
    const F = AsnPresenceStateFlags;
    const rows: Array<[number, string]> = [
      [S.eAVAILABLE, 'free'],
      [S.eAVAILABLE | F.eNOTESET, 'free'],
      [S.eAVAILABLE | F.eRINGING, 'ringing'],
      [S.eBUSY | F.eCALL, 'busy'],
      [S.eBUSY | F.eCALL | F.eRINGING, 'busy'],
      [S.eBUSY, 'busy'],
      [S.eABSENT, 'away'],
      [S.eABSENT | F.eCALL, 'busy'],
      [S.eDONOTDISTURB, 'dnd'],
      [S.eDONOTDISTURB | F.eCALL, 'dnd'],
      [S.eDONOTDISTURB | F.eOFFLINE, 'dnd'],
      [S.eUNCONTROLLED | F.eOFFLINE, 'offline'],
      [(S.eUNCONTROLLED | F.eOFFLINE | F.eNOTESET) >>> 0, 'offline'],
    ];
    for (const [state, badge] of rows) assert.equal(presenceBadge(state), badge, `0x${state.toString(16)}`);
  });
});
