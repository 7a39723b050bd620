// UdpTransport on real sockets bound to 127.0.0.1: exchanges between two instances, Via stamping,
// answers to malformed datagrams, keep-alives, limits, close(); and a TransactionLayer INVITE over UDP.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import {
  createResponse,
  InvalidStateError,
  InviteServerTransaction,
  parseMessage,
  responseDestination,
  serializeMessage,
  TransactionLayer,
  TransactionState,
  UdpTransport,
  viaRport,
  type MessageSource,
  type SipMessage,
  type SipParseError,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/mod.ts';
import { torture } from '../rfc4475.ts';
import { sampleRequest } from '../sampleMessages.ts';

const TIMEOUT = 2000;
const open: Array<{ close(): unknown }> = [];
after(async () => {
  for (const o of open) await o.close();
});

const udp = async (opts: Partial<Parameters<typeof UdpTransport.create>[0]> = {}): Promise<UdpTransport> => {
  const t = await UdpTransport.create({ host: '127.0.0.1', port: 0, ...opts });
  open.push(t);
  return t;
};

const rawSocket = async (): Promise<Socket> => {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise<void>((resolve) => s.close(() => resolve())) });
  return s;
};

const nextDatagram = async (s: Socket): Promise<string> => {
  const [buf] = (await once(s, 'message', { signal: AbortSignal.timeout(TIMEOUT) })) as [Buffer];
  return buf.toString('utf8');
};

const requestTo = (t: UdpTransport, from: UdpTransport, method = 'OPTIONS'): SipRequest =>
  sampleRequest({ method, uri: `sip:bob@127.0.0.1:${t.local.port}`, via: `SIP/2.0/UDP 127.0.0.1:${from.local.port};branch=z9hG4bKudp${method};rport` });

describe('UdpTransport', () => {
  it('create() with port 0 binds an ephemeral port; sentBy defaults to the bound address', async () => {
    const t = await udp();
    assert.equal(t.local.host, '127.0.0.1');
    assert.ok(t.local.port > 0);
    assert.deepEqual(t.sentBy, t.local);
    assert.equal(t.protocol, 'UDP');
    assert.equal(t.reliable, false);
  });

  it('create() with advertisedHost/Port puts them in sentBy', async () => {
    const t = await udp({ advertisedHost: 'pbx.example.com', advertisedPort: 5060 });
    assert.deepEqual(t.sentBy, { host: 'pbx.example.com', port: 5060 });
  });

  it('send() between two transports delivers the request stamped with received/rport, and the response comes back via rport', async () => {
    const a = await udp();
    const b = await udp();
    const arrived = once(b, 'message', { signal: AbortSignal.timeout(TIMEOUT) });
    await a.send(requestTo(b, a), { host: '127.0.0.1', port: b.local.port });
    const [req, source] = (await arrived) as [SipRequest, MessageSource];
    assert.equal(req.method, 'OPTIONS');
    assert.deepEqual(source, { protocol: 'UDP', address: '127.0.0.1', port: a.local.port });
    assert.equal(req.headers.topVia().params.get('received'), '127.0.0.1');
    assert.equal(viaRport(req.headers.topVia()), a.local.port);
    const back = once(a, 'message', { signal: AbortSignal.timeout(TIMEOUT) });
    await b.send(createResponse(req, 200, { toTag: 't' }), responseDestination(req.headers.topVia(), source));
    const [res] = (await back) as [SipResponse];
    assert.equal(res.status, 200);
    assert.equal(a.stats.messagesReceived, 1);
    assert.equal(b.stats.messagesSent, 1);
  });

  it('a datagram carrying RFC 4475 torture messages: valid ones arrive, invalid requests get 400/505 at the source', async () => {
    const t = await udp();
    const raw = await rawSocket();
    const rows: Array<[string, string]> = [
      ['badinv01', 'SIP/2.0 400 Bad Request'],
      ['insuf', 'SIP/2.0 400 Bad Request'],
      ['badvers', 'SIP/2.0 505 Version Not Supported'],
      ['clerr', 'SIP/2.0 400 Bad Request'],
      ['mismatch01', 'SIP/2.0 400 Bad Request'],
    ];
    for (const [name, statusLine] of rows) {
      const answer = nextDatagram(raw);
      raw.send(torture(name), t.local.port, '127.0.0.1');
      assert.equal((await answer).split('\r\n')[0], statusLine, name);
    }
    const arrived = once(t, 'message', { signal: AbortSignal.timeout(TIMEOUT) });
    raw.send(torture('wsinv'), t.local.port, '127.0.0.1');
    const [m] = (await arrived) as [SipMessage];
    assert.equal(m.headers.callId(), 'wsinv.ndaksdj@192.0.2.1');
    assert.equal(t.stats.malformed, rows.length);
  });

  it('a malformed datagram emits malformed with answered=true; the 400 echoes Via, Call-ID and CSeq', async () => {
    const t = await udp();
    const raw = await rawSocket();
    const events = once(t, 'malformed', { signal: AbortSignal.timeout(TIMEOUT) });
    const answer = nextDatagram(raw);
    const bad = serializeMessage(sampleRequest({ method: 'OPTIONS' })).toString().replace('Max-Forwards: 70', 'Max-Forwards: many');
    raw.send(bad, t.local.port, '127.0.0.1');
    const [err, , answered] = (await events) as [SipParseError, MessageSource, boolean];
    assert.equal(err.reason, 'bad-header');
    assert.equal(answered, true);
    const res = parseMessage(await answer) as SipResponse;
    assert.equal(res.status, 400);
    assert.equal(res.headers.callId(), 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.deepEqual(res.headers.cseq(), { seq: 314159, method: 'OPTIONS' });
  });

  it('garbage and malformed responses are dropped without answer; the transport keeps serving', async () => {
    const t = await udp();
    const raw = await rawSocket();
    const reasons: boolean[] = [];
    t.on('malformed', (_e, _s, answered) => reasons.push(answered));
    raw.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), t.local.port, '127.0.0.1');
    raw.send(torture('bigcode'), t.local.port, '127.0.0.1');
    raw.send(torture('scalarlg'), t.local.port, '127.0.0.1');
    // The first datagram back must be the answer to this request, so nothing was sent for the others.
    const answer = nextDatagram(raw);
    raw.send(torture('ncl'), t.local.port, '127.0.0.1');
    assert.match(await answer, /^SIP\/2.0 400 /);
    assert.deepEqual(reasons, [false, false, false, true]);
  });

  it('a CRLF keep-alive datagram is counted, not reported as malformed', async () => {
    const t = await udp();
    const raw = await rawSocket();
    let malformed = 0;
    t.on('malformed', () => malformed++);
    raw.send('\r\n\r\n', t.local.port, '127.0.0.1');
    const arrived = once(t, 'message', { signal: AbortSignal.timeout(TIMEOUT) });
    raw.send(torture('zeromf'), t.local.port, '127.0.0.1');
    await arrived;
    assert.equal(t.stats.keepalives, 1);
    assert.equal(malformed, 0);
  });

  it('a datagram above parse.maxMessageSize is answered with 513', async () => {
    const t = await udp({ parse: { maxMessageSize: 400 } });
    const raw = await rawSocket();
    const answer = nextDatagram(raw);
    raw.send(serializeMessage(sampleRequest({ method: 'MESSAGE', body: 'x'.repeat(500) })), t.local.port, '127.0.0.1');
    assert.match(await answer, /^SIP\/2.0 513 Message Too Large/);
  });

  it('close() is idempotent, emits close once, and send() afterwards rejects with InvalidStateError', async () => {
    const t = await UdpTransport.create({ host: '127.0.0.1' });
    let closes = 0;
    t.on('close', () => closes++);
    await Promise.all([t.close(), t.close()]);
    await t.close();
    assert.equal(closes, 1);
    await assert.rejects(t.send(sampleRequest(), { host: '127.0.0.1', port: 9 }), InvalidStateError);
  });

  it('create() on a port in use rejects with TransportError', async () => {
    const t = await udp();
    await assert.rejects(UdpTransport.create({ host: '127.0.0.1', port: t.local.port }), (e: unknown) => (e as Error).name === 'TransportError');
  });
});

