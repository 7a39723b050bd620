import { AsnAVMediaType, AsnAVMessageType, type AsnAVCallMessageV2Argument } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';

/** Content type of every SDP body of the AV operations. */
export const SDP = 'application/sdp';

export interface SoftphoneCallInit {
  /** The call id on the bus, also the CTI connection id the client sees. */
  callId: string;
  session: ClientSession;
  direction: 'inbound' | 'outbound';
  mediaNodeId: string;
  /** Our line's number. */
  lineNumber: string;
  /** The far end's number. */
  remoteNumber: string;
}

/**
 * One softphone's side of a call: the AV ids the client sees, where its media lives, how far it got, and
 * the AV events the server sends it about the call (each carries the same ids, so they are built here).
 */
export class SoftphoneCall {
  readonly callId: string;
  /** `u8sCallID` of every AV message of the call. */
  readonly avCallId: string;
  readonly session: ClientSession;
  /** The client's endpoint id (per session) and the server's one for the far end (per call). */
  readonly clientEndpoint: string;
  readonly remoteEndpoint: string;
  readonly direction: 'inbound' | 'outbound';
  readonly mediaNodeId: string;
  readonly clientUri: string;
  readonly remoteUri: string;
  alerted = false;
  answered = false;
  /** The client itself hung up (or can no longer hear of the call): it needs no asnAVDropCall back. */
  droppedByClient = false;
  /** The softphone held the call (asnAVCallHoldV2, or its SDP) and has not retrieved it. */
  held = false;
  /** …and did so with its SDP (a=sendonly/inactive): its next sendrecv re-offer retrieves the call. */
  heldBySdp = false;
  /** The softphone's last SDP took video (an active video m-line): a re-offer that changes it upgrades or downgrades at the PBX. */
  video = false;
  ended = false;

  constructor(init: SoftphoneCallInit) {
    this.callId = init.callId;
    this.avCallId = `av-${init.callId}`;
    this.session = init.session;
    this.clientEndpoint = clientEndpointOf(init.session);
    this.remoteEndpoint = `ep-pbx-${init.callId.slice(0, 8)}`;
    this.direction = init.direction;
    this.mediaNodeId = init.mediaNodeId;
    this.clientUri = `tel:${init.lineNumber}`;
    this.remoteUri = `tel:${init.remoteNumber}`;
  }

  /** The make-call result: the AV ids of the new outgoing call. */
  get madeCall(): { callAndConnectionID: { u8sCallID: string; u8sEndpointID: string }; u8sCTIConnectionID: string } {
    return { callAndConnectionID: { u8sCallID: this.avCallId, u8sEndpointID: this.clientEndpoint }, u8sCTIConnectionID: this.callId };
  }

  /** Offers the incoming call with the media node's SDP (asnAVNewCallV2). */
  sendOffer(sdp: string): void {
    this.session.sendEvent('asnAVNewCallV2', {
      ...this.madeCall,
      callType: AsnAVMediaType.eMEDIATYPESIP,
      u8sUriFrom: this.remoteUri,
      endpointIDFrom: this.remoteEndpoint,
      u8sUriTo: this.clientUri,
      u8sContentType: SDP,
      u8sBody: sdp,
      u8sCaps: 'HOLD',
    });
  }

  /** The far end rings (outgoing call). */
  sendAlert(): void {
    this.session.sendEvent('asnAVAlertV2', { ...this.#ids(), u8sContentType: '', u8sBody: '' });
  }

  /** The far end answered (outgoing call): the media node's SDP answer. */
  sendConnect(sdp: string): void {
    this.session.sendEvent('asnAVConnectV2', {
      u8sCallID: this.avCallId,
      endpointIDTo: this.clientEndpoint,
      connectedEndPointID: this.remoteEndpoint,
      callType: AsnAVMediaType.eMEDIATYPESIP,
      u8sUriTo: this.clientUri,
      u8sContentType: SDP,
      u8sBody: sdp,
    });
  }

  /** An asnAVCallMessageV2 of the given type (re-offer answers and declines, remote accept). */
  sendMessage(messageType: number, body: Pick<AsnAVCallMessageV2Argument, 'u8sContentType' | 'u8sBody'> = {}): void {
    this.session.sendEvent('asnAVCallMessageV2', { ...this.#ids(), messageType, ...body });
  }

  /** Confirms the client's hold or retrieve; `answerSdp` answers the SDP re-offer it came with. */
  sendHoldAck(hold: boolean, answerSdp?: string): void {
    const messageType = hold ? AsnAVMessageType.REMOTE_HOLD_ACK : AsnAVMessageType.REMOTE_RETRIEVE;
    const body = answerSdp === undefined ? {} : { u8sContentType: SDP, u8sBody: answerSdp };
    this.session.sendEvent(hold ? 'asnAVCallHoldAckV2' : 'asnAVCallRetrieveAckV2', { ...this.#ids(), messageType, ...body });
  }

  /** Tells the client the call is gone (`reason`: AsnAVDropReason). */
  sendDrop(cause: string, reason: number): void {
    this.session.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: this.avCallId }, u8sCause: cause, iAvDropReason: reason });
  }

  #ids(): { u8sCallID: string; endpointIDTo: string; endpointIDFrom: string; u8sUriTo: string } {
    return { u8sCallID: this.avCallId, endpointIDTo: this.clientEndpoint, endpointIDFrom: this.remoteEndpoint, u8sUriTo: this.clientUri };
  }
}

/** The endpoint id of a client session in AV messages. */
export function clientEndpointOf(session: ClientSession): string {
  return `ep-${session.id.slice(0, 16)}`;
}
