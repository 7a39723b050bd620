// A softphone in tests: werift's RTCPeerConnection (real ICE, DTLS, SRTP) on 127.0.0.1 (or `address`) with one audio
// transceiver. What it receives is observed on the DTLS transport, after SRTP decryption and before
// werift's demultiplexer, because werift demultiplexes by signalled SSRC only, while browsers also use
// the MID header extension (RFC 8843 §9.2) that the media node relies on when the source changes.
// Imported from '@ucserver/testkit/werift' so suites without a softphone do not load werift.
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useAbsSendTime,
  useAudioLevelIndication,
  useSdesMid,
} from 'werift';
import { parseRtp, type ParsedRtp } from './rtp.ts';
import { decodePcmu, encodePcmu, sine } from './tones.ts';
import type { PhoneCodec, WeriftPhoneOptions } from './WeriftPhoneTypes.ts';

const codecParameters: Record<PhoneCodec, () => RTCRtpCodecParameters> = {
  opus: () => new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }),
  PCMU: () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  PCMA: () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
  G722: () => new RTCRtpCodecParameters({ mimeType: 'audio/G722', clockRate: 8000, channels: 1, payloadType: 9 }),
};

export interface ReceivedRtp extends ParsedRtp {
  /** The MID header extension's value, if present. */
  mid: string | undefined;
}

export class WeriftPhone {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly received: ReceivedRtp[] = [];
  #seq = Math.floor(Math.random() * 0xffff);
  #timestamp = Math.floor(Math.random() * 0xffffffff);
  #midId: number | undefined;
  #listening = false;
  #tone: NodeJS.Timeout | undefined;

  constructor(options: WeriftPhoneOptions = {}) {
    const codecs = options.codecs ?? ['opus', 'PCMU'];
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [
          ...codecs.map((c) => codecParameters[c]()),
          ...(options.telephoneEvent ?? true ? [new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 126 })] : []),
        ],
      },
      ...(options.headerExtensions ?? true ? { headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication(), useAbsSendTime()] } } : {}),
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: options.address ?? '127.0.0.1' },
      // werift skips loopback interfaces when it lists host addresses; this makes 127.0.0.1 a candidate.
      iceAdditionalHostAddresses: [options.address ?? '127.0.0.1'],
      iceServers: [],
    });
  }

  /** The softphone's offer, all candidates gathered (like a non-trickle client). */
  async offer(): Promise<string> {
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.#gathered();
    return this.pc.localDescription!.sdp;
  }

  /** A new offer on the running session, as a softphone re-offers; `iceRestart` gives it new ICE credentials. */
  async reoffer(options: { iceRestart?: boolean } = {}): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer(options.iceRestart ? { iceRestart: true } : undefined));
    await this.#gathered();
    return this.pc.localDescription!.sdp;
  }

  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.#listen();
  }

  /** Answers the node's offer (an incoming call), sending our microphone track. */
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

  /** Resolves when ICE and DTLS are up; rejects after `ms` or when the connection fails. */
  async connected(ms = 8000): Promise<void> {
    if (this.pc.connectionState === 'connected') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`werift not connected after ${ms} ms (state ${this.pc.connectionState})`)), ms);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          unSubscribe();
          resolve();
        } else if (state === 'failed') {
          clearTimeout(timer);
          unSubscribe();
          reject(new Error('werift connection failed'));
        }
      });
    });
  }

  /** Sends one 20 ms RTP packet with `payload` (werift stamps SSRC and header extensions). */
  send(payload: Buffer, payloadType = 0): void {
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + 160) >>> 0;
    this.track.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: this.#seq, timestamp: this.#timestamp, payloadType, marker: false }), payload));
  }

  /** Sends a PCMU sine tone in real time (20 ms packets) until stopTone() or close(). */
  startTone(frequency: number): void {
    this.stopTone();
    const samples = encodePcmu(sine({ frequency, seconds: 1, amplitude: 0.4 }));
    let at = 0;
    this.#tone = setInterval(() => {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) payload[i] = samples[(at + i) % samples.length]!;
      at = (at + 160) % samples.length;
      this.send(payload, 0);
    }, 20);
  }

  stopTone(): void {
    clearInterval(this.#tone);
    this.#tone = undefined;
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

  /** The SSRC werift sends with. */
  get ssrc(): number {
    return this.pc.getTransceivers()[0]!.sender.ssrc;
  }

  async close(): Promise<void> {
    this.stopTone();
    await this.pc.close();
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const transceiver = this.pc.getTransceivers()[0]!;
    const remote = this.pc.remoteDescription?.sdp ?? '';
    const midLine = /a=extmap:(\d+) urn:ietf:params:rtp-hdrext:sdes:mid/.exec(remote);
    this.#midId = midLine ? Number(midLine[1]) : undefined;
    transceiver.dtlsTransport!.onRtp.subscribe((packet) => {
      const rtp = parseRtp(Buffer.from(packet.serialize()));
      if (!rtp) return;
      const midBytes = this.#midId === undefined ? undefined : rtp.extensions.get(this.#midId);
      // Copied: werift reuses nothing, but the parsed views would pin each whole datagram.
      this.received.push({ ...rtp, payload: Buffer.from(rtp.payload), mid: midBytes?.toString('utf8') });
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
