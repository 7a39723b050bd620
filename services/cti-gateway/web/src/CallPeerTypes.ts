import type { AudioDevices } from './AudioDevices.ts';

export interface CallPeerOptions {
  iceServers: RTCIceServer[];
  /** The microphone for our track and the speaker for the remote audio. */
  devices: AudioDevices;
  /** The page's AudioContext (for the level meter of the remote audio). */
  audioContext: () => AudioContext;
  /** How long ICE gathering may take before the SDP goes out anyway (the rest is trickled). Default 2500 ms. */
  gatherMs?: number;
  /** How long the media node may take to answer our re-offer before it is rolled back. Default 10 000 ms. */
  reofferTimeoutMs?: number;
}

/** What the peer tells its call (plain callbacks: one listener each, set by the owner). */
export interface CallPeerHandlers {
  /** Local candidates wait in the trickle queue (after our SDP went out): take them with `takeCandidates()`. */
  candidates(): void;
  /** ICE failed before any restart (the network under the call changed). */
  icefailed(): void;
  /** Something a view shows changed: remote audio, ICE or connection state, a re-offer settled. */
  change(): void;
}

/** The media node's reply to our re-offer: its answer, or its decline with the reason. */
export type ReofferReply = { answer: string } | { declined: string };

/** RTP counters of a call's peer connection (RTP streams and the DTLS transport under them). */
export interface RtpStats {
  packetsReceived: number;
  bytesReceived: number;
  packetsSent: number;
  transportBytesReceived: number;
  transportBytesSent: number;
  codec: string | undefined;
}

/** Video counters of a call's peer connection (what we see, and what we send). */
export interface VideoStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  keyFramesDecoded: number;
  /** PLIs we sent (key frame requests). */
  pliSent: number;
  framesEncoded: number;
  sentWidth: number;
  codec: string | undefined;
}
