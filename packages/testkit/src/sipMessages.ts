import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/** SIP messages as tests see them: parsed from SIPp's message trace, their SDP, and an OPTIONS ping. */

export interface SipMessage {
  direction: 'sent' | 'received';
  /** e.g. `INVITE sip:101@127.0.0.1:5060 SIP/2.0` or `SIP/2.0 200 OK`. */
  startLine: string;
  /** The request method, or for responses the method of the CSeq. */
  method: string;
  /** The status code of a response; undefined for requests. */
  status: number | undefined;
  headers: [name: string, value: string][];
  body: string;
  raw: string;
}

/** The first value of header `name` (case-insensitive; compact forms are not expanded). */
export function header(message: SipMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  return message.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Parses one SIP message (start line, headers, body). */
export function parseSipMessage(raw: string, direction: SipMessage['direction'] = 'received'): SipMessage {
  const text = raw.replace(/^(\r?\n)+/, '');
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0\s+(\d{3})/.exec(startLine);
  const cseq = headers.find(([n]) => n.toLowerCase() === 'cseq')?.[1] ?? '';
  return {
    direction,
    startLine,
    method: response ? (cseq.split(/\s+/)[1] ?? '') : (startLine.split(' ')[0] ?? ''),
    status: response ? Number(response[1]) : undefined,
    headers,
    body,
    raw: text,
  };
}

/**
 * Parses SIPp's `-trace_msg` file: blocks introduced by a dashed time-stamp line and
 * `UDP message sent (N bytes):` / `UDP message received [N] bytes :`.
 */
export function parseSippMessageLog(text: string): SipMessage[] {
  const out: SipMessage[] = [];
  const blocks = text.split(/^-{20,}.*$/m);
  for (const block of blocks) {
    const m = /^\s*(\w+) message (sent|received)[^\n]*\n/.exec(block);
    if (!m) continue;
    const raw = block.slice(m[0].length).replace(/\s+$/, '');
    if (!raw) continue;
    out.push(parseSipMessage(raw, m[2] === 'sent' ? 'sent' : 'received'));
  }
  return out;
}

export interface SdpMedia {
  media: string;
  /** Connection address of the media (media-level c= or else the session-level one). */
  address: string;
  port: number;
  protocol: string;
  payloadTypes: number[];
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  attributes: string[];
}

export interface SdpSummary {
  origin: string | undefined;
  /** Session-level connection address. */
  address: string | undefined;
  media: SdpMedia[];
}

/** The parts of an SDP tests assert on: addresses, ports, payload types, direction. */
export function parseSdp(sdp: string): SdpSummary {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 1 && l[1] === '=');
  let origin: string | undefined;
  let sessionAddress: string | undefined;
  const media: SdpMedia[] = [];
  let current: SdpMedia | undefined;
  let sessionDirection: SdpMedia['direction'] = 'sendrecv';
  for (const line of lines) {
    const type = line[0];
    const value = line.slice(2).trim();
    if (type === 'o') origin = value;
    else if (type === 'c') {
      const address = value.split(/\s+/)[2]?.split('/')[0];
      if (current) current.address = address ?? current.address;
      else sessionAddress = address;
    } else if (type === 'm') {
      const [name = '', port = '0', protocol = '', ...fmts] = value.split(/\s+/);
      current = {
        media: name,
        address: sessionAddress ?? '',
        port: Number(port.split('/')[0]),
        protocol,
        payloadTypes: fmts.map(Number),
        direction: sessionDirection,
        attributes: [],
      };
      media.push(current);
    } else if (type === 'a') {
      if (value === 'sendrecv' || value === 'sendonly' || value === 'recvonly' || value === 'inactive') {
        if (current) current.direction = value;
        else sessionDirection = value;
      } else if (current) {
        current.attributes.push(value);
      }
    }
  }
  return { origin, address: sessionAddress, media };
}

/**
 * Sends one OPTIONS over UDP to `host:port` and resolves with the status code of the final reply
 * (rejects after `timeoutMs`). A readiness probe for any SIP server.
 */
export async function sipPing(host: string, port: number, timeoutMs = 1000): Promise<number> {
  const socket = createSocket('udp4');
  try {
    const loopback = host.startsWith('127.');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, loopback ? '127.0.0.1' : undefined, () => resolve());
    });
    // Elsewhere (a TestNetwork host), connecting picks the source address the Via must name.
    if (!loopback) await new Promise<void>((resolve) => socket.connect(port, host, () => resolve()));
    const local = socket.address();
    const id = randomBytes(8).toString('hex');
    const msg = [
      `OPTIONS sip:${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=z9hG4bK${id};rport`,
      'Max-Forwards: 70',
      `From: <sip:ping@${local.address}>;tag=${id.slice(0, 8)}`,
      `To: <sip:${host}:${port}>`,
      `Call-ID: ping-${id}@${local.address}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to OPTIONS from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
      socket.on('message', (buf) => {
        const m = /^SIP\/2\.0 (\d{3})/.exec(buf.toString('latin1'));
        if (m && Number(m[1]) >= 200) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      if (loopback) socket.send(msg, port, host);
      else socket.send(msg);
    });
  } finally {
    socket.close();
  }
}
