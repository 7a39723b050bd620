import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { check } from './check.ts';
import { freePort } from './freePorts.ts';
import { parseRtp } from './rtp.ts';
import { decodePcma, decodePcmu, encodePcma, encodePcmu } from './tones.ts';

export interface RtpPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
  from: { address: string; port: number };
}

export interface RtpStream {
  /** Resolves with the number of packets sent once all samples went out (or stop() was called). */
  done: Promise<number>;
  stop(): void;
}

/**
 * A UDP port pair on 127.0.0.1 (RTP on an even port, RTCP on the next): announce `port` in an SDP,
 * assert on the RTP received (`packets`, decoded `samples()`), and `stream()` G.711 audio from the
 * same port (symmetric RTP, as rtpengine and mediasoup expect: rtpengine latches onto the address
 * media comes from). The RTCP socket exists so senders get no ICMP port-unreachable (baresip ends a
 * call on one).
 */
export class RtpEndpoint {
  readonly port: number;
  readonly packets: RtpPacket[] = [];
  readonly rtcpPackets: { from: { address: string; port: number }; length: number }[] = [];
  #rtp: Socket;
  #rtcp: Socket;
  #closed = false;

  private constructor(port: number, rtp: Socket, rtcp: Socket) {
    this.port = port;
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    rtp.on('message', (msg, rinfo) => this.#onRtp(msg, rinfo));
    rtcp.on('message', (msg, rinfo) => this.rtcpPackets.push({ from: { address: rinfo.address, port: rinfo.port }, length: msg.length }));
  }

  static async open(): Promise<RtpEndpoint> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = await freePort({ count: 2, even: true });
      const rtp = createSocket('udp4');
      const rtcp = createSocket('udp4');
      try {
        await bind(rtp, port);
        await bind(rtcp, port + 1);
        return new RtpEndpoint(port, rtp, rtcp);
      } catch {
        rtp.close();
        rtcp.close();
      }
    }
    throw new Error('RtpEndpoint: could not bind an RTP/RTCP port pair on 127.0.0.1');
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** The distinct source addresses RTP came from (`address:port`). */
  get sources(): string[] {
    return [...new Set(this.packets.map((p) => `${p.from.address}:${p.from.port}`))];
  }

  /** Waits (bounded) until at least `count` RTP packets arrived. */
  async waitForPackets(count: number, timeoutMs = 5000): Promise<void> {
    await check(() => this.packets.length >= count, timeoutMs, { name: `${count} RTP packets on 127.0.0.1:${this.port} (have ${this.packets.length})` });
  }

  /**
   * The received audio as 16-bit samples, packets of `payloadType` in sequence order (PCMU 0 or PCMA 8;
   * default: the type of the first packet).
   */
  samples(payloadType?: number): Int16Array {
    const pt = payloadType ?? this.packets[0]?.payloadType ?? 0;
    const decode = pt === 8 ? decodePcma : pt === 0 ? decodePcmu : undefined;
    if (!decode) throw new Error(`RtpEndpoint.samples: payload type ${pt} is not G.711 (0 PCMU / 8 PCMA)`);
    const packets = this.packets.filter((p) => p.payloadType === pt);
    // order by extended sequence number relative to the first packet (handles a wrap)
    const first = packets[0]?.sequence ?? 0;
    const ordered = [...packets].sort((a, b) => ((a.sequence - first) & 0xffff) - ((b.sequence - first) & 0xffff));
    const total = ordered.reduce((n, p) => n + p.payload.length, 0);
    const out = new Int16Array(total);
    let at = 0;
    for (const p of ordered) {
      out.set(decode(p.payload), at);
      at += p.payload.length;
    }
    return out;
  }

  /**
   * Sends `samples` (8 kHz) as G.711 RTP to `to`, one packet per `ptimeMs` (default 20 ms) in real
   * time, from this endpoint's RTP port.
   */
  stream(to: { address: string; port: number }, samples: Int16Array, options: { payloadType?: 0 | 8; ptimeMs?: number } = {}): RtpStream {
    const pt = options.payloadType ?? 0;
    const ptime = options.ptimeMs ?? 20;
    const frame = (8000 * ptime) / 1000;
    const payload = pt === 8 ? encodePcma(samples) : encodePcmu(samples);
    const ssrc = (Math.random() * 0xffffffff) >>> 0;
    let seq = (Math.random() * 0xffff) >>> 0;
    let ts = (Math.random() * 0xffffffff) >>> 0;
    let offset = 0;
    let sent = 0;
    let finish!: (n: number) => void;
    const done = new Promise<number>((r) => (finish = r));
    const timer = setInterval(() => {
      if (this.#closed || offset >= payload.length) {
        clearInterval(timer);
        finish(sent);
        return;
      }
      const chunk = payload.subarray(offset, offset + frame);
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = (sent === 0 ? 0x80 : 0) | pt;
      header.writeUInt16BE(seq, 2);
      header.writeUInt32BE(ts, 4);
      header.writeUInt32BE(ssrc, 8);
      this.#rtp.send(Buffer.concat([header, chunk]), to.port, to.address);
      seq = (seq + 1) & 0xffff;
      ts = (ts + chunk.length) >>> 0;
      offset += frame;
      sent++;
    }, ptime);
    return {
      done,
      stop: () => {
        offset = payload.length;
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([new Promise<void>((r) => this.#rtp.close(() => r())), new Promise<void>((r) => this.#rtcp.close(() => r()))]);
  }

  #onRtp(msg: Buffer, rinfo: RemoteInfo): void {
    const rtp = parseRtp(msg); // undefined for RTCP multiplexed on the RTP port, too
    if (!rtp) return;
    this.packets.push({
      payloadType: rtp.payloadType,
      marker: rtp.marker,
      sequence: rtp.sequenceNumber,
      timestamp: rtp.timestamp,
      ssrc: rtp.ssrc,
      payload: Buffer.from(rtp.payload),
      from: { address: rinfo.address, port: rinfo.port },
    });
  }

}

function bind(socket: Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
