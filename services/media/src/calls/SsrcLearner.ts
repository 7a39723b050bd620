import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { SsrcLearnerEvents, SsrcLearnerOptions } from './SsrcLearnerTypes.ts';

/**
 * Learns the SSRC a PBX sends with, which SIP SDPs rarely carry but a mediasoup Producer needs (its RTP
 * listener matches packets by SSRC or MID, and PBX packets have no MID).
 *
 * It binds a second UDP socket to the PlainTransport's own address and port (both sockets set
 * SO_REUSEADDR) and *connects* it to the PBX's address. Linux delivers a datagram to the best-matching
 * socket, and a connected socket matches the sender exactly, so the PBX's packets come here, not to
 * mediasoup, until the first RTP packet is read; then the socket closes and they flow to mediasoup
 * again, where a Producer with that SSRC now exists. Only the first packets (tens of ms) are lost, and
 * nothing passes through Node once the SSRC is known.
 */
export class SsrcLearner extends EventEmitter<SsrcLearnerEvents> {
  readonly #socket: Socket;
  readonly #payloadTypes: ReadonlySet<number>;
  #closed = false;

  private constructor(socket: Socket, payloadTypes: ReadonlySet<number>) {
    super();
    this.#socket = socket;
    this.#payloadTypes = payloadTypes;
    socket.on('message', (msg) => this.#onMessage(msg));
    socket.on('error', (err) => {
      if (this.#closed) return;
      this.close();
      this.emit('error', err);
    });
  }

  static async start(options: SsrcLearnerOptions): Promise<SsrcLearner> {
    const socket = createSocket({ type: isIP(options.localIp) === 6 ? 'udp6' : 'udp4', reuseAddr: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(options.localPort, options.localIp, () => {
          socket.connect(options.remotePort, options.remoteIp, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    return new SsrcLearner(socket, options.payloadTypes);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onMessage(msg: Buffer): void {
    if (this.#closed || msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const second = msg[1]!;
    // RTCP on a muxed port: packet types 192..223 sit where RTP has marker + payload type (RFC 5761 §4).
    if (second >= 192 && second <= 223) return;
    const payloadType = second & 0x7f;
    if (!this.#payloadTypes.has(payloadType)) return;
    const ssrc = msg.readUInt32BE(8);
    this.close();
    this.emit('ssrc', ssrc, payloadType);
  }

  /** Releases the socket, so the PBX's packets reach mediasoup. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}
