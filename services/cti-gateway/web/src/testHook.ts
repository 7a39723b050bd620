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
  /** Restarts ICE on the current call (or `key`), as after a network change; resolves with the node's ICE ufrag before and after. */
  restartIce(key?: string): Promise<{ before: string | undefined; after: string | undefined }>;
  /** The ICE username fragment the remote candidate of the selected pair uses: which credentials carry the media now. */
  selectedRemoteUfrag(key?: string): Promise<string | undefined>;
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
    restartIce: async (key) => {
      const call = key ? phone.calls.find((c) => c.key === key) : phone.currentCall;
      const ufrag = (): string | undefined => /^a=ice-ufrag:(\S+)/m.exec(call?.av?.pc?.remoteDescription?.sdp ?? '')?.[1];
      const before = ufrag();
      await phone.restartIce(key);
      return { before, after: ufrag() };
    },
    selectedRemoteUfrag: async (key) => {
      const call = key ? phone.calls.find((c) => c.key === key) : phone.currentCall;
      const pc = call?.av?.pc;
      if (!pc) return undefined;
      const report = await pc.getStats();
      let pairId: string | undefined;
      report.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      });
      const pair = pairId ? (report.get(pairId) as { remoteCandidateId?: string } | undefined) : undefined;
      const remote = pair?.remoteCandidateId ? (report.get(pair.remoteCandidateId) as { usernameFragment?: string } | undefined) : undefined;
      return remote?.usernameFragment;
    },
  };
}
