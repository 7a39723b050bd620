export interface SsrcLearnerOptions {
  /** The PlainTransport's local IP and RTP port (bound with SO_REUSEADDR by mediasoup too). */
  localIp: string;
  localPort: number;
  /** The PBX's RTP address and port (from its SDP; symmetric RTP is assumed, as mediasoup does). */
  remoteIp: string;
  remotePort: number;
  /** Payload types that identify the PBX's media stream (not telephone-event alone). */
  payloadTypes: ReadonlySet<number>;
}

export interface SsrcLearnerEvents {
  /** The first RTP packet from the PBX arrived with this SSRC; the learner has closed itself. */
  ssrc: [ssrc: number, payloadType: number];
  /** The socket failed; the learner has closed itself. */
  error: [error: Error];
}
