import type { UserRow } from '@ucserver/shared/db';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { PickupControl } from '../cti/CtiServiceTypes.ts';
import type { LineView } from '../lines/LineStore.ts';
import { AsnAVDropReason, AsnAVMessageType } from '../protocol/mod.ts';
import { CtiError, CtiRequestError } from '../session/CtiRequestError.ts';
import { SoftphoneCall } from './SoftphoneCall.ts';
import type { CallPickupDeps } from './SoftphoneServiceTypes.ts';

/**
 * The softphone side of a pickup (asnCtiPickupCall, authorised by CTI): the pbx-adapter moves the ringing
 * call to the picker's line (call.pickup; the INVITE stays unanswered), the ringing softphone is told the
 * call is gone (asnAVDropCall 'picked-up') and its forwards forgotten, and the media node's offer of the
 * same softphone leg — never answered by the colleague — goes to the picker's softphone with
 * REMOTE_ACCEPT, so it answers at once; its asnAVConnectV2 answers the INVITE (call.answer) as for any
 * incoming call. The media and the PBX leg stay as they are: only who holds the softphone end changes.
 */
export class CallPickup implements PickupControl {
  readonly #deps: CallPickupDeps;

  constructor(deps: CallPickupDeps) {
    this.#deps = deps;
  }

  async pickup(call: ActiveCall, line: LineView, picker: UserRow): Promise<void> {
    const session = this.#deps.sessions.softphoneOf(picker.id);
    if (!session) {
      throw new CtiRequestError(CtiError.generalerror, `no softphone of ${picker.login} is connected to take the call (a session that handles audio is needed)`);
    }
    const nodeId = call.mediaNodeId;
    if (!nodeId) throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' has no media yet; try again`);
    const ringing = this.#deps.softphoneCalls.get(call.callId);
    if (ringing?.answered) throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' was answered at line ${call.lineNumber} already`);
    // Out of the table while the adapter moves the call, so an answer of the ringing softphone in that
    // moment finds nothing to answer; back in when the move fails and the call rings on there.
    if (ringing) this.#deps.softphoneCalls.forget(ringing);
    try {
      await this.#deps.pbx.pickup(call.callId, line.id, line.number);
    } catch (err) {
      if (ringing) {
        ringing.ended = false;
        this.#deps.softphoneCalls.add(ringing);
      }
      throw err;
    }
    this.#deps.forwarding.forget(call.callId);
    if (ringing) {
      ringing.droppedByClient = true;
      ringing.sendDrop('picked-up', AsnAVDropReason.NORMAL_CALL_CLEARING);
    }
    let sdp: string;
    try {
      sdp = await this.#deps.media.softphoneCreateOffer(nodeId, call.callId);
    } catch (err) {
      // The call was moved already and nobody can take it now: end it rather than ring on for nobody.
      this.#deps.logger.warn({ err, callId: call.callId }, 'no offer for the picking softphone; dropping the call');
      await this.#deps.pbx.drop(call.callId, 'media-failure').catch((e: unknown) => this.#deps.logger.warn({ err: e, callId: call.callId }, 'drop after a failed pickup failed'));
      throw new CtiRequestError(CtiError.generalerror, `the call could not be handed to ${picker.login}'s softphone: ${(err as Error).message}`);
    }
    const taken = new SoftphoneCall({ callId: call.callId, session, direction: 'inbound', mediaNodeId: nodeId, lineNumber: line.number, remoteNumber: call.remoteNumber });
    this.#deps.softphoneCalls.add(taken);
    taken.sendOffer(sdp);
    taken.sendMessage(AsnAVMessageType.REMOTE_ACCEPT);
    this.#deps.logger.info({ callId: call.callId, line: line.number, picker: picker.login }, 'picked-up call offered to the picker\'s softphone');
  }
}
