import type { Consumer, DirectTransport, Producer, ProducerTraceEventData } from 'mediasoup/types';
import type { Logger, UdpEndpoint } from '@ucserver/shared';
import { streamFigures } from '../calls/streamStats.ts';
import type { CaptureFile } from './CaptureFile.ts';
import { CAPTURE_INTERFACES, IFACE, type CallCaptureOptions, type CaptureSubject } from './CallCaptureTypes.ts';
import { acquireTrace } from '../calls/producerTrace.ts';

const anyEndpoint: UdpEndpoint = { address: '0.0.0.0', port: 0 };

/**
 * Records one call's RTP into a CaptureFile. A DirectTransport on the call's router consumes every
 * Producer the call's audio passes through (the softphone's microphone, the PBX leg's Producer, on
 * Direct Media the partner's microphone as piped in), so each packet is seen in clear, after SRTP
 * decryption, at the moment the node forwards it. Each packet is written where it was received and,
 * reconstructed, where the call forwards it:
 * - softphone microphone: `softphone-leg` browser→node (original SSRC and PT), then `pbx-leg` node→PBX
 *   (SSRC and PT of the PBX leg's uplink Consumer) or, on Direct Media, `direct-link` own tuple→partner;
 * - PBX Producer: `pbx-leg` PBX→node (original SSRC and PT), then `softphone-leg` node→browser (SSRC and PT
 *   of the softphone's downlink Consumer);
 * - Direct Media source: `direct-link` partner→own tuple, then `softphone-leg` node→browser;
 * - video toward the PBX (the PBX video leg, its own tuple): the PBX's video `pbx-leg` PBX→node, the
 *   softphone's camera `pbx-leg` node→PBX (SSRC and PT of the video leg's uplink). These packets are not
 *   in the per-interface endpoints and counts, which follow the audio.
 * Sequence numbers and RTP timestamps are those of the capture's own Consumer (mediasoup rewrites them
 * per Consumer: continuous, but offset from the wire's). The payload is the original.
 *
 * RTCP: mediasoup terminates RTCP in the worker and hands none of the wire's packets out, but it reports
 * each Sender Report a Producer receives (trace event 'sr'): those SRs are written, rebuilt from all their
 * fields (no report blocks), where they were received: on the RTP ports where the leg muxes RTCP (the
 * softphone leg, a PBX leg with rtcp-mux), else on the RTP ports + 1 (RFC 3550's default pairing).
 */
export class CallCapture {
  readonly #subject: CaptureSubject;
  readonly #file: CaptureFile;
  readonly #logger: Logger;
  readonly #clock: () => bigint;
  #transport: DirectTransport | undefined;
  readonly #consumers = new Map<string, Consumer>();
  /**
   * The Direct Media partner's Producer counts every packet since its first, but only those since the
   * capture consumes it crossed the link into this call (the partner's softphone may send before the
   * link exists: with both calls on one router there is no pipe whose own counter starts with the link).
   * Its count when the capture's Consumer of it was created, by Producer id.
   */
  readonly #linkSince = new Map<string, number>();
  /** Producers whose Sender Reports we trace, with the listener to remove on close. */
  readonly #traced = new Map<Producer, { listener: (trace: ProducerTraceEventData) => void; release?: () => Promise<void> }>();
  readonly #endpoints = new Map<string, { src: UdpEndpoint; dst: UdpEndpoint }>();
  #syncing: Promise<void> | undefined;
  #dirty = false;
  #closed = false;

