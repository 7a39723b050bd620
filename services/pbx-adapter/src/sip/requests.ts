// Requests derived from other requests: CANCEL (RFC 3261 §9.1) and the ACK for a non-2xx final
// response (§17.1.1.3). Both reuse the INVITE's top Via, hence its branch.
import { createRequest, type SipRequest, type SipResponse } from './message.ts';

/** CANCEL for a pending INVITE: same Request-URI, top Via, From, To, Call-ID, CSeq number, Route. */
export const createCancel = (invite: SipRequest, opts: { reason?: string } = {}): SipRequest => {
  if (invite.method !== 'INVITE') throw new TypeError(`createCancel() needs an INVITE, got ${invite.method}`);
  const h = invite.headers;
  const topVia = h.values('Via')[0];
  if (topVia === undefined) throw new TypeError('createCancel(): INVITE has no Via');
  const headers: Array<[string, string]> = [['Via', topVia]];
  for (const name of ['From', 'To', 'Call-ID']) headers.push([name, h.get(name) ?? '']);
  headers.push(['CSeq', `${h.cseq().seq} CANCEL`]);
  for (const r of h.getAll('Route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', '70']);
  if (opts.reason !== undefined) headers.push(['Reason', opts.reason]);
  return createRequest({ method: 'CANCEL', uri: invite.uri, headers });
};

/**
 * ACK for a 300-699 response, built by the INVITE client transaction: Request-URI, top Via, From,
 * Call-ID and Route of the INVITE, To of the response (with its tag), CSeq number with method ACK.
 */
export const createNon2xxAck = (invite: SipRequest, response: SipResponse): SipRequest => {
  const h = invite.headers;
  const topVia = h.values('Via')[0];
  if (topVia === undefined) throw new TypeError('createNon2xxAck(): INVITE has no Via');
  const headers: Array<[string, string]> = [
    ['Via', topVia],
    ['From', h.get('From') ?? ''],
    ['To', response.headers.get('To') ?? h.get('To') ?? ''],
    ['Call-ID', h.get('Call-ID') ?? ''],
    ['CSeq', `${h.cseq().seq} ACK`],
  ];
  for (const r of h.getAll('Route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', '70']);
  return createRequest({ method: 'ACK', uri: invite.uri, headers });
};
