import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** Loopback ports picked at run time: bind, read the number, close. The caller binds it right after. */

const HOST = '127.0.0.1';

function udpFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, HOST, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function tcpFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host: HOST, exclusive: true }, () => {
      const address = s.address();
      const p = typeof address === 'object' && address ? address.port : undefined;
      s.close(() => resolve(p));
    });
  });
}

export interface FreePortOptions {
  /** Also free for TCP (default: UDP only). */
  tcp?: boolean;
  /** Also free for UDP (default true). */
  udp?: boolean;
  /** Number of consecutive free ports starting at the result (e.g. 2 for RTP+RTCP, SIP+TLS). */
  count?: number;
  /** The first port is even (RTP convention). */
  even?: boolean;
}

async function freeAt(port: number, options: FreePortOptions): Promise<boolean> {
  const count = options.count ?? 1;
  for (let p = port; p < port + count; p++) {
    if (p > 65535) return false;
    if (options.udp !== false && (await udpFree(p)) === undefined) return false;
    if (options.tcp && (await tcpFree(p)) === undefined) return false;
  }
  return true;
}

/** A loopback port (or `count` consecutive ones) free for the requested protocols right now. */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let port = (options.udp === false ? await tcpFree(0) : await udpFree(0)) ?? 0;
    if (port === 0) continue;
    if (options.even && port % 2 === 1) port += 1;
    if (await freeAt(port, options)) return port;
  }
  throw new Error(`no free loopback port found (${JSON.stringify(options)})`);
}

/**
 * A block of `size` consecutive UDP ports, all free right now, starting at an even port between
 * `lowest` and `highest` (for RTP port ranges of rtpengine/baresip).
 */
export async function freePortRange(size: number, lowest = 20000, highest = 59999): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const span = highest - lowest - size;
    const min = lowest + 2 * Math.floor((Math.random() * span) / 2);
    if (await freeAt(min, { count: size })) return { min, max: min + size - 1 };
  }
  throw new Error(`no free UDP port range of ${size} between ${lowest} and ${highest}`);
}
