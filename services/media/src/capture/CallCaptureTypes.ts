import type { Logger, UdpEndpoint } from '@ucserver/shared';
import type { Consumer, Producer, Router } from 'mediasoup/types';

/** What a capture reads from its call (implemented by MediaCall). */
export interface CaptureSubject {
  readonly id: string;
  readonly router: Router | undefined;
  /** The softphone's microphone and the tuple ICE selected (browser → node). */
  readonly softphoneCapture: { producer: Producer | undefined; downlink: Consumer | undefined; browser: UdpEndpoint | undefined; node: UdpEndpoint } | undefined;
  /** The PBX leg: its Producer, its uplink, its local tuple and its remote (the PBX, or on Direct Media the partner's tuple). */
  readonly pbxCapture: { producer: Producer | undefined; uplink: Consumer | undefined; local: UdpEndpoint; remote: UdpEndpoint | undefined; rtcpMux: boolean } | undefined;
  /**
   * The PBX video leg (its own tuple), while the call carries video toward the PBX, with the softphone's
   * camera it forwards there.
   */
  readonly pbxVideoCapture: { producer: Producer | undefined; uplink: Consumer | undefined; local: UdpEndpoint; remote: UdpEndpoint | undefined; camera: Producer | undefined } | undefined;
  /** The call is on Direct Media: its PBX remote is the partner's tuple, inside this node. */
  readonly onDirectMedia: boolean;
  /** On Direct Media: the partner's softphone Producer (what crosses the link toward this call). */
  readonly directPartnerProducer: Producer | undefined;
}

export interface CallCaptureOptions {
  subject: CaptureSubject;
  logger: Logger;
  /** Microseconds since the epoch, the one clock of the file. */
  clock: () => bigint;
}

/** The file's interfaces, in id order; `sip` is first so SIP messages can be merged in later. */
export const CAPTURE_INTERFACES = [
  { name: 'sip', description: 'SIP messages of the call as the pbx-adapter sent and received them' },
  { name: 'softphone-leg', description: 'softphone leg (WebRTC): RTP after SRTP decryption, browser <-> media node (ICE tuple)' },
  { name: 'pbx-leg', description: 'PBX leg: RTP as received from and sent to the PBX (payload clear; SRTP not re-applied)' },
  { name: 'direct-link', description: 'Direct Media: the link between the two calls\' PBX tuples inside the media node' },
] as const;
export const IFACE = { sip: 0, softphone: 1, pbx: 2, link: 3 } as const;
