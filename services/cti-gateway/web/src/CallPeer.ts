import type { CallPeerHandlers, CallPeerOptions, ReofferReply, RtpStats, VideoStats } from './CallPeerTypes.ts';
import { ToneMeter } from './ToneMeter.ts';

const GATHER_MS = 2500;
const REOFFER_TIMEOUT_MS = 10_000;

/**
 * The WebRTC side of one call: the RTCPeerConnection to the media node with our microphone track, the
 * remote audio (played, and measured by a ToneMeter), trickle ICE after our SDP went out, ICE restarts
 * by re-offer, and the connection's statistics. The call's signalling (what goes to the server when) is
 * the Softphone's; the peer tells it what happened through its handlers.
 */
export class CallPeer {
  readonly #pc: RTCPeerConnection;
  readonly #options: CallPeerOptions;
  readonly #handlers: CallPeerHandlers;
  #mic: MediaStream | undefined;
  #remoteStream: MediaStream | undefined;
  /** The video transceiver (offered on every call; the node takes it when the call can carry video). */
  #video: RTCRtpTransceiver | undefined;
  #camera: MediaStream | undefined;
  #remoteVideo: MediaStream | undefined;
  #audio: HTMLAudioElement | undefined;
  #meter: ToneMeter | undefined;
  /** Our SDP went out: later local candidates are trickled. */
  #sdpSent = false;
  readonly #trickle: Array<RTCIceCandidateInit | null> = [];
  /** Our re-offer (ICE restart, hold) waits for the node's answer or decline. */
  #reoffer: { resolve: () => void; reject: (err: Error) => void; timer: number } | undefined;
  #iceRestarts = 0;
  #closed = false;

  constructor(options: CallPeerOptions, handlers: CallPeerHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    const pc = new RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.#pc = pc;
    pc.addEventListener('track', (e) => {
      if (e.track.kind === 'video') this.#remoteVideo = new MediaStream([e.track]);
      else this.#playRemote(e.streams[0] ?? new MediaStream([e.track]));
      handlers.change();
    });
    pc.addEventListener('icecandidate', (e) => {
      if (!this.#sdpSent) return; // gathered before the SDP went out: it is in the SDP
      this.#trickle.push(e.candidate ? e.candidate.toJSON() : null);
      handlers.candidates();
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (pc.iceConnectionState === 'failed' && this.#iceRestarts === 0 && !this.#closed) handlers.icefailed();
      handlers.change();
    });
    pc.addEventListener('connectionstatechange', () => handlers.change());
  }

  get iceState(): RTCIceConnectionState {
    return this.#pc.iceConnectionState;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  get hasRemoteAudio(): boolean {
    return !!this.#remoteStream?.getAudioTracks().length;
  }

  /** The level meter of the remote audio, once it plays. */
  get meter(): ToneMeter | undefined {
    return this.#meter;
  }

  /** ICE restarts done (after ICE failed, or asked for). */
  get iceRestarts(): number {
    return this.#iceRestarts;
  }

  /** A re-offer waits for its reply. */
  get reoffering(): boolean {
    return this.#reoffer !== undefined;
  }

  /**
   * Applies the server's offer (incoming call) and adds the microphone, and a video transceiver (ours
   * on an outgoing call, the offered one on an incoming call) with the camera when it is on at call
   * start; rejects when the call ended meanwhile.
   */
  async open(remoteOffer?: string, options: { video?: boolean } = {}): Promise<void> {
    if (remoteOffer) await this.#pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
    const mic = await this.#options.devices.microphone();
    if (this.#closed) {
      mic.getTracks().forEach((t) => t.stop());
      throw new Error('the call ended');
    }
    this.#mic = mic;
    for (const track of mic.getAudioTracks()) this.#pc.addTrack(track, mic);
    // An audio-only call (options.video false) has no video m-line until Start video (addVideo).
    this.#video = remoteOffer
      ? this.#pc.getTransceivers().find((t) => t.receiver.track.kind === 'video' && t.mid !== null)
      : options.video === false ? undefined : this.#pc.addTransceiver('video', { direction: 'sendrecv', streams: [mic] });
    if (this.#video) {
      this.#video.direction = 'sendrecv';
      if (this.#options.devices.cameraOnStart) await this.setCamera(true).catch((err: unknown) => console.warn('ucserver: no camera', err));
    }
  }

  /** The call carries video (the node took our video m-line). */
  get hasVideo(): boolean {
    const d = this.#video?.currentDirection;
    return !!d && d !== 'stopped' && d !== 'inactive';
  }

  get cameraOn(): boolean {
    return !!this.#camera;
  }

  /** What we send (local preview) and what we see, while there is one. */
  get localVideo(): MediaStream | undefined {
    return this.#camera;
  }

  get remoteVideo(): MediaStream | undefined {
    return this.#remoteVideo;
  }

  /** Switches the camera on or off during the call (replaces the sent track; no renegotiation). */
  async setCamera(on: boolean): Promise<void> {
    const sender = this.#video?.sender;
    if (!sender || this.#closed) return;
    if (on && !this.#camera) {
      const camera = await this.#options.devices.camera();
      if (this.#closed) {
        camera.getTracks().forEach((t) => t.stop());
        return;
      }
      await sender.replaceTrack(camera.getVideoTracks()[0] ?? null);
      this.#camera = camera;
    } else if (!on && this.#camera) {
      await sender.replaceTrack(null);
      this.#camera.getTracks().forEach((t) => t.stop());
      this.#camera = undefined;
    }
    this.#handlers.change();
  }

  /** Video counters: frames decoded and their size (what we see), frames encoded (what we send). */
  async videoStats(): Promise<VideoStats> {
    const out: VideoStats = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, keyFramesDecoded: 0, pliSent: 0, framesEncoded: 0, sentWidth: 0, codec: undefined };
    const report = await this.#pc.getStats();
    type S = { type: string; kind?: string; framesDecoded?: number; frameWidth?: number; frameHeight?: number; keyFramesDecoded?: number; pliCount?: number; framesEncoded?: number; codecId?: string };
    report.forEach((s: S) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        Object.assign(out, { framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0, keyFramesDecoded: s.keyFramesDecoded ?? 0, pliSent: s.pliCount ?? 0 });
        out.codec = (report.get(s.codecId ?? '') as { mimeType?: string } | undefined)?.mimeType;
      } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
        Object.assign(out, { framesEncoded: s.framesEncoded ?? 0, sentWidth: s.frameWidth ?? 0 });
      }
    });
    return out;
  }

