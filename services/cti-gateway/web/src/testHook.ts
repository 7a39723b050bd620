// window.ucsTest: read-only insight for the end-to-end tests (and for debugging from the console).
import type { CallPeer } from './CallPeer.ts';
import { snapshotOf } from './phoneCalls.ts';
import { optionalParam } from './protocol.ts';
import type { Softphone } from './Softphone.ts';
import type { RtpStats, VideoStats } from './CallPeerTypes.ts';
import type { CallSnapshot, ConnectionState } from './SoftphoneTypes.ts';
import type { ToneLevel } from './ToneMeter.ts';

export interface UcsTestHook {
  state(): {
    connection: ConnectionState;
    user: string | undefined;
    /** What a reconnect signs in with: the last login token, or (a server without tokens) the password. */
    signInWith: 'token' | 'password' | undefined;
    lines: Array<{ uri: string; number: string; registration: string; openStatus: number }>;
    calls: CallSnapshot[];
    journal: Array<{ id: string; direction: 'inbound' | 'outbound'; number: string; line: string; durationConnected: number; answered: boolean; ended: boolean; cause: string | undefined; mediaPath: string | undefined; video: boolean }>;
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
  /** Video counters (frames decoded and their size, frames sent) of the current call's peer connection. */
  videoStats(key?: string): Promise<VideoStats | undefined>;
  /** Downgrades the current call (or `key`) to audio: video transceiver stopped, re-offer with the video m-line at port 0. */
  dropVideo(key?: string): Promise<void>;
  /** Upgrades the current call (or `key`) to video: a video m-line added by re-offer. */
  addVideo(key?: string): Promise<void>;
  /** Restarts ICE on the current call (or `key`), as after a network change; resolves with the node's ICE ufrag before and after. */
  restartIce(key?: string): Promise<{ before: string | undefined; after: string | undefined }>;
  /**
   * Holds (retrieves) the current call (or `key`) by SDP re-offer (a=sendonly / a=sendrecv, as a WebRTC
   * client does); resolves once the node's answer is applied, with the negotiation's outcome.
   */
  holdBySdp(hold: boolean, key?: string): Promise<{ signalingState: string | undefined; currentDirection: string | null | undefined }>;
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

export function installTestHook(phone: Softphone, session: () => { connection: ConnectionState; user: string | undefined; ringing: string; signInWith: 'token' | 'password' | undefined }): void {
  const callOf = (key: string | undefined) => (key ? phone.calls.find((c) => c.key === key) : phone.currentCall);
  window.ucsTest = {
    state: () => ({
      ...session(),
      lines: phone.lines.map((l) => ({ uri: l.uri, number: l.number, registration: l.registration, openStatus: l.openStatus })),
      calls: phone.calls.map(snapshotOf),
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
          video: optionalParam(e.optionalParams, 'Video') === 1,
        };
      }),
    }),
    lastCall: () => {
      const call = phone.calls[0];
      return call ? snapshotOf(call) : undefined;
    },
    remoteAudioLevel: (frequency, key) => phone.remoteAudioLevel(frequency, key),
    rtpStats: (key) => phone.rtpStats(key),
    videoStats: (key) => phone.videoStats(key),
    dropVideo: (key) => phone.dropVideo(key),
    addVideo: (key) => phone.addVideo(key),
    restartIce: async (key) => {
      const peer = (): CallPeer | undefined => callOf(key)?.av?.peer;
      const before = peer()?.remoteIceUfrag;
      await phone.restartIce(key);
      return { before, after: peer()?.remoteIceUfrag };
    },
    holdBySdp: async (hold, key) => {
      await phone.holdBySdp(hold, key);
      const peer = callOf(key)?.av?.peer;
      return { signalingState: peer?.signalingState, currentDirection: peer?.currentDirection };
    },
    currentGenerationPair: async (key) => callOf(key)?.av?.peer?.currentGenerationPair(),
    icePairs: async (key) => (await callOf(key)?.av?.peer?.icePairs()) ?? [],
  };
}
