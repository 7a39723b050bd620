// Raw SIP from any loopback source address (the namespace's `lo` answers all of 127.0.0.0/8, so a test
// plays the PBX, a trusted tool and strangers side by side): build requests (forged INVITEs, RFC 4475
// messages with the top Via pointing back at the probe, mutations), send them over UDP or TCP and
// collect what comes back. Only ever sends to the loopback address it is given.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { torture } from '../../../services/pbx-adapter/test/sip/rfc4475.ts';

export interface SipTarget {
  host: string;
  port: number;
}

export type Proto = 'UDP' | 'TCP';

/** What came back for one request: the status line and the whole text of each response. */
export interface Answers {
  statuses: number[];
  texts: string[];
}

const branch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;

/** An out-of-dialog INVITE with SDP, as a stranger forges it ("Bank Security" calling from tel:100). */
export function forgedInvite(o: { line: string; target: SipTarget; from: string; proto: Proto; sentBy: SipTarget; displayName?: string; callerUri?: string }): Buffer {
  const sdp = [
    'v=0', `o=- 1 1 IN IP4 ${o.from}`, 's=-', `c=IN IP4 ${o.from}`, 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101',
    'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
  ].join('\r\n');
  const head = [
    `INVITE sip:${o.line}@${o.target.host}:${o.target.port};transport=${o.proto.toLowerCase()} SIP/2.0`,
    `Via: SIP/2.0/${o.proto} ${o.sentBy.host}:${o.sentBy.port};branch=${branch()};rport`,
    'Max-Forwards: 70',
    `From: "${o.displayName ?? 'Bank Security'}" <${o.callerUri ?? 'tel:100'}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:${o.line}@${o.target.host}>`,
    `Call-ID: forged-${randomBytes(8).toString('hex')}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:attacker@${o.sentBy.host}:${o.sentBy.port}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.from(head + sdp);
}

/** An OPTIONS with a fresh branch (flood traffic). */
export function options(target: SipTarget, sentBy: SipTarget, n: number): Buffer {
  return Buffer.from([
    `OPTIONS sip:${target.host}:${target.port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${sentBy.host}:${sentBy.port};branch=z9hG4bKfl${n.toString(36)}${randomBytes(3).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <sip:flood@${sentBy.host}>;tag=f${n.toString(36)}`,
    `To: <sip:${target.host}:${target.port}>`,
    `Call-ID: flood-${n}-${sentBy.host}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'));
}

/**
 * An RFC 4475 message (the texts in services/pbx-adapter/test/fixtures/sip/rfc4475) whose top Via is
 * replaced by one naming `viaProto` at the probe's address with rport, so the answer comes back to us
 * instead of the RFC's example.com hosts.
 */
export function rfc4475(name: string, viaProto: Proto, sentBy: SipTarget): Buffer {
  const raw = torture(name);
  const text = raw.toString('latin1');
  const via = `Via: SIP/2.0/${viaProto} ${sentBy.host}:${sentBy.port};branch=${branch()};rport`;
  return Buffer.from(text.replace(/^(Via|v)[ \t]*:[^\r\n]*(\r\n[ \t][^\r\n]*)*/im, via), 'latin1');
}

/** A valid-looking INVITE with 1–3 random mutations in its header section (bytes flipped, inserted, lines dropped). */
export function mutatedInvite(base: Buffer, random: () => number): Buffer {
  const text = base.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const firstLineEnd = text.indexOf('\r\n');
  let head = text.slice(0, split);
  const body = text.slice(split);
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const at = firstLineEnd + 2 + Math.floor(random() * Math.max(1, head.length - firstLineEnd - 2));
    const kind = Math.floor(random() * 4);
    if (kind === 0) head = head.slice(0, at) + String.fromCharCode(32 + Math.floor(random() * 95)) + head.slice(at + 1);
    else if (kind === 1) head = head.slice(0, at) + randomBytes(1 + Math.floor(random() * 4)).toString('latin1') + head.slice(at);
    else if (kind === 2) {
      const lines = head.split('\r\n');
      lines.splice(1 + Math.floor(random() * (lines.length - 1)), 1);
      head = lines.join('\r\n');
    } else head = head.replace(/"[^"]*"/, `"${randomBytes(6).toString('base64')}"`);
  }
  return Buffer.from(head + body, 'latin1');
}

/** A UDP socket bound to `from` (any 127.x address): sends and gathers answers. */
export class UdpProbe {
  readonly socket: Socket;
  readonly local: SipTarget;
  readonly received: string[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    const a = socket.address();
    this.local = { host: a.address, port: a.port };
    socket.on('message', (m) => {
      if (this.received.length < 100_000) this.received.push(m.toString('latin1'));
    });
  }

  static async open(from: string): Promise<UdpProbe> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, from, () => resolve());
    });
    return new UdpProbe(socket);
  }

  send(data: Buffer, to: SipTarget): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, to.port, to.host, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends one request and returns the answers to its Call-ID within `waitMs`. */
  async ask(data: Buffer, to: SipTarget, waitMs = 1500): Promise<Answers> {
    const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]*)/im.exec(data.toString('latin1'))?.[1]?.trim();
    const start = this.received.length;
    await this.send(data, to);
    await new Promise((r) => setTimeout(r, waitMs));
    return answersOf(this.received.slice(start).filter((t) => callId === undefined || t.includes(callId)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Sends `data` on a new TCP connection from `from` and returns what came back on it within `waitMs`. */
export function askTcp(from: string, to: SipTarget, data: (local: SipTarget) => Buffer, waitMs = 1500): Promise<Answers & { closedByPeer: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    let closedByPeer = false;
    const socket = connect({ host: to.host, port: to.port, localAddress: from }, () => {
      socket.write(data({ host: socket.localAddress ?? from, port: socket.localPort ?? 0 }));
    });
    socket.on('data', (d) => {
      if (text.length < 1_000_000) text += d.toString('latin1');
    });
    socket.on('end', () => (closedByPeer = true));
    socket.on('error', () => (closedByPeer = true));
    setTimeout(() => {
      socket.destroy();
      resolve({ ...answersOf(text.split(/(?=SIP\/2\.0 \d{3} )/).filter((t) => t.startsWith('SIP/2.0 '))), closedByPeer });
    }, waitMs);
  });
}

function answersOf(texts: string[]): Answers {
  const responses = texts.filter((t) => t.startsWith('SIP/2.0 '));
  return { statuses: responses.map((t) => Number(t.slice(8, 11))), texts: responses };
}

/** The final statuses (≥ 200) of the answers. */
export const finals = (a: Answers): number[] => a.statuses.filter((s) => s >= 200);