  /** Our offer, once gathered (or after the gathering time); from then on candidates are trickled. */
  async createOffer(): Promise<string> {
    const offer = await this.#pc.createOffer();
    return this.#describe(offer);
  }

  /** Our answer to the server's offer, as createOffer(). */
  async createAnswer(): Promise<string> {
    const answer = await this.#pc.createAnswer();
    return this.#describe(answer);
  }

  /** The server's answer to our offer. */
  async applyAnswer(sdp: string): Promise<void> {
    await this.#pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await this.#pc.addIceCandidate(candidate);
  }

  /** The local candidates waiting to be trickled, in order (`null`: end of candidates); the queue empties. */
  takeCandidates(): Array<RTCIceCandidateInit | null> {
    return this.#trickle.splice(0);
  }

  /**
   * Restarts ICE (new credentials, new checks): `send` delivers our re-offer; resolves once the node's
   * answer is applied, rejects when it declines or does not answer in time (the offer is rolled back).
   */
  async restartIce(send: (sdp: string) => void): Promise<void> {
    return this.#renegotiate(send, { iceRestart: true });
  }

  /**
   * Holds (or retrieves) the way WebRTC does it: our audio transceiver goes sendonly (sendrecv) and the
   * re-offer says so; the node answers recvonly (sendrecv) and stops (resumes) sending us audio. Settles
   * as restartIce(); a declined or unanswered re-offer is rolled back with the direction restored.
   */
  async holdBySdp(send: (sdp: string) => void, hold: boolean): Promise<void> {
    return this.#renegotiate(send, { direction: hold ? 'sendonly' : 'sendrecv' });
  }

  /**
   * Downgrades the call to audio: the video transceiver stops (camera off) and the re-offer carries its
   * m-line with port 0; settles as restartIce().
   */
  async dropVideo(send: (sdp: string) => void): Promise<void> {
    const video = this.#video;
    if (!video || video.currentDirection === 'stopped') return;
    await this.setCamera(false);
    video.stop();
    this.#remoteVideo = undefined;
    return this.#renegotiate(send, {});
  }