describe('TransactionLayer over UDP', () => {
  it('INVITE → 100/180/200, ACK for 2xx reaches the UAS; both layers close cleanly', async () => {
    const ta = await udp();
    const tb = await udp();
    const uac = new TransactionLayer({ transports: [ta] });
    const uas = new TransactionLayer({ transports: [tb] });
    open.push({ close: () => uac.close() }, { close: () => uas.close() });
    uas.on('request', (request, tx) => {
      assert.ok(tx instanceof InviteServerTransaction);
      tx.respond(createResponse(request, 180, { toTag: 'b1' }));
      tx.respond(createResponse(request, 200, { toTag: 'b1', headers: [['Contact', `<sip:bob@127.0.0.1:${tb.local.port}>`]] }));
    });
    const invite = sampleRequest({ uri: `sip:bob@127.0.0.1:${tb.local.port}` });
    invite.headers.delete('Via');
    const tx = uac.sendRequest(invite, { host: '127.0.0.1', port: tb.local.port });
    const statuses: number[] = [];
    const got200 = new Promise<SipResponse>((resolve) =>
      tx.on('response', (r) => {
        statuses.push(r.status);
        if (r.status === 200) resolve(r);
      }),
    );
    const ok = await Promise.race([got200, once(tx, 'timeout', { signal: AbortSignal.timeout(TIMEOUT) }).then(() => assert.fail('timeout'))]);
    assert.equal((ok as SipResponse).headers.toTag(), 'b1');
    assert.equal(tx.state, TransactionState.Accepted);
    assert.deepEqual(statuses.filter((s) => s !== 100), [180, 200]);
    const acked = once(uas, 'ack', { signal: AbortSignal.timeout(TIMEOUT) });
    const ack = sampleRequest({ method: 'ACK', uri: `sip:bob@127.0.0.1:${tb.local.port}`, toTag: 'b1' });
    ack.headers.delete('Via');
    await uac.sendAck(ack, { host: '127.0.0.1', port: tb.local.port });
    const [, ist] = await acked;
    assert.ok(ist instanceof InviteServerTransaction);
    uac.close();
    uas.close();
    assert.equal(uac.size + uas.size, 0);
  });
});
