// Server transaction matching when a client reuses a branch (issue 11, found by the fuzz suite): RFC
// 4475's messages, sent verbatim, share `z9hG4bKkdjuw` (cparam01/cparam02: same branch, sent-by and
// method) and are sent over UDP and then TCP with the same bytes. Each distinct request must get its own
// response on its own transport; a true retransmission must still be absorbed. Real sockets on loopback.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  createResponse,
  TcpTransport,
  TransactionLayer,
  UdpTransport,
  type SipMessage,
} from '../../../src/sip/mod.ts';
import { torture } from '../rfc4475.ts';
import { waitFor } from '../waitFor.ts';

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const server = async () => {
  const udp = await UdpTransport.create({ host: '127.0.0.1' });
  const tcp = await TcpTransport.create({ host: '127.0.0.1', port: 0 });
  const layer = new TransactionLayer({ transports: [udp, tcp] });
  cleanup.push(() => layer.close(), () => udp.close(), () => tcp.close());
  const requests: Array<{ callId: string; protocol: string }> = [];
  layer.on('request', (request, tx, source) => {
    requests.push({ callId: request.headers.callId(), protocol: source.protocol });
    tx.respond(createResponse(request, request.method === 'INVITE' ? 404 : 405, { toTag: 'uas' }));
  });
  const sent: Array<{ protocol: string; callId: string; status: number }> = [];
  for (const t of [udp, tcp]) {
    t.on('sent', (m: SipMessage) => {
      if (m.type === 'response') sent.push({ protocol: t.protocol, callId: m.headers.callId(), status: m.status });
    });
  }
  return { udp, tcp, layer, requests, sent };
};

const sendUdp = async (bytes: Buffer, port: number): Promise<void> => {
  const s = createSocket('udp4');
  cleanup.push(() => s.close());
  await new Promise<void>((resolve, reject) => s.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
};

const callIdOf = (bytes: Buffer): string => /^(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)/im.exec(bytes.toString('latin1'))![1]!.trim();

describe('server transactions: a reused branch is not a retransmission', () => {
  it('UDP: cparam01 then cparam02 (same branch, sent-by and method, other Call-ID) each get their own response', async () => {
    const { udp, requests, sent } = await server();
    await sendUdp(torture('cparam01'), udp.local.port);
    await waitFor(() => sent.length === 1, 'response to cparam01');
    await sendUdp(torture('cparam02'), udp.local.port);
    await waitFor(() => sent.length === 2, 'response to cparam02');
    assert.deepEqual(requests.map((r) => r.callId), [callIdOf(torture('cparam01')), callIdOf(torture('cparam02'))]);
    assert.deepEqual(sent.map((s) => s.callId), requests.map((r) => r.callId));
  });

  it('the same RFC 4475 message over UDP and then over TCP: the TCP copy is answered on its connection', async () => {
    for (const name of ['badbranch', 'esc01', 'cparam01']) {
      const { udp, tcp, requests } = await server();
      const bytes = torture(name);
      await sendUdp(bytes, udp.local.port);
      await waitFor(() => requests.length === 1, `${name} over UDP`);
      const socket = connect({ host: '127.0.0.1', port: tcp.local.port });
      cleanup.push(() => socket.destroy());
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.write(bytes);
      await waitFor(() => /^SIP\/2\.0 \d{3}/.test(received), `${name}: a response on the TCP connection`);
      assert.match(received, new RegExp(`^(?:Call-ID|i)[ \\t]*:[ \\t]*${callIdOf(bytes).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im'), name);
      assert.deepEqual(requests.map((r) => r.protocol), ['UDP', 'TCP'], name);
    }
  });

  it('a true retransmission (same bytes, same transport) is still absorbed and answered from the transaction', async () => {
    const { udp, requests, sent } = await server();
    const bytes = torture('cparam01');
    await sendUdp(bytes, udp.local.port);
    await waitFor(() => sent.length === 1, 'first response');
    await sendUdp(bytes, udp.local.port);
    await waitFor(() => sent.length === 2, 'the response retransmitted');
    assert.equal(requests.length, 1, 'one request event for a retransmitted request');
    assert.deepEqual(sent[0], sent[1]);
  });

  it('a CANCEL still finds its INVITE (same branch, Call-ID and CSeq number)', async () => {
    const udp = await UdpTransport.create({ host: '127.0.0.1' });
    const layer = new TransactionLayer({ transports: [udp] });
    cleanup.push(() => layer.close(), () => udp.close());
    const cancels: Array<boolean> = [];
    layer.on('request', () => undefined);
    layer.on('cancel', (_cancel, tx, invite) => {
      cancels.push(invite !== undefined);
      tx.respond(createResponse(_cancel, 200));
    });
    const invite = torture('esc01').toString('latin1');
    await sendUdp(Buffer.from(invite, 'latin1'), udp.local.port);
    const via = /^Via:[^\r\n]+/m.exec(invite)![0];
    const cancel = ['CANCEL sip:sips%3Auser%40example.com@example.net SIP/2.0', via, 'Max-Forwards: 70', 'From: <sip:I%20have%20spaces@example.net>;tag=938', 'To: sip:%75se%72@example.com', `Call-ID: ${callIdOf(Buffer.from(invite, 'latin1'))}`, 'CSeq: 234234 CANCEL', 'Content-Length: 0', '', ''].join('\r\n');
    await sendUdp(Buffer.from(cancel, 'latin1'), udp.local.port);
    await waitFor(() => cancels.length === 1, 'cancel event');
    assert.deepEqual(cancels, [true]);
  });
});
