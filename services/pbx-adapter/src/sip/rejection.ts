// Answers for requests that failed to parse (RFC 3261 §8.2.6, §16.3; RFC 4475): build the error
// response from whatever raw Via, From, To, Call-ID and CSeq values could be recovered.
import { randomBytes } from 'node:crypto';
import type { SipParseError } from './errors.ts';
import { formatNameAddr, parseNameAddr } from './headers/nameAddr.ts';
import type { SipResponse } from './message.ts';
import { SipHeaders } from './SipHeaders.ts';
import { reasonPhrase } from './statusCodes.ts';

/**
 * The response a UAS sends for a request that failed to parse (400, or 505/513 per error.status), or
 * undefined when none must be sent: the message was a response, an ACK, or carried no Via to route
 * the answer with.
 */
export const createErrorResponse = (error: SipParseError, opts: { toTag?: string } = {}): SipResponse | undefined => {
  const partial = error.partial;
  if (!partial || partial.type !== 'request' || partial.method === 'ACK') return undefined;
  const first = (name: string): string | undefined => partial.headers.find((f) => f.name === name)?.value;
  const vias = partial.headers.filter((f) => f.name === 'Via').map((f) => f.value);
  if (vias.length === 0) return undefined;
  const headers = new SipHeaders();
  for (const v of vias) headers.append('Via', v);
  const from = first('From');
  if (from !== undefined) headers.append('From', from);
  const to = first('To');
  if (to !== undefined) {
    let value = to;
    try {
      const na = parseNameAddr(to, 'To');
      if (!na.params.has('tag')) {
        na.params.set('tag', opts.toTag ?? randomBytes(6).toString('hex'));
        value = formatNameAddr(na);
      }
    } catch {
      // The To value itself is malformed: echo it unchanged, there is no safe way to add a tag.
    }
    headers.append('To', value);
  }
  const callId = first('Call-ID');
  if (callId !== undefined) headers.append('Call-ID', callId);
  const cseq = first('CSeq');
  if (cseq !== undefined) headers.append('CSeq', cseq);
  headers.append('Content-Length', '0');
  const status = error.status;
  return { type: 'response', status, reason: reasonPhrase(status), headers, body: Buffer.alloc(0) };
};
