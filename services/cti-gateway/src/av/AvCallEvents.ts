import type { CallEvent } from '@ucserver/shared';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import { AsnAVDropReason } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import type { SoftphoneCall } from './SoftphoneCall.ts';
import type { AvCallEventsDeps } from './SoftphoneServiceTypes.ts';

const DROP_REASON_BY_CAUSE: Partial<Record<NonNullable<CallEvent['cause']>, number>> = {
  busy: AsnAVDropReason.BUSY,
  rejected: AsnAVDropReason.REJECT,
  cancelled: AsnAVDropReason.CANCEL,
};

/**
 * What the server tells a softphone about its calls (the asnAV* events to the client), driven by the
 * pbx-adapter's call events: ringing, the answer with the media node's SDP, the end. The answer of an
 * outgoing call goes out on whichever comes first: the media node's pushed answer for the PBX's 2xx
 * (MediaClient 'answered', one bus hop from the node) or the adapter's `connected`. It also ends calls
 * that can no longer work: media failed, the media node is gone, or the softphone disconnected.
 */
export class AvCallEvents {
  readonly #deps: AvCallEventsDeps;
  readonly #onCallChanged = (call: ActiveCall, event: CallEvent): void =>
    void this.#callChanged(call, event).catch((err: unknown) => this.#deps.logger.error({ err, callId: call.callId }, 'softphone call update failed'));
  readonly #onMediaFailed = (call: ActiveCall, cause: string): void => void this.#mediaFailed(call, cause);
  readonly #onAnswered = (callId: string): void =>
    void this.#connect(callId).catch((err: unknown) => this.#deps.logger.error({ err, callId }, 'softphone call connect failed'));
  readonly #onSessionClose = (session: ClientSession): void => this.#sessionClosed(session);
  readonly #onNodeDown = (nodeId: string, reason: string): void => this.#nodeDown(nodeId, reason);

  constructor(deps: AvCallEventsDeps) {
    this.#deps = deps;
    deps.calls.on('callchanged', this.#onCallChanged);
    deps.calls.on('mediafailed', this.#onMediaFailed);
    deps.media.on('answered', this.#onAnswered);
    deps.sessions.on('sessionclose', this.#onSessionClose);
    deps.placement.on('nodedown', this.#onNodeDown);
  }

  /** Stops following calls, sessions and media nodes. Idempotent. */
  close(): void {
    this.#deps.calls.off('callchanged', this.#onCallChanged);
    this.#deps.calls.off('mediafailed', this.#onMediaFailed);
    this.#deps.media.off('answered', this.#onAnswered);
    this.#deps.sessions.off('sessionclose', this.#onSessionClose);
    this.#deps.placement.off('nodedown', this.#onNodeDown);
  }

  async #callChanged(active: ActiveCall, event: CallEvent): Promise<void> {
    const call = this.#deps.softphoneCalls.get(active.callId);
    if (!call || call.ended) return;
    if (event.state === 'ringback' && call.direction === 'outbound' && !call.alerted && !call.answered) {
      call.alerted = true;
      call.sendAlert();
    } else if (event.state === 'connected') {
      await this.#connect(call.callId);
    } else if (event.state === 'disconnected') {
      if (!call.droppedByClient) {
        const reason = (event.cause && DROP_REASON_BY_CAUSE[event.cause]) ?? AsnAVDropReason.NORMAL_CALL_CLEARING;
        call.sendDrop(event.cause ?? 'normal', reason);
      }
      this.#deps.softphoneCalls.forget(call);
      this.#deps.media.forgetAnswer(call.callId); // pushed for early media of a call that then failed
    }
  }

  /** The far end answered an outgoing call: asnAVConnectV2 with the node's answer to the softphone, once. */
  async #connect(callId: string): Promise<void> {
    const call = this.#deps.softphoneCalls.get(callId);
    if (!call || call.ended || call.direction !== 'outbound' || call.answered) return;
    call.answered = true;
    try {
      call.sendConnect(await this.#deps.media.softphoneAnswer(call.mediaNodeId, call.callId));
    } catch (err) {
      this.#deps.logger.error({ err, callId: call.callId }, 'no SDP answer for the softphone; dropping the call');
      call.sendDrop('media failure', AsnAVDropReason.NORMAL_CALL_CLEARING);
      await this.#drop(call.callId, 'media-failure', 'drop after a missing answer failed');
    }
  }

  async #mediaFailed(active: ActiveCall, cause: string): Promise<void> {
    const call = this.#deps.softphoneCalls.get(active.callId);
    this.#deps.logger.warn({ callId: active.callId, cause }, 'media failed, dropping the call');
    if (call && !call.ended) call.sendDrop(`media failure: ${cause}`, AsnAVDropReason.NORMAL_CALL_CLEARING);
    if (call) call.droppedByClient = true;
    await this.#drop(active.callId, 'media-failure', 'drop after media failure failed');
  }

  /**
   * A media node stopped heartbeating (crashed, or restarted and lost its calls): every call it carried is
   * dead, whatever the SIP side thinks. Hang them up with cause 'media-failure' instead of leaving both
   * ends connected (the pbx-adapter, which hears the same heartbeats, does the same on its side). A NATS
   * outage of our own expires no node (BusOutageGuard), so this is never a bus outage in disguise.
   */
  #nodeDown(nodeId: string, reason: string): void {
    const cause = `media node ${nodeId} ${reason}`;
    const dead = new Set<string>();
    for (const call of this.#deps.softphoneCalls.onNode(nodeId)) dead.add(call.callId);
    for (const call of this.#deps.calls.list()) if (call.mediaNodeId === nodeId && call.state !== 'disconnected') dead.add(call.callId);
    for (const callId of dead) {
      const active = this.#deps.calls.get(callId);
      if (active) {
        void this.#mediaFailed(active, cause);
        continue;
      }
      // A softphone call the pbx-adapter has not reported yet.
      const call: SoftphoneCall = this.#deps.softphoneCalls.get(callId)!;
      call.sendDrop(cause, AsnAVDropReason.NORMAL_CALL_CLEARING);
      call.droppedByClient = true;
      void this.#drop(callId, 'media-failure', 'drop after the media node went down failed');
    }
  }

  #sessionClosed(session: ClientSession): void {
    for (const call of this.#deps.softphoneCalls.ofSession(session)) {
      call.droppedByClient = true;
      this.#deps.logger.info({ callId: call.callId }, 'softphone disconnected, hanging up its call');
      void this.#drop(call.callId, call.direction === 'inbound' && !call.answered ? 'unavailable' : 'normal', 'drop on disconnect failed');
    }
  }

  /** Hangs up on the PBX side where the softphone can no longer carry the call; a failure is logged. */
  async #drop(callId: string, reason: 'normal' | 'unavailable' | 'media-failure', failure: string): Promise<void> {
    await this.#deps.pbx.drop(callId, reason).catch((err: unknown) => this.#deps.logger.warn({ err, callId }, failure));
  }
}
