import { randomUUID } from 'node:crypto';
import { BusNoRespondersError, excerpt } from '@ucserver/shared';
import { dialTarget, lineNumberFrom } from '../cti/ctiMapping.ts';
import { clientReasonOf } from '../errors.ts';
import type { LineView } from '../lines/LineStore.ts';
import { AsnAVDropReason, AsnAVMakeCallErrorEnum, AsnAVMessageType, type ArgumentOf, type EventHandlers, type InvokeHandlers, type ResultOf } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import { isHoldDirection, offeredDirection, offersVideo } from './sdpDirection.ts';
import { SDP, SoftphoneCall } from './SoftphoneCall.ts';
import type { AvOperationsDeps } from './SoftphoneServiceTypes.ts';

const GENERAL = AsnAVMakeCallErrorEnum.general;

/**
 * What a softphone asks of the server (the asnAV* invokes and events from the client): ICE servers, an
 * outgoing call (the SDP offer to a media node, the call to the pbx-adapter), ringing and answering an
 * offered call, trickle ICE and ICE-restart re-offers, hold and retrieve, hang-up.
 */
export class AvOperations {
  readonly #deps: AvOperationsDeps;

  constructor(deps: AvOperationsDeps) {
    this.#deps = deps;
  }

  operations(): { invokes: Partial<InvokeHandlers<ClientSession>>; events: Partial<EventHandlers<ClientSession>> } {
    const { media, pbx, softphoneCalls: calls, logger } = this.#deps;
    return {
      invokes: {
        asnAVGetIceServers: () => ({ iceServers: this.#deps.config.ICE_SERVERS.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) })) }),
        asnAVMakeCallV2: (arg, session) => this.#makeCall(arg, session),
      },
      events: {
        asnAVAlertV2: async (arg, session) => {
          const call = calls.find(session, arg.u8sCallID);
          if (!call || call.direction !== 'inbound' || call.alerted) return;
          call.alerted = true;
          await pbx.alert(call.callId).catch((err: unknown) => logger.warn({ err, callId: call.callId }, 'alert failed'));
        },

        asnAVConnectV2: async (arg, session) => {
          const call = calls.find(session, arg.u8sCallID);
          if (!call || call.direction !== 'inbound' || call.answered) return;
          call.answered = true;
          // Answered: a no-answer forward must not redirect it now (the 200 may already be on its way).
          this.#deps.forwarding.forget(call.callId);
          call.video = offersVideo(arg.u8sBody);
          // The softphone's answer to the node and the 200 to the PBX side by side (issue 16: one node round
          // trip fewer before the caller hears the answer): the 200 carries the node's answer to the PBX's
          // offer, made when the call was offered. An answer the node refuses hangs the answered call up
          // (a BYE once the PBX ACKs), as a refused answer ended it before (a 480).
          const [applyErr, answerErr] = await Promise.all([
            media.softphoneApplyAnswer(call.mediaNodeId, call.callId, arg.u8sBody).then(() => undefined, (err: unknown) => err as Error),
            pbx.answer(call.callId).then(() => undefined, (err: unknown) => err as Error),
          ]);
          const err = applyErr ?? answerErr;
          if (!err) return;
          logger.warn({ err, callId: call.callId }, 'answer failed, dropping the call');
          call.sendDrop(`answer failed: ${clientReasonOf(err)}`, AsnAVDropReason.NORMAL_CALL_CLEARING);
          await pbx.drop(call.callId, applyErr ? 'media-failure' : 'normal').catch((e: unknown) => logger.warn({ err: e, callId: call.callId }, 'drop after a failed answer failed'));
        },

        asnAVCallMessageV2: async (arg, session) => {
          const call = calls.find(session, arg.u8sCallID);
          if (!call) return;
          if (arg.messageType === AsnAVMessageType.ICE_CANDIDATE_SDP && arg.iceCandidate) {
            const { candidate, sdpMid, sdpMLineIndex } = arg.iceCandidate;
            await media.softphoneCandidate(call.mediaNodeId, call.callId, { candidate, sdpMid, sdpMLineIndex })
              .catch((err: unknown) => logger.debug({ err, callId: call.callId }, 'candidate refused'));
          } else if (arg.messageType === AsnAVMessageType.ICE_CANDIDATE_END) {
            await media.softphoneCandidate(call.mediaNodeId, call.callId, null)
              .catch((err: unknown) => logger.debug({ err, callId: call.callId }, 'end of candidates refused'));
          } else if (arg.messageType === AsnAVMessageType.REINVITE_OFFER || arg.messageType === AsnAVMessageType.RENEGOTIATE_OFFER) {
            await this.#reoffer(call, arg.messageType, arg.u8sBody);
          } else if (arg.messageType === AsnAVMessageType.REINVITE_ANSWER || arg.messageType === AsnAVMessageType.RENEGOTIATE_ANSWER || arg.messageType === AsnAVMessageType.RENEGOTIATE_DECLINE) {
            // The softphone's reply to our own re-offer (SoftphoneRenegotiation).
            const answer = arg.messageType !== AsnAVMessageType.RENEGOTIATE_DECLINE && arg.u8sBody ? arg.u8sBody : undefined;
            if (!this.#deps.renegotiation.replied(call, answer)) logger.debug({ callId: call.callId }, 're-offer reply without a re-offer of ours');
          } else {
            logger.debug({ callId: call.callId, messageType: arg.messageType }, 'AV call message ignored');
          }
        },

        asnAVDropCall: async (arg, session) => {
          const avCallId = 'u8sCallID' in arg.dropTarget ? arg.dropTarget.u8sCallID : arg.dropTarget.connectionID.u8sCallID;
          const call = avCallId ? calls.find(session, avCallId) : undefined;
          if (!call) return;
          call.droppedByClient = true;
          const reason = arg.iAvDropReason === AsnAVDropReason.BUSY ? 'busy' : arg.iAvDropReason === AsnAVDropReason.REJECT ? 'decline' : 'normal';
          // Rejecting a ringing call on a line with a busy forward forwards it instead.
          const busyTarget = call.direction === 'inbound' && !call.answered ? this.#deps.forwarding.takeBusyTarget(call.callId) : undefined;
          if (busyTarget !== undefined && reason !== 'normal') {
            logger.info({ callId: call.callId, target: busyTarget }, 'rejected by the user: forwarding on busy');
            const redirected = await pbx.redirect(call.callId, busyTarget).then(() => true, (err: unknown) => {
              logger.warn({ err, callId: call.callId }, 'busy forward failed; rejecting');
              return false;
            });
            if (redirected) return;
          }
          await pbx.drop(call.callId, reason).catch((err: unknown) => {
            logger.warn({ err, callId: call.callId }, 'drop failed; closing media');
            void media.close(call.mediaNodeId, call.callId, 'drop failed');
            calls.forget(call);
          });
        },

        asnAVCallHoldV2: async (arg, session) => this.#holdFromClient(arg, session, true),
        asnAVCallRetrieveV2: async (arg, session) => this.#holdFromClient(arg, session, false),
        asnAVCallStateChanged: () => {},
      },
    };
  }

  async #makeCall(arg: ArgumentOf<'asnAVMakeCallV2'>, session: ClientSession): Promise<ResultOf<'asnAVMakeCallV2'>> {
    const { media, pbx, softphoneCalls: calls } = this.#deps;
    session.softphone = true;
    if (arg.u8sContentType && arg.u8sContentType !== SDP) throw new CtiRequestError(GENERAL, `unsupported content type '${excerpt(arg.u8sContentType)}'`);
    const line = await this.#lineFor(session, arg.u8sUriFrom);
    const target = dialTarget(arg.u8sUriTo);
    if (!target) throw new CtiRequestError(GENERAL, `cannot dial '${excerpt(arg.u8sUriTo)}'`);
    // A softphone dialling what CTI asked it to (remote make-call) keeps the CTI call id.
    const callId = (arg.bIsRemoteControlCallOut ? this.#deps.remote.claim(line.id, target) : undefined) ?? randomUUID();
    const origin = arg.bIsRemoteControlCallOut ? 'cti' : 'softphone';
    // A node nobody answers for (it died a moment ago: its heartbeats have not expired yet) is left out
    // and the call is placed again on the next one, once, rather than the user's call failing until
    // placement notices.
    for (let attempt = 1; ; attempt++) {
      let nodeId: string;
      try {
        nodeId = this.#deps.placement.pick();
      } catch (err) {
        throw new CtiRequestError(GENERAL, `no media node available: ${(err as Error).message}`, { cause: err });
      }
      const call = new SoftphoneCall({ callId, session, direction: 'outbound', mediaNodeId: nodeId, lineNumber: line.number, remoteNumber: target });
      call.video = offersVideo(arg.u8sBody);
      calls.add(call);
      // The softphone's offer and the call side by side (issue 16: one step fewer before the INVITE): the
      // adapter's PBX offer queues behind the softphone's on the node's call, and fails when it failed.
      const [offerErr, placeErr] = await Promise.all([
        media.softphoneOffer(nodeId, callId, arg.u8sBody).then(() => undefined, (err: unknown) => err as Error),
        pbx.makeCall({ callId, lineId: line.id, to: target, mediaNodeId: nodeId, origin }).then(() => undefined, (err: unknown) => err as Error),
      ]);
      if (!offerErr && !placeErr) {
        this.#deps.logger.info({ callId, lineId: line.id, to: target, nodeId }, 'softphone call placed');
        return call.madeCall;
      }
      calls.forget(call);
      if (!placeErr) await pbx.drop(callId, 'normal').catch((err: unknown) => this.#deps.logger.warn({ err, callId }, 'drop of a call without its media failed'));
      if (!offerErr) await media.close(nodeId, callId, 'make-call failed');
      if (!offerErr) throw new CtiRequestError(GENERAL, `call could not be placed: ${clientReasonOf(placeErr)}`, { cause: placeErr });
      if (attempt === 1 && offerErr.cause instanceof BusNoRespondersError) {
        this.#deps.placement.unreachable(nodeId);
        continue;
      }
      throw new CtiRequestError(GENERAL, `media refused the offer: ${clientReasonOf(offerErr)}`, { cause: offerErr });
    }
  }

  /** A line of the user to place a softphone call from: the one named in u8sUriFrom if theirs, else their first enabled line. */
  async #lineFor(session: ClientSession, uriFrom: string): Promise<LineView> {
    const user = session.requireUser;
    const own = (await this.#deps.lines.ownedBy(user.id)).filter((l) => l.enabled);
    const named = lineNumberFrom(uriFrom);
    const line = own.find((l) => l.number === named) ?? own[0];
    if (!line) throw new CtiRequestError(GENERAL, `no enabled line is assigned to '${user.login}'`);
    return line;
  }

  /**
   * The softphone re-offers: an ICE restart after a network change, or hold and retrieve the WebRTC way
   * (a=sendonly or inactive holds, a=sendrecv after such a hold retrieves). A hold or retrieve goes to the
   * PBX first, as asnAVCallHoldV2 does; then the media node answers (recvonly / sendrecv), or the
   * softphone gets RENEGOTIATE_DECLINE with the reason, so it never waits for an answer that cannot come.
   * Atomic: when the media node refuses the re-offer, the PBX hold (retrieve) is undone first.
   */
  async #reoffer(call: SoftphoneCall, messageType: number, sdp: string | undefined): Promise<void> {
    let reason: string;
    if (sdp) {
      // A sendonly re-offer holds a call not held on our side yet (by this softphone, or by CTI as the
      // pbx-adapter reports it); sendrecv retrieves only what the SDP held.
      const hold = isHoldDirection(offeredDirection(sdp));
      const toggles = hold ? !this.#heldHere(call) : call.heldBySdp;
      const before = { held: call.held, heldBySdp: call.heldBySdp };
      // A re-offer that adds video (upgrade) or sets it to port 0 (downgrade) goes to the PBX first, so
      // the media node answers the softphone with the video the far end agreed to.
      const video = offersVideo(sdp);
      try {
        if (toggles) await this.#holdAtPbx(call, hold, true);
        if (video !== call.video) await this.#deps.pbx.video(call.callId, video);
      } catch (err) {
        // The client gets the pbx-adapter's code and words, not our bus subjects.
        reason = clientReasonOf(err);
        this.#decline(call, reason);
        return;
      }
      try {
        const answer = await this.#deps.media.softphoneReoffer(call.mediaNodeId, call.callId, sdp);
        call.video = offersVideo(answer);
        const answerType = messageType === AsnAVMessageType.REINVITE_OFFER ? AsnAVMessageType.REINVITE_ANSWER : AsnAVMessageType.RENEGOTIATE_ANSWER;
        call.sendMessage(answerType, { u8sContentType: SDP, u8sBody: answer });
        return;
      } catch (err) {
        reason = clientReasonOf(err);
        if (toggles) reason = await this.#undoHold(call, hold, before, reason);
      }
    } else {
      reason = 'the re-offer has no SDP';
    }
    this.#decline(call, reason);
  }

  #decline(call: SoftphoneCall, reason: string): void {
    this.#deps.logger.info({ err: reason, callId: call.callId }, 'softphone re-offer declined');
    call.sendMessage(AsnAVMessageType.RENEGOTIATE_DECLINE, { u8sBody: reason.slice(0, 512) });
  }

  /**
   * The media node refused the SDP of a hold (retrieve) that the PBX already did: the PBX retrieves
   * (holds) again and the softphone's state is what it was, so PBX and media agree. Resolves to the
   * reason for the client, which says what happened at the PBX.
   */
  async #undoHold(call: SoftphoneCall, hold: boolean, before: { held: boolean; heldBySdp: boolean }, mediaReason: string): Promise<string> {
    const what = hold ? 'hold' : 'retrieve';
    try {
      await this.#deps.pbx.hold(call.callId, !hold);
      call.held = before.held;
      call.heldBySdp = before.heldBySdp;
      this.#deps.logger.info({ callId: call.callId, hold }, `media refused the ${what} re-offer: undone at the PBX`);
      return `${what} not done: the media node refused the re-offer (${mediaReason}); the PBX ${what} was undone`;
    } catch (err) {
      this.#deps.logger.warn({ err, callId: call.callId, hold }, `media refused the ${what} re-offer and undoing the ${what} at the PBX failed`);
      return `the media node refused the ${what} re-offer (${mediaReason}); undoing the ${what} at the PBX failed too (${clientReasonOf(err)}): the call stays ${hold ? 'held' : 'retrieved'} at the PBX`;
    }
  }

  /**
   * asnAVCallHoldV2 / asnAVCallRetrieveV2: hold or retrieve at the PBX, then the Ack. An SDP re-offer
   * with it (a=sendonly to hold, a=sendrecv to retrieve) is answered by the media node in the Ack. Atomic:
   * when the media node refuses that re-offer, the PBX hold (retrieve) is undone and the client gets no
   * Ack but RENEGOTIATE_DECLINE with the reason (as when the PBX refuses).
   */
  async #holdFromClient(arg: { u8sCallID: string; u8sContentType?: string; u8sBody?: string }, session: ClientSession, hold: boolean): Promise<void> {
    const call = this.#deps.softphoneCalls.find(session, arg.u8sCallID);
    if (!call) return;
    const before = { held: call.held, heldBySdp: call.heldBySdp };
    try {
      await this.#holdAtPbx(call, hold, Boolean(arg.u8sBody));
    } catch (err) {
      this.#deps.logger.warn({ err, callId: call.callId, hold }, 'hold from client failed');
      if (arg.u8sBody) call.sendMessage(AsnAVMessageType.RENEGOTIATE_DECLINE, { u8sBody: clientReasonOf(err).slice(0, 512) });
      return;
    }
    if (!arg.u8sBody || (arg.u8sContentType && arg.u8sContentType !== SDP)) {
      call.sendHoldAck(hold);
      return;
    }
    let answer: string;
    try {
      answer = await this.#deps.media.softphoneReoffer(call.mediaNodeId, call.callId, arg.u8sBody);
    } catch (err) {
      this.#decline(call, await this.#undoHold(call, hold, before, clientReasonOf(err)));
      return;
    }
    call.sendHoldAck(hold, answer);
  }

  /** The call is held on our side: by this softphone, or (as the pbx-adapter reports) by a CTI client. */
  #heldHere(call: SoftphoneCall): boolean {
    const side = this.#deps.calls.get(call.callId)?.hold;
    return call.held || side === 'local' || side === 'both';
  }

  /** Holds or retrieves the call at the PBX; remembers the softphone's hold, and whether its SDP said so. */
  async #holdAtPbx(call: SoftphoneCall, hold: boolean, bySdp: boolean): Promise<void> {
    await this.#deps.pbx.hold(call.callId, hold);
    call.held = hold;
    call.heldBySdp = hold && bySdp;
  }
}
