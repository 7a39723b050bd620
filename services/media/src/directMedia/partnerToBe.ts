import { parsePbxSdp, type PbxDescription } from '../sdp/pbxSdp.ts';

/**
 * The PBX's offer in an INVITE that opens a new call, parsed once: the call reads its offer from this
 * (see MediaCall.pbxOffer). Undefined for SDP that does not parse: the command itself reports that.
 */
export function parseNewPbxOffer(sdp: string): PbxDescription | undefined {
  try {
    return parsePbxSdp(sdp, 'PBX offer');
  } catch {
    return undefined;
  }
}

/**
 * Where a PBX's offer wants our audio: for an INVITE that opens a new call, the tuple of the call it will
 * likely be linked with by Direct Media (a PBX passing SDP through, Kamailio without rtpengine, hands the
 * callee the caller's own PBX offer).
 */
export function offeredTuple(offer: PbxDescription | undefined): { address: string; port: number } | undefined {
  return offer && !offer.nullAddress ? { address: offer.address, port: offer.port } : undefined;
}
