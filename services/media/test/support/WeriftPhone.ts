// A softphone in tests: werift's RTCPeerConnection (real ICE, DTLS, SRTP) on 127.0.0.1 with one audio
// transceiver. What it receives is observed on the DTLS transport, after SRTP decryption and before
// werift's demultiplexer, because werift demultiplexes by signalled SSRC only, while browsers also use
// the MID header extension (RFC 8843 §9.2) that the media node relies on when the source changes.
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

export type PhoneCodec = 'opus' | 'PCMU' | 'PCMA' | 'G722';

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
  #seq = 1;
  #timestamp = 1000;
  #midId: number | undefined;
  #listening = false;

  constructor(codecs: PhoneCodec[] = ['opus', 'PCMU'], telephoneEvent = true) {
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [
          ...codecs.map((c) => codecParameters[c]()),
          ...(telephoneEvent ? [new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 126 })] : []),
        ],
      },
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication(), useAbsSendTime()] },
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
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

  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.#listen();
  }

  /** Answers the node's offer, sending our microphone track. */
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
  async connected(ms = 5000): Promise<void> {
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

  /** Sends one RTP packet with `payload` (werift stamps SSRC, payload type and extensions). */
  send(payload: Buffer): void {
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + 960) >>> 0;
    this.track.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: this.#seq, timestamp: this.#timestamp, payloadType: 0, marker: false }), payload));
  }

  /** The SSRC werift sends with. */
  get ssrc(): number {
    return this.pc.getTransceivers()[0]!.sender.ssrc;
  }

  async close(): Promise<void> {
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
      const rtp = parseRtp(packet.serialize());
      if (!rtp) return;
      const midBytes = this.#midId === undefined ? undefined : rtp.extensions.get(this.#midId);
      this.received.push({ ...rtp, mid: midBytes?.toString('utf8') });
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
