/**
 * Bencode (the encoding of rtpengine's ng control protocol): integers `i42e`, byte strings `4:spam`,
 * lists `l...e`, dictionaries `d...e` with sorted keys. Strings decode as UTF-8 text.
 */

export type BencodeValue = string | number | BencodeValue[] | { [key: string]: BencodeValue };

export function bencode(value: BencodeValue): Buffer {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts);
}

function write(value: BencodeValue, out: Buffer[]): void {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`bencode: only integers can be encoded (got ${value})`);
    out.push(Buffer.from(`i${value}e`));
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(Buffer.from(`${bytes.length}:`), bytes);
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('l'));
    for (const v of value) write(v, out);
    out.push(Buffer.from('e'));
  } else if (value !== null && typeof value === 'object') {
    out.push(Buffer.from('d'));
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const k of keys) {
      const v = value[k];
      if (v === undefined) continue;
      write(k, out);
      write(v, out);
    }
    out.push(Buffer.from('e'));
  } else {
    throw new TypeError(`bencode: cannot encode ${String(value)}`);
  }
}

/** Decodes one bencoded value; throws on trailing bytes or malformed input. */
export function bdecode(input: Buffer | string): BencodeValue {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const [value, end] = read(buf, 0);
  if (end !== buf.length) throw new SyntaxError(`bdecode: ${buf.length - end} trailing bytes at offset ${end}`);
  return value;
}

function read(buf: Buffer, pos: number): [BencodeValue, number] {
  const c = buf[pos];
  if (c === undefined) throw new SyntaxError(`bdecode: unexpected end at offset ${pos}`);
  if (c === 0x69 /* i */) {
    const end = buf.indexOf(0x65 /* e */, pos + 1);
    if (end < 0) throw new SyntaxError(`bdecode: unterminated integer at offset ${pos}`);
    const text = buf.toString('latin1', pos + 1, end);
    if (!/^-?\d+$/.test(text)) throw new SyntaxError(`bdecode: bad integer '${text}' at offset ${pos}`);
    return [Number(text), end + 1];
  }
  if (c === 0x6c /* l */) {
    const list: BencodeValue[] = [];
    let p = pos + 1;
    while (buf[p] !== 0x65) {
      if (p >= buf.length) throw new SyntaxError(`bdecode: unterminated list at offset ${pos}`);
      const [v, next] = read(buf, p);
      list.push(v);
      p = next;
    }
    return [list, p + 1];
  }
  if (c === 0x64 /* d */) {
    const dict: { [key: string]: BencodeValue } = {};
    let p = pos + 1;
    while (buf[p] !== 0x65) {
      if (p >= buf.length) throw new SyntaxError(`bdecode: unterminated dictionary at offset ${pos}`);
      const [k, afterKey] = read(buf, p);
      if (typeof k !== 'string') throw new SyntaxError(`bdecode: dictionary key at offset ${p} is not a string`);
      const [v, next] = read(buf, afterKey);
      dict[k] = v;
      p = next;
    }
    return [dict, p + 1];
  }
  if (c >= 0x30 && c <= 0x39) {
    const colon = buf.indexOf(0x3a /* : */, pos);
    if (colon < 0) throw new SyntaxError(`bdecode: string length without ':' at offset ${pos}`);
    const lenText = buf.toString('latin1', pos, colon);
    if (!/^\d+$/.test(lenText)) throw new SyntaxError(`bdecode: bad string length '${lenText}' at offset ${pos}`);
    const len = Number(lenText);
    const start = colon + 1;
    if (start + len > buf.length) throw new SyntaxError(`bdecode: string of ${len} bytes at offset ${pos} runs past the end`);
    return [buf.toString('utf8', start, start + len), start + len];
  }
  throw new SyntaxError(`bdecode: unexpected byte 0x${c.toString(16)} at offset ${pos}`);
}
