import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Loopback ports picked at run time: a random candidate is bound, checked and closed; the caller binds it
 * right after. Candidates come from outside the kernel's ephemeral range: a port the kernel hands out
 * (port 0) can be handed out again, to any outgoing connection or port-0 bind (Chromium's ICE sockets,
 * NATS clients), between our check and the caller's bind, and that caller then fails with EADDRINUSE.
 */

const HOST = '127.0.0.1';

/**
 * Where candidates come from: 10000–19999, below the ephemeral range (Linux default 32768–60999) and below
 * the media tests' PlainTransport windows (20000–31999, services/media/test/support/portWindow.ts); if
 * the ephemeral range starts lower than that, above it.
 */
export const pickRange: { min: number; max: number } = (() => {
  let low = 32768;
  let high = 60999;
  try {
    const [a, b] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a && b && a <= b) [low, high] = [a, b];
  } catch {
    // not Linux: keep the defaults
  }
  if (low > 15_000) return { min: 10_000, max: Math.min(19_999, low - 1) };
  if (65_535 - high - 1 >= 2_000) return { min: high + 1, max: 65_535 };
  return { min: 10_000, max: 65_535 };
})();

/**
 * Ports this process handed out lately (port → when): a candidate is free until its caller binds it, so two
 * calls in a row (a service's HTTP and CTI ports) could get the same one — the gateway then failed with
 * EADDRINUSE on its second listener (e2e 18 in a clean-clone run). Not handed out twice within HANDED_OUT_MS.
 */
const handedOut = new Map<number, number>();
const HANDED_OUT_MS = 300_000;

function recentlyHandedOut(port: number, count: number): boolean {
  const now = Date.now();
  for (const [p, at] of handedOut) if (now - at > HANDED_OUT_MS) handedOut.delete(p);
  for (let p = port; p < port + count; p++) if (handedOut.has(p)) return true;
  return false;
}

function handOut(port: number, count: number): number {
  const now = Date.now();
  for (let p = port; p < port + count; p++) handedOut.set(p, now);
  return port;
}

/**
 * Gives ports back before HANDED_OUT_MS: the owner of a range (an rtpengine of a bench step) has stopped,
 * so its block may be handed out again — a bench that starts several relays with large ranges in a row
 * would otherwise find no free block of its size (bench/media-relay: 3 × 13,000 ports in 40,000).
 */
export function releasePorts(first: number, count = 1): void {
  for (let p = first; p < first + count; p++) handedOut.delete(p);
}

function randomCandidate(): number {
  return pickRange.min + Math.floor(Math.random() * (pickRange.max - pickRange.min + 1));
}

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
    let port = randomCandidate();
    if (options.even && port % 2 === 1) port -= 1;
    if (recentlyHandedOut(port, options.count ?? 1)) continue;
    if (await freeAt(port, options)) return handOut(port, options.count ?? 1);
  }
  throw new Error(`no free loopback port found (${JSON.stringify(options)})`);
}

/**
 * A block of `size` consecutive UDP ports, all free right now, starting at an even port between
 * `lowest` and `highest` (for RTP port ranges of rtpengine/baresip, which bind them one call at a time and
 * skip a port that is taken). The default stays clear of freePort's range, so a lazily bound RTP port never
 * takes a port freePort handed to a listener.
 */
export async function freePortRange(size: number, lowest = 20000, highest = 59999): Promise<{ min: number; max: number }> {
  const span = highest - lowest - size;
  if (size * 8 <= highest - lowest) {
    // A small block: a random start, so test processes (which do not share `handedOut`) rarely collide.
    for (let attempt = 0; attempt < 100; attempt++) {
      const min = lowest + 2 * Math.floor((Math.random() * span) / 2);
      if (recentlyHandedOut(min, size)) continue;
      if (await freeAt(min, { count: size })) return { min: handOut(min, size), max: min + size - 1 };
    }
  }
  // A large block (rtpengine sized for a bench step: 13,000 ports), or no random start fitted: first fit,
  // ascending — random starts leave gaps between earlier blocks that no later large block fits in.
  recentlyHandedOut(lowest, 0);
  let min = lowest + (lowest % 2);
  while (min + size - 1 <= highest) {
    const conflict = await firstConflict(min, size);
    if (conflict === undefined) return { min: handOut(min, size), max: min + size - 1 };
    min = conflict + 1 + ((conflict + 1) % 2);
  }
  throw new Error(`no free UDP port range of ${size} between ${lowest} and ${highest}`);
}

/** The first port of the block that was handed out lately or cannot be bound for UDP now. */
async function firstConflict(first: number, count: number): Promise<number | undefined> {
  for (let p = first; p < first + count; p++) {
    if (handedOut.has(p) || (await udpFree(p)) === undefined) return p;
  }
  return undefined;
}
