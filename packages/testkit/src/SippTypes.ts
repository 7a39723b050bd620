import type { SipMessage } from './sipMessages.ts';

/** The scenarios shipped in infra/pbx/sipp/ (see the comment at the top of each), or a path to an XML file. */
export type SippScenario = 'register' | 'uac' | 'uac-rtp' | 'uac-reinvite' | 'uac-cancel' | 'uas' | (string & {});

export interface SippOptions {
  scenario: SippScenario;
  /** The remote side, `host:port` or anything with `host` and `port` (a Kamailio); absent for a pure UAS. */
  target?: string | { host: string; port: number };
  /** `-s`: the request-URI user (the called line; the line a REGISTER registers). */
  service?: string;
  /** `-au`/`-ap`: digest credentials for 401/407 challenges. */
  auth?: { user: string; password: string };
  /** `-set NAME VALUE`: the scenario's global variables (e.g. from, rtpport, holdms, expires). */
  vars?: Record<string, string | number>;
  /** `-p`: the local SIP port; 0 or absent = a free one picked at run time. */
  localPort?: number;
  /** `-m`: stop after this many calls (default 1). */
  calls?: number;
  /** `-r`: calls per second (default SIPp's 10). */
  rate?: number;
  /** `-l`: maximum simultaneous calls. */
  limit?: number;
  /** SIP transport (default udp): `-t u1` / `-t t1`. */
  transport?: 'udp' | 'tcp';
  /** Files written to SIPp's working directory before the start (e.g. uac.wav for uac-rtp). */
  files?: Record<string, Buffer | string>;
  /** Hard bound for the whole run (SIPp -timeout, then SIGKILL); default 20 s. */
  timeoutMs?: number;
  /** Extra raw SIPp arguments. */
  args?: string[];
}

/** Counters from SIPp's final statistics (-trace_stat CSV, cumulative). */
export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  failedUnexpectedMessage: number;
  failedTimeoutOnRecv: number;
  failedMaxUdpRetrans: number;
  /** Every cumulative column of the CSV by its name without "(C)". */
  raw: Record<string, string>;
}

export interface SippResult {
  /**
   * SIPp's exit code: 0 all calls succeeded, 1 at least one failed, 97 exit on internal command,
   * 99 normal exit without calls processed, 255 fatal error, 254 fatal error binding a socket;
   * null if killed.
   */
  exitCode: number | null;
  /** exitCode === 0. */
  ok: boolean;
  stats: SippStats | undefined;
  /** Every SIP message sent and received (-trace_msg). */
  messages: SipMessage[];
  localPort: number;
  /** SIPp's working directory (traces, log); removed by dispose() unless TEST_KEEP_DIRS is set. */
  dir: string;
  /** The tail of SIPp's output and error trace, for assertion messages. */
  log: string;
}
