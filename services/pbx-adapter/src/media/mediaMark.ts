// The media mark: where an outgoing leg's media lives, carried in our INVITEs to the PBX so that the
// other leg of the same conversation — the INVITE the PBX sends back to us when a softphone calls a
// softphone of this ucserver — is placed on the same media node (one host's death then ends one
// conversation, not two, and the legs can share a worker and router). A proxy (Kamailio) passes the
// header through untouched; a B2BUA usually drops it, and then placement is by load as before.
//
//   X-UCS-Media: <nodeId>;call=<callId>
//
// Both ids are bus ids (letters, digits, _ : @ + -; at most 128 characters). The header comes from the
// network: anyone who can send us an INVITE can write one, so it is only ever a placement preference —
// a node that is not live or is draining is ignored, and the call id only names the call the node may
// put the new one next to. Pure functions; a malformed value is reported, never thrown.

/** The header's name, sent as written and matched case-insensitively (SipHeaders). */
export const MEDIA_MARK_HEADER = 'X-UCS-Media';

/** Longest value read: two ids of 128 characters, the parameter name and some whitespace. */
export const MEDIA_MARK_MAX_LENGTH = 300;

/** What the mark says: the media node carrying the leg, and the leg's (bus) call id. */
export interface MediaMark {
  nodeId: string;
  callId: string;
}

/** The outcome of reading the mark of an INVITE: no mark, a valid one, or why it was ignored. */
export type MediaMarkReading = { kind: 'none' } | { kind: 'mark'; mark: MediaMark } | { kind: 'invalid'; reason: string };

/** The bus's Id (packages/shared bus/contract.ts), the only thing either half may contain. */
const ID = /^[A-Za-z0-9_:@+-]{1,128}$/;
/** `<id> ; call = <id>`, with the optional whitespace of SIP parameters (RFC 3261 §25.1 SEMI, EQUAL). */
const VALUE = /^([^;\s=]+)[ \t]*;[ \t]*([A-Za-z]+)[ \t]*=[ \t]*([^;\s=]+)$/;

/** The header value for a leg on `nodeId`, or undefined when an id could not be read back (never sent). */
export function formatMediaMark(mark: MediaMark): string | undefined {
  if (!ID.test(mark.nodeId) || !ID.test(mark.callId)) return undefined;
  return `${mark.nodeId};call=${mark.callId}`;
}

/**
 * The header line for an outgoing INVITE: none when the ids cannot be written as a mark, or when marking is
 * off (SIP_MEDIA_MARK=false: a PBX that forwards our INVITEs to trunks must not carry node and call ids off site).
 */
export function mediaMarkHeaders(mark: MediaMark, enabled = true): Array<[string, string]> {
  if (!enabled) return [];
  const value = formatMediaMark(mark);
  return value === undefined ? [] : [[MEDIA_MARK_HEADER, value]];
}

/** Parses one header value strictly: length, shape, the `call` parameter (case-insensitive) and both ids' charset. */
export function parseMediaMark(value: string): MediaMarkReading {
  if (value.length > MEDIA_MARK_MAX_LENGTH) return { kind: 'invalid', reason: `longer than ${MEDIA_MARK_MAX_LENGTH} characters` };
  const m = VALUE.exec(value.trim());
  if (!m) return { kind: 'invalid', reason: 'not <nodeId>;call=<callId>' };
  const [, nodeId = '', param = '', callId = ''] = m;
  if (param.toLowerCase() !== 'call') return { kind: 'invalid', reason: `unknown parameter '${param.slice(0, 16)}'` };
  if (!ID.test(nodeId)) return { kind: 'invalid', reason: 'the node id is not an id token' };
  if (!ID.test(callId)) return { kind: 'invalid', reason: 'the call id is not an id token' };
  return { kind: 'mark', mark: { nodeId, callId } };
}

/** Reads the mark of a request: absent, one valid value, or ignored (malformed, or repeated: which would be meant?). */
export function readMediaMark(headers: { getAll(name: string): string[] }): MediaMarkReading {
  const values = headers.getAll(MEDIA_MARK_HEADER);
  if (values.length === 0) return { kind: 'none' };
  if (values.length > 1) return { kind: 'invalid', reason: `${values.length} ${MEDIA_MARK_HEADER} headers` };
  return parseMediaMark(values[0]!);
}
