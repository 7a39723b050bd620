export type PhoneCodec = 'opus' | 'PCMU' | 'PCMA' | 'G722';

export interface WeriftPhoneOptions {
  /** Audio codecs in preference order (default opus, PCMU). */
  codecs?: PhoneCodec[];
  /** Offer/accept telephone-event/8000 as payload type 126 (default true). */
  telephoneEvent?: boolean;
  /** Offer the MID, audio-level and abs-send-time header extensions as Chromium does (default true). */
  headerExtensions?: boolean;
}
