export interface BaresipOptions {
  /** The line (SIP user), e.g. '200'. */
  user: string;
  password: string;
  /** Where to register: `host:port`, or anything with `host` and `port` (a Kamailio). */
  registrar: string | { host: string; port: number; domain?: string };
  /** SIP domain of the account (default: the registrar's `domain`, else its host:port). */
  domain?: string;
  /** SIP transport to the registrar (default udp). */
  transport?: 'udp' | 'tcp';
  /**
   * Audio source: a WAV (8 kHz mono; 16-bit PCM or G.711; see tones.writeToneWav), repeated to fill
   * `audioSeconds` and played from its start in every call. Default: silence.
   */
  playWav?: string;
  /**
   * Length of the audio source (default 120 s). baresip 1.x's aufile plays the file once and then ends
   * the call (AUDIO_ERROR "end of file", CALL_CLOSED "end of file"): keep calls shorter than this.
   */
  audioSeconds?: number;
  /** Echo mode: send back what is received (aubridge source = player) instead of playing a WAV. */
  echo?: boolean;
  /** Record each call's audio (sndfile): see {@link Baresip.recordings}. */
  recordWav?: boolean;
  /** 'auto' answers incoming calls at once (default); 'manual' waits for accept(). */
  answerMode?: 'auto' | 'manual';
  /** RTP port range (default: a free block of 20 ports picked at run time). */
  rtpPorts?: { min: number; max: number };
  /** Registration interval in seconds (default 600). */
  regint?: number;
  /** Bounded wait for ctrl_tcp and the registration (default 10 s). */
  readyTimeoutMs?: number;
}

/** The event types baresip's ctrl_tcp reports (ua_event names); others pass through as strings. */
export type BaresipEventType =
  | 'REGISTERING'
  | 'REGISTER_OK'
  | 'REGISTER_FAIL'
  | 'UNREGISTERING'
  | 'SHUTDOWN'
  | 'EXIT'
  | 'CALL_INCOMING'
  | 'CALL_RINGING'
  | 'CALL_PROGRESS'
  | 'CALL_ESTABLISHED'
  | 'CALL_CLOSED'
  | 'CALL_TRANSFER'
  | 'CALL_TRANSFER_FAILED'
  | 'CALL_DTMF_START'
  | 'CALL_DTMF_END'
  | 'CALL_RTCP'
  | 'CALL_MENC'
  | 'CALL_LOCAL_SDP'
  | 'CALL_REMOTE_SDP'
  | 'VU_TX'
  | 'VU_RX'
  | 'AUDIO_ERROR'
  | (string & {});

/** One ctrl_tcp event: `{"event":true,"type":"CALL_ESTABLISHED","class":"call",...}`. */
export interface BaresipEvent {
  type: BaresipEventType;
  class: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  /** baresip's call id (call events). */
  id?: string;
  /** Extra information, e.g. the reason of CALL_CLOSED ("Connection reset by peer" = remote BYE). */
  param?: string;
}

export interface BaresipEvents {
  event: [BaresipEvent];
}

/** The audio of one call as sndfile wrote it (16-bit PCM WAVs at the codec's rate). */
export interface BaresipRecording {
  /** What baresip received and decoded (the far end's audio). */
  received: string;
  /** What baresip encoded and sent. */
  sent: string;
}
