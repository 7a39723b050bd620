export type PhoneCodec = 'opus' | 'PCMU' | 'PCMA' | 'G722';

export interface WeriftPhoneOptions {
  /** Audio codecs in preference order (default opus, PCMU). */
  codecs?: PhoneCodec[];
  /** Offer/accept telephone-event/8000 as payload type 126 (default true). */
  telephoneEvent?: boolean;
  /** The local IPv4 address its ICE candidate uses (default 127.0.0.1; in a TestNetwork, the test's address). */
  address?: string;
  /** Offer the MID, audio-level and abs-send-time header extensions as Chromium does (default true). */
  headerExtensions?: boolean;
  /**
   * Keep every received packet in `received` (default true). False keeps none (a long call with many
   * phones would hold 50 packets a second each): only `receivedCount` grows, and `capture()` takes a window.
   */
  keepReceived?: boolean;
}
