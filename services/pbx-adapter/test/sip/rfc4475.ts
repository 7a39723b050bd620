// Loader for the RFC 4475 fixtures: decodes the RFC's representation conventions (§2) to wire bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/sip/rfc4475/', import.meta.url));

/** Decode RFC 4475 §2 notation (LF → CRLF, <allOneLine>, <hex>, <repeat>) to bytes. */
export const decodeTortureNotation = (text: string): Buffer => {
  let t = text.replace(/\r\n/g, '\n');
  t = t.replace(/<allOneLine>\n([\s\S]*?)\n<\/allOneLine>/g, (_m, inner: string) => inner.replace(/\n/g, ''));
  t = t.replace(/<repeat count=(\d+)>([\s\S]*?)<\/repeat>/g, (_m, n: string, inner: string) => inner.repeat(Number(n)));
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of t.matchAll(/<hex>([0-9A-Fa-f\s]*?)<\/hex>/g)) {
    parts.push(Buffer.from(t.slice(last, m.index).replace(/\n/g, '\r\n'), 'utf8'));
    parts.push(Buffer.from((m[1] as string).replace(/\s+/g, ''), 'hex'));
    last = (m.index as number) + m[0].length;
  }
  parts.push(Buffer.from(t.slice(last).replace(/\n/g, '\r\n'), 'utf8'));
  return Buffer.concat(parts);
};

/** Wire bytes of an RFC 4475 message by its RFC file name ("wsinv", "intmeth", ...). */
export const torture = (name: string): Buffer => decodeTortureNotation(readFileSync(`${DIR}${name}.txt`, 'utf8'));
