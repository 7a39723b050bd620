// CSeq (RFC 3261 §20.16): sequence number < 2**31 and the method.
import { isDigit } from '../grammar/charsets.ts';
import { Scanner } from '../grammar/Scanner.ts';

export interface CSeq {
  seq: number;
  method: string;
}

/** Largest CSeq number allowed by RFC 3261 §8.1.1.5 (2**31 - 1). */
const MAX_CSEQ = 2 ** 31 - 1;

export const parseCSeq = (value: string): CSeq => {
  const s = new Scanner(value, 'CSeq');
  s.skipWs();
  const digits = s.readWhile(isDigit);
  if (digits.length === 0) s.fail('expected sequence number');
  const seq = Number(digits);
  if (!Number.isSafeInteger(seq) || seq > MAX_CSEQ) s.fail('sequence number out of range');
  if (!s.skipWs()) s.fail('expected LWS before method');
  const method = s.token('method');
  s.end();
  return { seq, method };
};

export const formatCSeq = (cseq: CSeq): string => `${cseq.seq} ${cseq.method}`;
