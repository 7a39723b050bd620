import { parsePbxSdp } from '../sdp/pbxSdp.ts';

/**
 * Where a PBX's offer wants our audio: for an INVITE that opens a new call, the tuple of the call it will
 * likely be linked with by Direct Media (a PBX passing SDP through, Kamailio without rtpengine, hands the
 * callee the caller's own PBX offer). Undefined for SDP that does not parse: the command itself reports
 * that.
 */
export function offeredTuple(sdp: string): { address: string; port: number } | undefined {
  try {
    const { address, port, nullAddress } = parsePbxSdp(sdp, 'PBX offer');
    return nullAddress ? undefined : { address, port };
  } catch {
    return undefined;
  }
}
