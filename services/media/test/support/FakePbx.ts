// The PBX's media side in tests: one UDP socket on 127.0.0.1 that speaks RTP (optionally SDES-SRTP
// through the independent test implementation), writes PBX-style SDP and records what it receives.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import * as sdpTransform from 'sdp-transform';
import { buildRtp, isRtcp, parseRtp, type ParsedRtp } from '@ucserver/testkit';
import { SrtpContext } from './srtp.ts';

export interface FakePbxSdpOptions {
  codecs?: Array<{ pt: number; name: string; rate: number; channels?: number; fmtp?: string }>;
  telephoneEvent?: { pt: number; rate: number } | false;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  rtcpMux?: boolean;
  /** Write a=rtcp:<port> (RFC 3605), as rtpengine does even with rtcp-mux. */
  rtcpPort?: number;
  /** Our key for SRTP (RTP/SAVP with a=crypto:tag). */
  crypto?: { tag: number; suite: string; keyBase64: string };
  ptime?: number;
  /** Point the SDP somewhere else (e.g. at another leg's tuple). */
  address?: string;
  port?: number;
  version?: number;
  ssrc?: number;
  /** Further m-sections (each its lines) after the audio one, e.g. a video the node must decline. */
  moreMedia?: string[][];
}

export class FakePbx {
  readonly socket: Socket;
  readonly received: ParsedRtp[] = [];
  rtcpPackets = 0;
  receivedBytes = 0;
  /** Where our RTP goes (the media node's PBX tuple, read from its SDP). */
  target: { address: string; port: number } | undefined;
  srtpIn: SrtpContext | undefined;
  srtpOut: SrtpContext | undefined;
  srtpFailures = 0;
  #seq = 1000;
  #timestamp = 50_000;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (msg) => {
      this.receivedBytes += msg.length;
      if (isRtcp(msg)) {
        this.rtcpPackets += 1;
        return;
      }
      let clear: Buffer | undefined = msg;
      if (this.srtpIn) {
        clear = this.srtpIn.unprotect(msg);
        if (!clear) {
          this.srtpFailures += 1;
          return;
        }
      }
      const rtp = parseRtp(clear);
      if (rtp) this.received.push(rtp);
    });
  }

  static async create(): Promise<FakePbx> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new FakePbx(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** An SDP the way a PBX writes it (Asterisk-like by default). */
  sdp(o: FakePbxSdpOptions = {}): string {
    const codecs = o.codecs ?? [{ pt: 0, name: 'PCMU', rate: 8000 }, { pt: 8, name: 'PCMA', rate: 8000 }];
    const te = o.telephoneEvent === false ? undefined : (o.telephoneEvent ?? { pt: 101, rate: 8000 });
    const pts = [...codecs.map((c) => c.pt), ...(te ? [te.pt] : [])];
    const address = o.address ?? '127.0.0.1';
    return [
      'v=0',
      `o=- 4242 ${o.version ?? 1} IN IP4 ${address}`,
      's=FakePbx',
      `c=IN IP4 ${address}`,
      't=0 0',
      `m=audio ${o.port ?? this.port} ${o.crypto ? 'RTP/SAVP' : 'RTP/AVP'} ${pts.join(' ')}`,
      ...codecs.flatMap((c) => [`a=rtpmap:${c.pt} ${c.name}/${c.rate}${c.channels ? `/${c.channels}` : ''}`, ...(c.fmtp ? [`a=fmtp:${c.pt} ${c.fmtp}`] : [])]),
      ...(te ? [`a=rtpmap:${te.pt} telephone-event/${te.rate}`, `a=fmtp:${te.pt} 0-16`] : []),
      ...(o.ptime ? [`a=ptime:${o.ptime}`] : []),
      ...(o.rtcpPort !== undefined ? [`a=rtcp:${o.rtcpPort}`] : []),
      ...(o.rtcpMux ? ['a=rtcp-mux'] : []),
      ...(o.crypto ? [`a=crypto:${o.crypto.tag} ${o.crypto.suite} inline:${o.crypto.keyBase64}`] : []),
      ...(o.ssrc !== undefined ? [`a=ssrc:${o.ssrc} cname:fakepbx`] : []),
      `a=${o.direction ?? 'sendrecv'}`,
      ...(o.moreMedia ?? []).flat(),
      '',
    ].join('\r\n');
  }

  /** Reads the media node's SDP: where to send, its payload types and its SDES key. */
  useRemoteSdp(sdp: string): { address: string; port: number; payloadTypes: number[]; crypto: { tag: number; suite: string; keyBase64: string } | undefined; direction: string; rtcpMux: boolean; rtcpPort: number | undefined } {
    const session = sdpTransform.parse(sdp);
    const media = session.media[0]!;
    const address = (media.connection ?? session.connection)!.ip;
    this.target = { address, port: media.port };
    const crypto = media.crypto?.[0];
    return {
      address,
      port: media.port,
      payloadTypes: String(media.payloads).split(' ').map(Number),
      crypto: crypto ? { tag: crypto.id, suite: crypto.suite, keyBase64: crypto.config.replace(/^inline:/, '').split('|')[0]! } : undefined,
      direction: media.direction ?? 'sendrecv',
      rtcpMux: Boolean(media.rtcpMux),
      rtcpPort: media.rtcp?.port,
    };
  }

  /** Sends one RTP packet to the node (SRTP-protected when `srtpOut` is set). */
  send(payloadType: number, ssrc: number, payload: Buffer): void {
    if (!this.target) throw new Error('FakePbx has no target yet');
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + 160) >>> 0;
    let packet = buildRtp({ payloadType, sequenceNumber: this.#seq, timestamp: this.#timestamp, ssrc, payload });
    if (this.srtpOut) packet = this.srtpOut.protect(packet);
    this.socket.send(packet, this.target.port, this.target.address);
  }

  close(): void {
    this.socket.close();
  }
}
