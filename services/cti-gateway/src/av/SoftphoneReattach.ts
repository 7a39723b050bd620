import { clientReasonOf } from '../errors.ts';
import { AsnAVMakeCallErrorEnum, type ArgumentOf, type ResultOf } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import { SoftphoneCall } from './SoftphoneCall.ts';
import type { SoftphoneReattachDeps } from './SoftphoneServiceTypes.ts';

const GENERAL = AsnAVMakeCallErrorEnum.general;

/**
 * Issue 18: a web softphone whose gateway died reconnected here with a call whose WebRTC media still runs
 * on the media node (the page kept its peer connection), and asks to carry it on (asnUcsReattachAVCall).
 * Everything needed is on the bus already: this gateway's call table holds every call (fed by the CALLS
 * stream: line, far end, media node, hold), the AV ids derive from the call id, and the pbx-adapter is
 * asked to make this run the call's owner, which cancels the end the former owner's loss would bring.
 * The media node's transport is untouched, so no ICE restart is needed and the journal row stays one.
 *
 * Only the user whose line carries the call may take it, and only an answered call (connected or held)
 * that no other live session here carries. A refusal changes nothing: the call ends as before once the
 * former owner's grace runs out.
 */
export class SoftphoneReattach {
  readonly #deps: SoftphoneReattachDeps;

  constructor(deps: SoftphoneReattachDeps) {
    this.#deps = deps;
  }

  async reattach(arg: ArgumentOf<'asnUcsReattachAVCall'>, session: ClientSession): Promise<ResultOf<'asnUcsReattachAVCall'>> {
    const { softphoneCalls, calls, lines, pbx, logger } = this.#deps;
    const user = session.requireUser;
    const callId = arg.u8sCTIConnectionID;
    if (!callId || (arg.u8sCallID && arg.u8sCallID !== `av-${callId}`)) throw new CtiRequestError(GENERAL, 'the AV call id does not name the connection');
    const carried = softphoneCalls.get(callId);
    if (carried && carried.session === session) return this.#result(carried);
    const active = calls.get(callId);
    // One answer for unknown and foreign calls: a client learns nothing about calls on others' lines.
    const own = active && (await lines.ownedBy(user.id)).some((l) => l.id === active.lineId);
    if (!active || !own) throw new CtiRequestError(GENERAL, `no call '${callId.slice(0, 64)}' on a line of yours`);
    if (active.state === 'disconnected') throw new CtiRequestError(GENERAL, `the call has ended (${active.cause ?? 'normal'})`);
    if (active.state !== 'connected' && active.state !== 'held') throw new CtiRequestError(GENERAL, `only an answered call can be re-attached (the call is ${active.state})`);
    if (carried && !carried.ended) throw new CtiRequestError(GENERAL, 'another client carries the call');
    if (!active.mediaNodeId) throw new CtiRequestError(GENERAL, 'the call has no media node');
    try {
      await pbx.reattach(callId);
    } catch (err) {
      throw new CtiRequestError(GENERAL, `the call could not be re-attached: ${clientReasonOf(err)}`, { cause: err });
    }
    // Checked again after the await: the call may have ended, or another request of the page won.
    const raced = softphoneCalls.get(callId);
    if (raced) {
      if (raced.session === session) return this.#result(raced);
      throw new CtiRequestError(GENERAL, 'another client carries the call');
    }
    session.softphone = true;
    const call = new SoftphoneCall({ callId, session, direction: active.direction, mediaNodeId: active.mediaNodeId, lineNumber: active.lineNumber, remoteNumber: active.remoteNumber });
    call.alerted = true;
    call.answered = true;
    call.held = active.hold === 'local' || active.hold === 'both';
    call.heldBySdp = call.held && arg.bHeld === true;
    call.video = arg.bVideo === true;
    softphoneCalls.add(call);
    logger.info({ callId, user: user.login, nodeId: active.mediaNodeId, state: active.state }, 'softphone call re-attached');
    return this.#result(call);
  }

  #result(call: SoftphoneCall): ResultOf<'asnUcsReattachAVCall'> {
    return { ...call.madeCall, endpointIDRemote: call.remoteEndpoint };
  }
}
