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
 *
 * Beyond §17.2.3 the id also holds the Call-ID, the CSeq number and the transport the request came in
 * on: a retransmission repeats all three (and so do a CANCEL and the ACK of a non-2xx), while a client
 * that reuses a branch for a new request (RFC 4475's messages all share `z9hG4bKkdjuw`), or sends the
 * same bytes again over another transport, would otherwise get an older request's response, sent over
 * the older request's transport, and its own request would go unanswered.
 */
export const serverTransactionKey = (request: SipRequest, method?: string, protocol = ''): string => {
  const h = request.headers;
  const via = h.topVia();
  const branch = viaBranch(via);
  const m = method ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  if (isRfc3261Branch(branch)) return [branch, viaSentBy(via), m, h.callId(), h.cseq().seq, protocol].join('|');
  return ['rfc2543', formatUri(request.uri), h.fromTag() ?? '', h.callId(), h.cseq().seq, viaSentBy(via), branch ?? '', m, protocol].join('|');
};

/** Dialog-level match of an ACK for a 2xx to the INVITE it acknowledges: Call-ID, CSeq number, From tag. */
export const inviteAckKey = (request: SipRequest): string => {
  const h = request.headers;
  return `${h.callId()}|${h.cseq().seq}|${h.fromTag() ?? ''}`;
};
