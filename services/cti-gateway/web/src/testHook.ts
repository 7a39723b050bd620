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
  /**
   * The best state among the candidate pairs of the current ICE generation (our local ufrag now): 'succeeded'
   * means checks with the credentials of the last offer/answer got answers. Which succeeded pair Chromium
   * then selects is its own choice (after a restart it may stay on the old one while that still works).
   */
  currentGenerationPair(key?: string): Promise<string | undefined>;
  /** Every ICE candidate pair of the call (state, nomination, ports, remote ufrag), for failure messages. */
  icePairs(key?: string): Promise<string[]>;
}

declare global {
  interface Window {
    ucsTest: UcsTestHook;
  }
}

export function installTestHook(phone: Softphone, session: () => { connection: ConnectionState; user: string | undefined; ringing: string }): void {
  const callOf = (key: string | undefined) => (key ? phone.calls.find((c) => c.key === key) : phone.currentCall);
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
      const call = callOf(key);
      const ufrag = (): string | undefined => /^a=ice-ufrag:(\S+)/m.exec(call?.av?.pc?.remoteDescription?.sdp ?? '')?.[1];
      const before = ufrag();
      await phone.restartIce(key);
      return { before, after: ufrag() };
    },
    currentGenerationPair: async (key) => {
      const pc = callOf(key)?.av?.pc;
      const ufrag = /^a=ice-ufrag:(\S+)/m.exec(pc?.localDescription?.sdp ?? '')?.[1];
      if (!pc || !ufrag) return undefined;
      const report = await pc.getStats();
      let best: string | undefined;
      report.forEach((s: { type: string; state?: string; localCandidateId?: string }) => {
        if (s.type !== 'candidate-pair') return;
        const local = report.get(s.localCandidateId ?? '') as { usernameFragment?: string } | undefined;
        if (local?.usernameFragment === ufrag && best !== 'succeeded') best = s.state;
      });
      return best;
    },
    icePairs: async (key) => {
      const pc = callOf(key)?.av?.pc;
      if (!pc) return [];
      const report = await pc.getStats();
      type Cand = { port?: number; usernameFragment?: string; protocol?: string };
      const out: string[] = [];
      report.forEach((s: { type: string; id: string; state?: string; nominated?: boolean; localCandidateId?: string; remoteCandidateId?: string; selectedCandidatePairId?: string; bytesReceived?: number; responsesReceived?: number; requestsSent?: number }) => {
        if (s.type === 'transport') out.push(`transport selected=${s.selectedCandidatePairId} ice=${pc.iceConnectionState}`);
        if (s.type !== 'candidate-pair') return;
        const l = report.get(s.localCandidateId ?? '') as Cand | undefined;
        const r = report.get(s.remoteCandidateId ?? '') as Cand | undefined;
        out.push(`${s.id} ${s.state} nominated=${s.nominated} ${l?.protocol}:${l?.port}(${l?.usernameFragment}) -> ${r?.port}(${r?.usernameFragment}) req=${s.requestsSent} resp=${s.responsesReceived} bytesIn=${s.bytesReceived}`);
      });
      return out;
    },
  };
}
