import type { Logger } from '@ucserver/shared';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { MediaClient } from '../bus/MediaClient.ts';
import { AsnAVMessageType } from '../protocol/mod.ts';
import { SDP, type SoftphoneCall } from './SoftphoneCall.ts';
import type { SoftphoneCalls } from './SoftphoneCalls.ts';

/** A softphone that does not answer our re-offer within this time keeps the session it has. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface SoftphoneRenegotiationDeps {
  softphoneCalls: SoftphoneCalls;
  media: Pick<MediaClient, 'softphoneCreateReoffer' | 'softphoneApplyReanswer'>;
  logger: Logger;
  answerTimeoutMs?: number | undefined;
}

/**
 * Server-initiated re-offers to a connected softphone (CtiCommands.renegotiate): when a PBX re-INVITE
 * added or removed video, the media node writes a new offer, it goes to the softphone as
 * asnAVCallMessageV2 REINVITE_OFFER, and the softphone's REINVITE_ANSWER (or RENEGOTIATE_ANSWER) is
 * applied on the node; a RENEGOTIATE_DECLINE, or no answer in time, leaves the session as it was. One
 * re-offer per call at a time.
 */
export class SoftphoneRenegotiation {
  readonly #deps: SoftphoneRenegotiationDeps;
  readonly #pending = new Map<string, (sdp: string | undefined) => void>();

  constructor(deps: SoftphoneRenegotiationDeps) {
    this.#deps = deps;
  }

  /** Re-offers to the call's softphone; resolves with whether it carries video now. */
  async renegotiate(callId: string): Promise<{ video: boolean }> {
    const call = this.#deps.softphoneCalls.get(callId);
    if (!call || call.ended) throw new NotFoundError('softphone call', callId);
    if (this.#pending.has(callId)) throw new ConflictError(`a re-offer to the softphone is already pending [callId:${callId}]`);
    const { media, logger } = this.#deps;
    const { sdp: offer } = await media.softphoneCreateReoffer(call.mediaNodeId, callId);
    if (offer === null) return { video: call.video };
    const answer = await this.#ask(call, offer);
    const { video } = await media.softphoneApplyReanswer(call.mediaNodeId, callId, answer ?? null);
    logger.info({ callId, answered: answer !== undefined, video }, 'softphone re-offered');
    call.video = video;
    return { video };
  }

  /**
   * The softphone's reply to our re-offer (an answer SDP, or undefined for a decline); false when no
   * re-offer of ours waits on the call (the reply is then to the softphone's own re-offer).
   */
  replied(call: SoftphoneCall, sdp: string | undefined): boolean {
    const settle = this.#pending.get(call.callId);
    if (!settle) return false;
    settle(sdp);
    return true;
  }

  #ask(call: SoftphoneCall, offer: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.#deps.answerTimeoutMs ?? ANSWER_TIMEOUT_MS);
      const settle = (sdp: string | undefined): void => {
        clearTimeout(timer);
        this.#pending.delete(call.callId);
        resolve(sdp);
      };
      this.#pending.set(call.callId, settle);
      call.sendMessage(AsnAVMessageType.REINVITE_OFFER, { u8sContentType: SDP, u8sBody: offer });
    });
  }
}
