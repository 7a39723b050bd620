// Transaction identifiers for matching (RFC 3261 §17.1.3, §17.2.3) with the RFC 2543 fallback for
// requests whose branch lacks the magic cookie (RFC 4475 §3.2.1 allows either rejecting or falling back).
import { isRfc3261Branch, viaBranch, viaSentBy } from '../headers/via.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { formatUri } from '../uri.ts';

/** Client transaction id: branch of the top Via plus the CSeq method (CANCEL differs from INVITE). */
export const clientTransactionKey = (branch: string, cseqMethod: string): string => `${branch}|${cseqMethod}`;

export const clientKeyOfResponse = (response: SipResponse): string | undefined => {
  const branch = viaBranch(response.headers.topVia());
  if (branch === undefined) return undefined;
  return clientTransactionKey(branch, response.headers.cseq().method);
};

/**
 * Server transaction id: branch, sent-by and method, where ACK maps to INVITE. `method` overrides the
 * request's (a CANCEL looks up its INVITE with 'INVITE'). RFC 2543 requests use the Request-URI,
 * From tag, Call-ID, CSeq number and top Via instead.
 */
export const serverTransactionKey = (request: SipRequest, method?: string): string => {
  const via = request.headers.topVia();
  const branch = viaBranch(via);
  const m = method ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  if (isRfc3261Branch(branch)) return `${branch}|${viaSentBy(via)}|${m}`;
  const h = request.headers;
  return ['rfc2543', formatUri(request.uri), h.fromTag() ?? '', h.callId(), h.cseq().seq, viaSentBy(via), branch ?? '', m].join('|');
};

/** Dialog-level match of an ACK for a 2xx to the INVITE it acknowledges: Call-ID, CSeq number, From tag. */
export const inviteAckKey = (request: SipRequest): string => {
  const h = request.headers;
  return `${h.callId()}|${h.cseq().seq}|${h.fromTag() ?? ''}`;
};
