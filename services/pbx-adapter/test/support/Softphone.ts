// The softphone of a test: werift's RTCPeerConnection (real ICE, DTLS, SRTP against the media node) on
// 127.0.0.1, PCMU only (so the PBX legs can be checked with G.711 tone detection), sending a sine tone
// and keeping what it receives (decrypted, observed on the DTLS transport).
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { decodePcmu, encodePcmu, sine } from '@ucserver/testkit';
import { parseRtp, type RtpView } from './rtp.ts';

export class Softphone {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly received: RtpView[] = [];
  #sender: NodeJS.Timeout | undefined;
  #seq = Math.floor(Math.random() * 0xffff);
  #timestamp = Math.floor(Math.random() * 0xffffffff);
  #listening = false;

  constructor() {
    this.pc = new RTCPeerConnection({
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })] },
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceServers: [],
    });
  }

  /** The softphone's SDP offer with every candidate (non-trickle). */
  async offer(): Promise<string> {
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.#gathered();
    return this.pc.localDescription!.sdp;
  }

  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.#listen();
  }

  /** Answers the media node's offer (an incoming call). */
  async answer(offer: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const transceiver = this.pc.getTransceivers()[0]!;
    await transceiver.sender.replaceTrack(this.track);
    transceiver.setDirection('sendrecv');
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.#gathered();
    this.#listen();
    return this.pc.localDescription!.sdp;
  }

  /** Resolves when ICE and DTLS are up; rejects after `ms`. */
  async connected(ms = 8000): Promise<void> {
    if (this.pc.connectionState === 'connected') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`softphone not connected after ${ms} ms (state ${this.pc.connectionState})`)), ms);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          unSubscribe();
          resolve();
        } else if (state === 'failed') {
          clearTimeout(timer);
          unSubscribe();
          reject(new Error('softphone connection failed'));
        }
      });
    });
  }

  /** Sends a PCMU sine tone in real time (20 ms packets) until stop() or close(). */
  startTone(frequency: number): void {
    this.stopTone();
    const samples = encodePcmu(sine({ frequency, seconds: 1, amplitude: 0.4 }));
    let at = 0;
    this.#sender = setInterval(() => {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) payload[i] = samples[(at + i) % samples.length]!;
      at = (at + 160) % samples.length;
      this.#seq = (this.#seq + 1) & 0xffff;
      this.#timestamp = (this.#timestamp + 160) >>> 0;
      this.track.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: this.#seq, timestamp: this.#timestamp, payloadType: 0, marker: false }), payload));
    }, 20);
  }

  stopTone(): void {
    clearInterval(this.#sender);
    this.#sender = undefined;
  }

  /** PCMU samples received since `from` (an index into `received`). */
  samples(from = 0): Int16Array {
    const chunks = this.received.slice(from).filter((p) => p.payloadType === 0).map((p) => decodePcmu(p.payload));
    const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  async close(): Promise<void> {
    this.stopTone();
    await this.pc.close();
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const transceiver = this.pc.getTransceivers()[0]!;
    transceiver.dtlsTransport!.onRtp.subscribe((packet) => {
      const rtp = parseRtp(Buffer.from(packet.serialize()));
      if (rtp) this.received.push({ ...rtp, payload: Buffer.from(rtp.payload) });
    });
  }

  async #gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }
}
