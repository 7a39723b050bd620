// SIP_TRUSTED_PEERS: a comma-separated list of IP addresses and CIDR ranges (IPv4 and IPv6). Pure
// parsing shared by the config schema (validation) and the pbx-adapter (matching).
import { BlockList, isIP } from 'node:net';

export interface PeerRange {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** Prefix length; a single address has 32 (IPv4) or 128 (IPv6). */
  prefix: number;
}

/** One entry (`10.0.0.5`, `192.0.2.0/24`, `2001:db8::/32`, `[::1]`), or undefined when it is none. */
export function parsePeer(text: string): PeerRange | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = (slash < 0 ? t : t.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
  const version = isIP(addr);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { address: addr, family: version === 4 ? 'ipv4' : 'ipv6', prefix };
}

/** The entries of a list; empty entries are skipped. Throws TypeError naming the first bad entry. */
export function parsePeerList(text: string): PeerRange[] {
  const out: PeerRange[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const peer = parsePeer(part);
    if (!peer) throw new TypeError(`bad SIP peer '${part.trim().slice(0, 64)}' (expected an IP address or CIDR range)`);
    out.push(peer);
  }
  return out;
}

export function isPeerList(text: string): boolean {
  try {
    parsePeerList(text);
    return true;
  } catch {
    return false;
  }
}

/** A node:net BlockList holding the ranges (its check() matches IPv4-mapped IPv6 too). */
export function peerBlockList(peers: readonly PeerRange[]): BlockList {
  const list = new BlockList();
  for (const p of peers) {
    if (p.prefix === (p.family === 'ipv4' ? 32 : 128)) list.addAddress(p.address, p.family);
    else list.addSubnet(p.address, p.prefix, p.family);
  }
  return list;
}
