// Trickle ICE candidates from softphones (RFC 8839 §5.1 grammar). The node is ICE-lite and learns the
// softphone's address from its connectivity checks, so candidates are only validated, never used.
import { isIP } from 'node:net';
import type { IceCandidate } from '@ucserver/shared';
import { CandidateInvalidError } from '../errors.ts';
import { truncate } from './session.ts';

export interface ParsedCandidate {
  foundation: string;
  component: number;
  transport: 'udp' | 'tcp';
  priority: number;
  address: string;
  port: number;
  type: 'host' | 'srflx' | 'prflx' | 'relay';
}

const grammar = /^(?:a=)?candidate:([A-Za-z0-9+/]{1,32}) (\d{1,3}) (udp|tcp) (\d{1,10}) (\S+) (\d{1,5}) typ (host|srflx|prflx|relay)(?: .*)?$/i;

/**
 * Validates one trickled candidate against the leg's m-line.
 * @throws CandidateInvalidError when it does not parse or names another m-line.
 */
export function parseTrickleCandidate(candidate: IceCandidate, mid: string, what: string): ParsedCandidate | null {
  // An empty candidate string is the "end of candidates" marker of RTCPeerConnection (per m-line).
  if (candidate.candidate.trim() === '') return null;
  if (candidate.sdpMid !== undefined && candidate.sdpMid !== null && candidate.sdpMid !== mid) {
    throw new CandidateInvalidError(`${what} names m-line '${truncate(candidate.sdpMid, 32)}' (the leg has '${mid}')`);
  }
  if (candidate.sdpMLineIndex !== undefined && candidate.sdpMLineIndex !== null && (candidate.sdpMid === undefined || candidate.sdpMid === null) && candidate.sdpMLineIndex !== 0) {
    throw new CandidateInvalidError(`${what} names m-line index ${candidate.sdpMLineIndex} (the leg has one m-line)`);
  }
  const m = grammar.exec(candidate.candidate.trim());
  if (!m) throw new CandidateInvalidError(`${what} is not an ICE candidate: '${truncate(candidate.candidate, 80)}'`);
  const [, foundation, component, transport, priority, address, port, type] = m;
  const portNumber = Number(port);
  // mDNS names (xxxx.local) are valid candidates browsers hand out; anything else must be an IP.
  if (isIP(address!) === 0 && !/^[0-9a-f-]{36}\.local$/i.test(address!)) throw new CandidateInvalidError(`${what} has address '${truncate(address!, 64)}', which is neither an IP nor an mDNS name`);
  if (portNumber > 65535) throw new CandidateInvalidError(`${what} has port ${portNumber}`);
  return {
    foundation: foundation!,
    component: Number(component),
    transport: transport!.toLowerCase() as 'udp' | 'tcp',
    priority: Number(priority),
    address: address!,
    port: portNumber,
    type: type!.toLowerCase() as ParsedCandidate['type'],
  };
}
