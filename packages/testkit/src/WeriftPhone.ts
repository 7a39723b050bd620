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

/**
 * Every tone of this thread is sent from one 20 ms timer: a hundred phones in one test process then cost
 * one timer, not a hundred.
 */
const tones = new Set<() => void>();
let toneTimer: NodeJS.Timeout | undefined;
function addTone(send: () => void): void {
  tones.add(send);
  toneTimer ??= setInterval(() => {
    for (const t of tones) t();
  }, 20);
}
function removeTone(send: (() => void) | undefined): void {
  if (!send || !tones.delete(send) || tones.size > 0) return;
  clearInterval(toneTimer);
  toneTimer = undefined;
}

export class WeriftPhone {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly received: ReceivedRtp[] = [];
  /** Every packet received so far (also those `received` does not keep). */
  receivedCount = 0;
  readonly #keep: boolean;
  readonly #captures: Array<{ want: number; got: ReceivedRtp[]; done: () => void }> = [];
  #seq = Math.floor(Math.random() * 0xffff);
  #timestamp = Math.floor(Math.random() * 0xffffffff);
  #midId: number | undefined;
  #listening = false;
  #tone: (() => void) | undefined;

  constructor(options: WeriftPhoneOptions = {}) {
    const codecs = options.codecs ?? ['opus', 'PCMU'];
    this.#keep = options.keepReceived ?? true;
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
    this.#tone = () => {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) payload[i] = samples[(at + i) % samples.length]!;
      at = (at + 160) % samples.length;
      this.send(payload, 0);
    };
    addTone(this.#tone);
  }

  stopTone(): void {
    removeTone(this.#tone);
    this.#tone = undefined;
  }

  /** The next `packets` packets received; rejects after `timeoutMs` (with how many came). */
  async capture(packets: number, timeoutMs: number): Promise<ReceivedRtp[]> {
    const entry = { want: packets, got: [] as ReceivedRtp[], done: (): void => undefined };
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        entry.done = resolve;
        this.#captures.push(entry);
        timer = setTimeout(() => reject(new Error(`${entry.got.length} of ${packets} RTP packets within ${timeoutMs} ms`)), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      const i = this.#captures.indexOf(entry);
      if (i >= 0) this.#captures.splice(i, 1);
    }
    return entry.got;
  }

  /** PCMU samples received since `from` (an index into `received`), or of the packets given. */
  samples(from: number | readonly ReceivedRtp[] = 0): Int16Array {
    const packets = typeof from === 'number' ? this.received.slice(from) : from;
    const chunks = packets.filter((p) => p.payloadType === 0).map((p) => decodePcmu(p.payload));
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
      this.receivedCount += 1;
      // Parsed only when kept: with a hundred phones in one process this is most of what receiving costs.
      if (!this.#keep && this.#captures.length === 0) return;
      const rtp = parseRtp(Buffer.from(packet.serialize()));
      if (!rtp) return;
      const midBytes = this.#midId === undefined ? undefined : rtp.extensions.get(this.#midId);
      // Copied: werift reuses nothing, but the parsed views would pin each whole datagram.
      const received = { ...rtp, payload: Buffer.from(rtp.payload), mid: midBytes?.toString('utf8') };
      if (this.#keep) this.received.push(received);
      for (const c of [...this.#captures]) {
        c.got.push(received);
        if (c.got.length >= c.want) {
          this.#captures.splice(this.#captures.indexOf(c), 1);
          c.done();
        }
      }
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