  constructor(file: CaptureFile, options: CallCaptureOptions) {
    this.#file = file;
    this.#subject = options.subject;
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  /** Consumes every Producer of the call not consumed yet; concurrent requests coalesce. */
  sync(): Promise<void> {
    this.#dirty = true;
    this.#syncing ??= this.#loop();
    return this.#syncing;
  }

  /**
   * The node's packet counters of the call's streams now, per `<interface>/<in|out>`, with the id of
   * the Producer or Consumer counted (a replaced one restarts at 0).
   */
  async nodeCounts(): Promise<Map<string, { id: string; packets: number }>> {
    const sp = this.#subject.softphoneCapture;
    const pbx = this.#subject.pbxCapture;
    const items: Array<[string, Producer | Consumer | undefined]> = [['softphone-leg/in', sp?.producer], ['softphone-leg/out', sp?.downlink]];
    if (this.#subject.onDirectMedia) items.push(['direct-link/out', sp?.producer], ['direct-link/in', this.#subject.directPartnerProducer]);
    else items.push(['pbx-leg/in', pbx?.producer], ['pbx-leg/out', pbx?.uplink]);
    const out = new Map<string, { id: string; packets: number }>();
    await Promise.all(items.map(async ([key, item]) => {
      if (!item || item.closed) return;
      const figures = await streamFigures(item).catch(() => undefined);
      const since = key === 'direct-link/in' ? (this.#linkSince.get(item.id) ?? 0) : 0;
      if (figures) out.set(key, { id: item.id, packets: figures.packets - since });
    }));
    return out;
  }

  /** The call is on Direct Media now. */
  get onDirectMedia(): boolean {
    return this.#subject.onDirectMedia;
  }

  /** Per `<interface>/<in|out>`, the addresses written last. */
  endpoints(): Record<string, { src: UdpEndpoint; dst: UdpEndpoint }> {
    return Object.fromEntries(this.#endpoints);
  }

  /** Closes the consumers; the file is the caller's. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport?.close();
    this.#consumers.clear();
    this.#linkSince.clear();
    for (const [producer, { listener, release }] of this.#traced) {
      producer.off('trace', listener);
      // Only our type: the frame-rate probe may trace the same producer (producerTrace.ts).
      void release?.();
    }
    this.#traced.clear();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        await this.#pass();
      }
    } catch (err) {
      if (!this.#closed) this.#logger.warn({ err: (err as Error).message }, 'capture could not follow the call\'s producers');
    } finally {
      this.#syncing = undefined;
    }
  }

  async #pass(): Promise<void> {
    const router = this.#subject.router;
    if (!router || router.closed) return;
    const sp = this.#subject.softphoneCapture;
    const pbx = this.#subject.pbxCapture;
    const wanted = new Set<string>();
    for (const p of [sp?.producer, pbx?.producer]) if (p && !p.closed) wanted.add(p.id);
    if (sp?.downlink && !sp.downlink.closed) wanted.add(sp.downlink.producerId);
    const video = this.#subject.pbxVideoCapture;
    for (const p of [video?.producer, video?.uplink && !video.uplink.closed ? video.camera : undefined]) if (p && !p.closed) wanted.add(p.id);
    for (const [id, consumer] of this.#consumers) {
      if (!wanted.has(id) || consumer.closed) {
        consumer.close();
        this.#consumers.delete(id);
        this.#linkSince.delete(id);
      }
    }
    for (const p of [sp?.producer, pbx?.producer]) if (p && !p.closed && !this.#traced.has(p)) await this.#traceSenderReports(p);
    for (const producerId of wanted) {
      if (this.#consumers.has(producerId)) continue;
      this.#transport ??= await router.createDirectTransport();
      if (this.#closed) return;
      let consumer: Consumer;
      try {
        consumer = await this.#transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
      } catch (err) {
        // The producer closed meanwhile: the next sync drops it.
        this.#logger.debug({ producerId, err: (err as Error).message }, 'capture consumer not created');
        continue;
      }
      if (this.#closed) return;
      this.#consumers.set(producerId, consumer);
      consumer.on('rtp', (packet) => this.#onRtp(producerId, consumer, packet));
      const partner = this.#subject.directPartnerProducer;
      if (partner?.id === producerId) {
        const figures = await streamFigures(partner).catch(() => undefined);
        if (figures) this.#linkSince.set(producerId, figures.packets);
      }
    }
  }

  #onRtp(producerId: string, via: Consumer, packet: Buffer): void {
    if (this.#closed || packet.length < 12) return;
    const timestampUs = this.#clock();
    const sp = this.#subject.softphoneCapture;
    const pbx = this.#subject.pbxCapture;
    const direct = this.#subject.onDirectMedia;
    const video = this.#subject.pbxVideoCapture;
    if (video && this.#onPbxVideo(video, producerId, via, packet, timestampUs)) return;
    const node = sp?.node ?? anyEndpoint;
    const browser = sp?.browser ?? anyEndpoint;
    if (sp?.producer?.id === producerId) {
      if (sp.browser) this.#put(IFACE.softphone, 'in', timestampUs, browser, node, rewrite(packet, via, sp.producer));
      if (pbx?.uplink && !pbx.uplink.paused && pbx.uplink.producerId === producerId && pbx.remote) {
        this.#put(IFACE.pbx, 'out', timestampUs, pbx.local, pbx.remote, rewrite(packet, via, pbx.uplink));
      } else if (direct && pbx?.remote) {
        this.#put(IFACE.link, 'out', timestampUs, pbx.local, pbx.remote, rewrite(packet, via, sp.producer));
      }
      return;
    }
    // Before ICE selected a tuple nothing reaches the softphone: mediasoup drops what it would send.
    const toSoftphone = sp?.browser && sp.downlink && !sp.downlink.paused && sp.downlink.producerId === producerId ? sp.downlink : undefined;
    if (pbx?.producer?.id === producerId) {
      this.#put(IFACE.pbx, 'in', timestampUs, pbx.remote ?? anyEndpoint, pbx.local, rewrite(packet, via, pbx.producer));
    } else if (pbx?.remote) {
      this.#put(IFACE.link, 'in', timestampUs, pbx.remote, pbx.local, packet);
    }
    if (toSoftphone) this.#put(IFACE.softphone, 'out', timestampUs, node, browser, rewrite(packet, via, toSoftphone));
  }

  /** A packet of the PBX video leg (the PBX's video, or the camera it forwards): written, true; else false. */
  #onPbxVideo(video: NonNullable<CaptureSubject['pbxVideoCapture']>, producerId: string, via: Consumer, packet: Buffer, timestampUs: bigint): boolean {
    if (video.producer?.id === producerId) {
      if (video.remote) this.#put(IFACE.pbx, 'in', timestampUs, video.remote, video.local, rewrite(packet, via, video.producer), false);
      return true;
    }
    if (video.camera?.id !== producerId) return false;
    const uplink = video.uplink;
    if (uplink && !uplink.paused && uplink.producerId === producerId && video.remote) this.#put(IFACE.pbx, 'out', timestampUs, video.local, video.remote, rewrite(packet, via, uplink), false);
    return true;
  }

  async #traceSenderReports(producer: Producer): Promise<void> {
    const listener = (trace: ProducerTraceEventData): void => {
      if (trace.type !== 'sr' || trace.direction !== 'in' || this.#closed) return;
      const sr = senderReport(trace.info as Partial<SenderReportInfo>);
      if (!sr) return;
      const timestampUs = this.#clock();
      const sp = this.#subject.softphoneCapture;
      const pbx = this.#subject.pbxCapture;
      if (sp?.producer === producer && sp.browser) this.#put(IFACE.softphone, 'in', timestampUs, sp.browser, sp.node, sr, false);
      else if (pbx?.producer === producer && pbx.remote) {
        const [from, to] = pbx.rtcpMux ? [pbx.remote, pbx.local] : [rtcpPort(pbx.remote), rtcpPort(pbx.local)];
        this.#put(IFACE.pbx, 'in', timestampUs, from, to, sr, false);
      }
    };
    const entry: { listener: typeof listener; release?: () => Promise<void> } = { listener };
    this.#traced.set(producer, entry);
    producer.on('trace', listener);
    try {
      const release = await acquireTrace(producer, ['sr']);
      // Closed while the request ran: give the type back at once.
      if (this.#closed) void release();
      else entry.release = release;
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, 'sender reports not traced');
    }
  }

  /** Writes one packet; `tracked` (audio RTP) also notes its addresses in the per-interface endpoints. */
  #put(interfaceId: number, direction: 'in' | 'out', timestampUs: bigint, src: UdpEndpoint, dst: UdpEndpoint, payload: Buffer, tracked = true): void {
    if (!this.#file.write({ interfaceId, timestampUs, src, dst, payload })) {
      this.close();
      return;
    }
    if (!tracked) return;
    const key = `${CAPTURE_INTERFACES[interfaceId]!.name}/${direction}`;
    const last = this.#endpoints.get(key);
    if (last?.src !== src || last.dst !== dst) this.#endpoints.set(key, { src, dst });
  }
}

/**
 * A copy of a packet the capture Consumer `via` delivered, with the SSRC of `stream` (a Producer's or a
 * Consumer's) and its payload type for the same codec (audio or telephone-event).
 */
function rewrite(packet: Buffer, via: Consumer, stream: Producer | Consumer): Buffer {
  const ssrc = stream.rtpParameters.encodings?.[0]?.ssrc;
  const codec = via.rtpParameters.codecs.find((c) => c.payloadType === (packet[1]! & 0x7f));
  const pt = codec && stream.rtpParameters.codecs.find((c) => c.mimeType.toLowerCase() === codec.mimeType.toLowerCase() && c.clockRate === codec.clockRate)?.payloadType;
  const out = Buffer.from(packet);
  if (pt !== undefined) out[1] = (out[1]! & 0x80) | (pt & 0x7f);
  if (ssrc !== undefined) out.writeUInt32BE(ssrc >>> 0, 8);
  return out;
}

/** The fields of a Sender Report as mediasoup's 'sr' trace reports them. */
interface SenderReportInfo {
  ssrc: number;
  ntpSec: number;
  ntpFrac: number;
  rtpTs: number;
  packetCount: number;
  octetCount: number;
}

/** An RTCP Sender Report (RFC 3550 §6.4.1) without report blocks, from the traced fields. */
export function senderReport(info: Partial<SenderReportInfo> | undefined): Buffer | undefined {
  if (!info || typeof info.ssrc !== 'number') return undefined;
  const sr = Buffer.alloc(28);
  sr[0] = 0x80; // V=2, P=0, RC=0
  sr[1] = 200; // SR
  sr.writeUInt16BE(6, 2); // length in 32-bit words minus one
  const fields = [info.ssrc, info.ntpSec, info.ntpFrac, info.rtpTs, info.packetCount, info.octetCount];
  fields.forEach((v, i) => sr.writeUInt32BE((Number(v ?? 0) >>> 0), 4 + i * 4));
  return sr;
}

const rtcpPort = (e: UdpEndpoint): UdpEndpoint => ({ address: e.address, port: e.port === 0 ? 0 : e.port + 1 });
