// A registrar that accepts every REGISTER (200, the Contact echoed with the requested expiry) on a UDP
// loopback port: the PBX a test line registers at when the test only needs the line's live binding (an
// incoming INVITE is served only for a line registered by us). With `refuse`, an INVITE (a call the
// adapter places through this PBX, e.g. to a transfer target) is answered with that final status.
import { createSocket, type Socket } from 'node:dgram';

export class StubRegistrar {
  readonly port: number;
  /** REGISTERs answered. */
  registers = 0;
  /** Request-URIs of the INVITEs refused (with `refuse`), retransmissions included. */
  readonly invites: string[] = [];
  readonly #socket: Socket;

  private constructor(socket: Socket, refuse: string | undefined) {
    this.#socket = socket;
    this.port = socket.address().port;
    socket.on('message', (buf, rinfo) => {
      const text = buf.toString('utf8');
      const invite = refuse !== undefined && text.startsWith('INVITE ');
      if (!text.startsWith('REGISTER ') && !invite) return;
      const lines = text.split('\r\n');
      const end = lines.indexOf('');
      const head = lines.slice(1, end < 0 ? undefined : end);
      const pick = (name: RegExp): string[] => head.filter((l) => name.test(l));
      const expires = /^expires\s*:\s*(\d+)/i.exec(pick(/^expires\s*:/i)[0] ?? '')?.[1] ?? '600';
      const contact = (pick(/^(contact|m)\s*:/i)[0] ?? '').replace(/^[^:]*:\s*/, '');
      const to = pick(/^(to|t)\s*:/i)[0] ?? '';
      if (invite) this.invites.push(text.slice(7, text.indexOf(' ', 7)));
      const response = [
        invite ? `SIP/2.0 ${refuse}` : 'SIP/2.0 200 OK',
        ...pick(/^(via|v)\s*:/i),
        ...pick(/^(from|f)\s*:/i),
        /;\s*tag=/i.test(to) ? to : `${to};tag=stubreg`,
        ...pick(/^(call-id|i)\s*:/i),
        ...pick(/^cseq\s*:/i),
        ...(contact && expires !== '0' && !invite ? [`Contact: ${contact};expires=${expires}`] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      this.registers++;
      socket.send(response, rinfo.port, rinfo.address);
    });
  }

  /** `refuse`: the status line INVITEs are answered with (e.g. '404 Not Found'); without it they go unanswered. */
  static async start(options: { refuse?: string } = {}): Promise<StubRegistrar> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new StubRegistrar(socket, options.refuse);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
