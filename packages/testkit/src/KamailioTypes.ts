import type { Rtpengine } from './Rtpengine.ts';

/**
 * `media-via-pbx`: rtpengine rewrites every SDP and relays all RTP (kamailio -A WITH_RTPENGINE).
 * `direct-media`: SDP passes through untouched; RTP flows end to end.
 */
export type KamailioMode = 'media-via-pbx' | 'direct-media';

export interface KamailioOptions {
  mode: KamailioMode;
  /** UDP and TCP port; 0 or absent = a free one picked at run time. */
  port?: number;
  /** The address to listen on (default 127.0.0.1); a TestNetwork host's, with `netns`. */
  host?: string;
  /** Run it (and the rtpengine it starts itself) in this network namespace (a TestNetwork host's `netns`). */
  netns?: string;
  /**
   * The media relay for `media-via-pbx`. Absent: one is started for this instance and stopped with it
   * (then available as `kamailio.rtpengine`).
   */
  rtpengine?: Rtpengine;
  /**
   * Lines and their passwords, replacing infra/pbx/kamailio/users.cfg (100..103, 200 with "pw<line>").
   * Keys are line numbers or names ([A-Za-z0-9_.+-]).
   */
  users?: Record<string, string>;
  /**
   * The rule lines: every numeric user in [min, max] exists with password `${passwordPrefix}${line}`.
   * Default { min: 1000, max: 10999, passwordPrefix: 'pw' }.
   */
  lineRange?: { min: number; max: number; passwordPrefix?: string };
  /** An extra SIP domain/realm served (alias); default: the listen address only, realm = request domain. */
  domain?: string;
  /**
   * Also listen for SIP over TLS on a free port (`tlsPort`), presenting this PEM certificate and key;
   * Kamailio does not ask for or verify the peer's. Needs Debian's kamailio-tls-modules.
   */
  tls?: { certFile: string; keyFile: string };
  /** debug=3 and one log line per request/reply. Also on when TEST_PBX_DEBUG is set. */
  debug?: boolean;
  /** Bounded wait for readiness (OPTIONS answered, JSON-RPC up); default 10 s. */
  readyTimeoutMs?: number;
}

/** One binding of a line in Kamailio's location table (JSON-RPC ul.lookup). */
export interface KamailioContact {
  /** The Contact URI the UA registered. */
  address: string;
  /** Seconds until expiry. */
  expires: number;
  /** Where the REGISTER came from (`sip:IP:PORT[;transport=tcp]`), used as the destination. */
  received: string | undefined;
  callId: string | undefined;
  userAgent: string | undefined;
  socket: string | undefined;
}