  /**
   * Upgrades an audio call to video: a new video transceiver (sendrecv, camera on) and a re-offer with
   * its m-line; settles as restartIce(). The server upgrades the call at the PBX before it answers.
   */
  async addVideo(send: (sdp: string) => void): Promise<void> {
    if (this.hasVideo || this.#closed) return;
    this.#video = this.#pc.addTransceiver('video', { direction: 'sendrecv', streams: this.#mic ? [this.#mic] : [] });
    await this.setCamera(true).catch((err: unknown) => console.warn('ucserver: no camera', err));
    return this.#renegotiate(send, {});
  }

  /**
   * The server's re-offer (the far end added or removed video): a new video m-line is taken (sendrecv,
   * camera on), one at port 0 stops ours; resolves with our answer.
   */
  async answerReoffer(sdp: string): Promise<string> {
    if (this.#reoffer) throw new Error('our own re-offer is running');
    await this.#pc.setRemoteDescription({ type: 'offer', sdp });
    const added = this.#pc.getTransceivers().find((t) => t.receiver.track.kind === 'video' && t.mid !== null && t.currentDirection === null && t !== this.#video);
    if (added) {
      this.#video = added;
      added.direction = 'sendrecv';
      await this.setCamera(true).catch((err: unknown) => console.warn('ucserver: no camera', err));
    }
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    // An m-line at port 0 in the offer stops our transceiver (JSEP §5.10): the camera goes off.
    if (this.#video && this.#video.currentDirection === 'stopped') {
      // The sender is stopped with it (replaceTrack would throw): the camera just stops.
      this.#camera?.getTracks().forEach((t) => t.stop());
      this.#camera = undefined;
      this.#remoteVideo = undefined;
    }
    this.#handlers.change();
    return this.#pc.localDescription?.sdp ?? '';
  }

  /** The signalling state of the connection ('stable' once a re-offer is answered). */
  get signalingState(): RTCSignalingState {
    return this.#pc.signalingState;
  }

  /** The audio transceiver's negotiated direction (null before the first answer). */
  get currentDirection(): RTCRtpTransceiverDirection | null {
    return this.#audioTransceiver()?.currentDirection ?? null;
  }

  async #renegotiate(send: (sdp: string) => void, change: { iceRestart?: boolean; direction?: RTCRtpTransceiverDirection }): Promise<void> {
    if (this.#reoffer) throw new Error('a re-offer is already running');
    if (this.#pc.signalingState !== 'stable') throw new Error(`cannot re-offer in signaling state ${this.#pc.signalingState}`);
    const transceiver = this.#audioTransceiver();
    const before = transceiver?.direction;
    if (change.iceRestart) this.#iceRestarts += 1;
    if (change.direction && transceiver) transceiver.direction = change.direction;
    await this.#pc.setLocalDescription(await this.#pc.createOffer(change.iceRestart ? { iceRestart: true } : undefined));
    await this.#gathered();
    const done = new Promise<void>((resolve, reject) => {
      // A node that never answers must not leave the call half-renegotiated.
      const timer = window.setTimeout(() => void this.settleReoffer(undefined), this.#options.reofferTimeoutMs ?? REOFFER_TIMEOUT_MS);
      const restore = (): void => {
        if (before && transceiver && transceiver.direction !== before && transceiver.currentDirection !== 'stopped') transceiver.direction = before;
      };
      this.#reoffer = { resolve, reject: (err) => { restore(); reject(err); }, timer };
    });
    send(this.#pc.localDescription!.sdp);
    return done;
  }

  #audioTransceiver(): RTCRtpTransceiver | undefined {
    return this.#pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
  }

  /** The node's reply to our re-offer, or (undefined) none in time. No re-offer waiting: nothing happens. */
  async settleReoffer(reply: ReofferReply | undefined): Promise<void> {
    const pending = this.#reoffer;
    if (!pending) return;
    this.#reoffer = undefined;
    window.clearTimeout(pending.timer);
    try {
      if (this.#pc.signalingState === 'closed') throw new Error('the call ended');
      if (reply && 'answer' in reply) {
        await this.#pc.setRemoteDescription({ type: 'answer', sdp: reply.answer });
        pending.resolve();
        return;
      }
      await this.#pc.setLocalDescription({ type: 'rollback' });
      throw new Error(reply ? `re-offer declined: ${reply.declined}` : 'no answer to the re-offer');
    } catch (err) {
      pending.reject(err as Error);
    } finally {
      this.#handlers.change();
    }
  }

  /** The microphone changed: the call sends from the new device. */
  async switchMicrophone(): Promise<void> {
    if (this.#closed) return;
    const sender = this.#pc.getSenders().find((s) => s.track?.kind === 'audio');
    if (!sender) return;
    const stream = await this.#options.devices.microphone();
    const track = stream.getAudioTracks()[0];
    if (!track) return;
    await sender.replaceTrack(track);
    this.#mic?.getTracks().forEach((t) => t.stop());
    this.#mic = stream;
  }

  /** RTP counters (inbound packets/bytes and codec, outbound packets, transport bytes). */
  async rtpStats(): Promise<RtpStats> {
    const out: RtpStats = { packetsReceived: 0, bytesReceived: 0, packetsSent: 0, transportBytesReceived: 0, transportBytesSent: 0, codec: undefined };
    const report = await this.#pc.getStats();
    report.forEach((s: { type: string; kind?: string; packetsReceived?: number; bytesReceived?: number; bytesSent?: number; packetsSent?: number; codecId?: string }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived ?? 0;
        out.bytesReceived += s.bytesReceived ?? 0;
        const codec = s.codecId ? (report.get(s.codecId) as { mimeType?: string } | undefined) : undefined;
        out.codec = codec?.mimeType;
      } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
        out.packetsSent += s.packetsSent ?? 0;
      } else if (s.type === 'transport') {
        out.transportBytesReceived += s.bytesReceived ?? 0;
        out.transportBytesSent += s.bytesSent ?? 0;
      }
    });
    return out;
  }

  /** The ICE ufrag of the node's SDP (changes with each restart). */
  get remoteIceUfrag(): string | undefined {
    return iceUfrag(this.#pc.remoteDescription?.sdp);
  }

  /**
   * The best state among the candidate pairs of the current ICE generation (our local ufrag now):
   * 'succeeded' means checks with the credentials of the last offer/answer got answers.
   */
  async currentGenerationPair(): Promise<string | undefined> {
    const ufrag = iceUfrag(this.#pc.localDescription?.sdp);
    if (!ufrag) return undefined;
    const report = await this.#pc.getStats();
    let best: string | undefined;
    report.forEach((s: { type: string; state?: string; localCandidateId?: string }) => {
      if (s.type !== 'candidate-pair') return;
      const local = report.get(s.localCandidateId ?? '') as { usernameFragment?: string } | undefined;
      if (local?.usernameFragment === ufrag && best !== 'succeeded') best = s.state;
    });
    return best;
  }

  /** Every ICE candidate pair (state, nomination, ports, ufrags, counters) and the transport, one line each. */
  async icePairs(): Promise<string[]> {
    const report = await this.#pc.getStats();
    type Cand = { port?: number; usernameFragment?: string; protocol?: string };
    const out: string[] = [];
    report.forEach((s: { type: string; id: string; state?: string; nominated?: boolean; localCandidateId?: string; remoteCandidateId?: string; selectedCandidatePairId?: string; bytesReceived?: number; responsesReceived?: number; requestsSent?: number }) => {
      if (s.type === 'transport') out.push(`transport selected=${s.selectedCandidatePairId} ice=${this.#pc.iceConnectionState}`);
      if (s.type !== 'candidate-pair') return;
      const l = report.get(s.localCandidateId ?? '') as Cand | undefined;
      const r = report.get(s.remoteCandidateId ?? '') as Cand | undefined;
      out.push(`${s.id} ${s.state} nominated=${s.nominated} ${l?.protocol}:${l?.port}(${l?.usernameFragment}) -> ${r?.port}(${r?.usernameFragment}) req=${s.requestsSent} resp=${s.responsesReceived} bytesIn=${s.bytesReceived}`);
    });
    return out;
  }

  /** Stops the microphone, the remote audio and the connection. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#mic?.getTracks().forEach((t) => t.stop());
    this.#mic = undefined;
    this.#camera?.getTracks().forEach((t) => t.stop());
    this.#camera = undefined;
    this.#meter?.close();
    this.#meter = undefined;
    if (this.#audio) {
      this.#audio.srcObject = null;
      this.#options.devices.detach(this.#audio);
    }
    if (this.#pc.signalingState !== 'closed') this.#pc.close();
  }

  async #describe(description: RTCSessionDescriptionInit): Promise<string> {
    await this.#pc.setLocalDescription(description);
    await this.#gathered();
    this.#sdpSent = true;
    return this.#pc.localDescription?.sdp ?? description.sdp ?? '';
  }

  /** Resolves when ICE gathering completed, or after the gathering time. */
  #gathered(): Promise<void> {
    const pc = this.#pc;
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        window.clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', onChange);
        resolve();
      };
      const onChange = (): void => {
        if (pc.iceGatheringState === 'complete') done();
      };
      const timer = window.setTimeout(done, this.#options.gatherMs ?? GATHER_MS);
      pc.addEventListener('icegatheringstatechange', onChange);
    });
  }

  #playRemote(stream: MediaStream): void {
    this.#remoteStream = stream;
    if (!this.#audio) {
      this.#audio = new Audio();
      this.#audio.autoplay = true;
      void this.#options.devices.attach(this.#audio);
    }
    this.#audio.srcObject = stream;
    void this.#audio.play().catch((err: unknown) => console.warn('ucserver: remote audio does not play', err));
    this.#meter?.close();
    try {
      const ctx = this.#options.audioContext();
      if (ctx.state === 'suspended') void ctx.resume();
      this.#meter = new ToneMeter(ctx, stream);
    } catch (err) {
      console.warn('ucserver: no level meter', err);
    }
  }
}

function iceUfrag(sdp: string | undefined): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp ?? '')?.[1];
}
