// window.ucsTest: read-only insight for the end-to-end tests (and for debugging from the console).
import { optionalParam } from './protocol.ts';
import type { Softphone } from './Softphone.ts';
import type { CallSnapshot, ConnectionState, RtpStats } from './SoftphoneTypes.ts';
import type { ToneLevel } from './ToneMeter.ts';

export interface UcsTestHook {
  state(): {
    connection: ConnectionState;
    user: string | undefined;
    lines: Array<{ uri: string; number: string; registration: string; openStatus: number }>;
    calls: CallSnapshot[];
    journal: Array<{ id: string; direction: 'inbound' | 'outbound'; number: string; line: string; durationConnected: number; answered: boolean; ended: boolean; cause: string | undefined; mediaPath: string | undefined }>;
    ringing: string;
  };
  /** The newest call (running or ended). */
  lastCall(): CallSnapshot | undefined;
  /**
   * Spectrum of the remote audio of the current call (or the call `key`): `share` of the power within
   * ±25 Hz of `frequency` over 100–4000 Hz, and the band/total levels in dBFS. Undefined without audio.
   */
  remoteAudioLevel(frequency: number, key?: string): Promise<ToneLevel | undefined>;
  /** RTP counters of the current call's peer connection. */
  rtpStats(key?: string): Promise<RtpStats | undefined>;
}

declare global {
  interface Window {
    ucsTest: UcsTestHook;
  }
}

export function installTestHook(phone: Softphone, session: () => { connection: ConnectionState; user: string | undefined; ringing: string }): void {
  window.ucsTest = {
    state: () => ({
      ...session(),
      lines: phone.lines.map((l) => ({ uri: l.uri, number: l.number, registration: l.registration, openStatus: l.openStatus })),
      calls: phone.calls.map((c) => phone.snapshot(c)),
      journal: phone.journal.map((e) => {
        const cause = optionalParam(e.optionalParams, 'DisconnectCause');
        const path = optionalParam(e.optionalParams, 'MediaPath');
        return {
          id: e.u8sConnectionID,
          direction: e.iOrigin === 1 ? 'outbound' : 'inbound',
          number: e.u8sPhoneNumber,
          line: e.u8sLineNumber,
          durationConnected: e.iDurationConnected,
          answered: !!e.stConnectTime,
          ended: !!e.stStopTime,
          cause: cause === undefined ? undefined : String(cause),
          mediaPath: path === undefined ? undefined : String(path),
        };
      }),
    }),
    lastCall: () => {
      const call = phone.calls[0];
      return call ? phone.snapshot(call) : undefined;
    },
    remoteAudioLevel: (frequency, key) => phone.remoteAudioLevel(frequency, key),
    rtpStats: (key) => phone.rtpStats(key),
  };
}
