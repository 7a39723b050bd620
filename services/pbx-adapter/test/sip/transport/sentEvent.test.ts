// The 'sent' event of both transports (used for the adapter's outbound message counters): emitted once
// per message handed to the socket, with the destination and the bytes sent (the SIP trace records
// them), and not for a send that failed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { serializeMessage, TcpTransport, UdpTransport, type SipTransport } from '../../../src/sip/mod.ts';
import { sampleRequest } from '../sampleMessages.ts';

const pair = async (kind: 'udp' | 'tcp'): Promise<[SipTransport, SipTransport]> =>
  kind === 'udp'
    ? [await UdpTransport.create({ host: '127.0.0.1' }), await UdpTransport.create({ host: '127.0.0.1' })]
    : [await TcpTransport.create({ host: '127.0.0.1' }), await TcpTransport.create({ host: '127.0.0.1' })];

describe("transport 'sent' event", () => {
  for (const kind of ['udp', 'tcp'] as const) {
    it(`${kind}: send() emits 'sent' with the message, destination and bytes once it is on the socket`, async () => {
      const [a, b] = await pair(kind);
      try {
        const message = sampleRequest();
        const destination = { host: '127.0.0.1', port: b.local.port };
        const sent = once(a, 'sent', { signal: AbortSignal.timeout(2000) });
        const received = once(b, 'message', { signal: AbortSignal.timeout(2000) });
        await a.send(message, destination);
        const [m, d, data] = await sent;
        assert.equal(m, message);
        assert.deepEqual(d, destination);
        assert.deepEqual(data, serializeMessage(message));
        await received;
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
  it("udp: a send on a closed transport rejects and emits no 'sent'", async () => {
    const [a, b] = await pair('udp');
    await a.close();
    await b.close();
    let emitted = 0;
    a.on('sent', () => emitted++);
    await assert.rejects(a.send(sampleRequest(), { host: '127.0.0.1', port: b.local.port }));
    assert.equal(emitted, 0);
  });
});
