// TcpTransport (and TLS) on real sockets bound to 127.0.0.1: exchanges and connection reuse, split and
// coalesced writes, keep-alives, malformed input, idle close, limits; TransactionLayer over TCP.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createResponse,
  InvalidStateError,
  parseMessage,
  responseDestination,
  serializeMessage,
  TcpTransport,
  TransactionLayer,
  TransactionState,
  TransportError,
  type MessageSource,
  type SipMessage,
  type SipParseError,
  type SipRequest,
  type SipResponse,
  type TcpTransportOptions,
} from '../../../src/sip/mod.ts';
import { torture } from '../rfc4475.ts';
import { sampleRequest } from '../sampleMessages.ts';
import { waitFor } from '../waitFor.ts';

const TIMEOUT = 3000;
const TLS_DIR = fileURLToPath(new URL('../../fixtures/sip/tls/', import.meta.url));
const cert = readFileSync(`${TLS_DIR}cert.pem`);
const key = readFileSync(`${TLS_DIR}key.pem`);

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const tcp = async (opts: Partial<TcpTransportOptions> = {}): Promise<TcpTransport> => {
  const t = await TcpTransport.create({ host: '127.0.0.1', port: 0, ...opts });
  cleanup.push(() => t.close());
  return t;
};

const raw = async (port: number): Promise<Socket> => {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect', { signal: AbortSignal.timeout(TIMEOUT) });
  cleanup.push(() => s.destroy());
  return s;
};

/** Collect bytes from a raw socket until `done` returns true for the accumulated text. */
const readUntil = (s: Socket, done: (text: string) => boolean, what: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(text)}`)), TIMEOUT);
    const onData = (b: Buffer): void => {
      text += b.toString('utf8');
      if (done(text)) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
  });

const nextMessage = async (t: TcpTransport): Promise<[SipMessage, MessageSource]> =>
  (await once(t, 'message', { signal: AbortSignal.timeout(TIMEOUT) })) as [SipMessage, MessageSource];

const tcpRequest = (to: TcpTransport, method = 'OPTIONS', branch = 'z9hG4bKtcp1', body?: string): SipRequest =>
  sampleRequest({ method, uri: `sip:bob@127.0.0.1:${to.local.port};transport=tcp`, via: `SIP/2.0/TCP 127.0.0.1:5060;branch=${branch}`, body });

describe('TcpTransport', () => {
  it('send() opens a connection; the response travels back on it; a second request reuses it', async () => {
    const a = await tcp();
    const b = await tcp();
    const dest = { host: '127.0.0.1', port: b.local.port };
    const arrived = nextMessage(b);
    await a.send(tcpRequest(b), dest);
    const [req, source] = await arrived;
    assert.equal(source.protocol, 'TCP');
    assert.ok(source.connectionId);
    const back = nextMessage(a);
    await b.send(createResponse(req as SipRequest, 200, { toTag: 't' }), responseDestination((req as SipRequest).headers.topVia(), source));
    const [res] = await back;
    assert.equal((res as SipResponse).status, 200);
    const again = nextMessage(b);
    await a.send(tcpRequest(b, 'OPTIONS', 'z9hG4bKtcp2'), dest);
    const [, source2] = await again;
    assert.equal(source2.connectionId, source.connectionId);
    assert.equal(a.connectionCount, 1);
    assert.equal(b.connectionCount, 1);
  });

  it('a message written one byte at a time is framed and delivered', async () => {
    const t = await tcp();
    const s = await raw(t.local.port);
    const arrived = nextMessage(t);
    const bytes = serializeMessage(tcpRequest(t, 'MESSAGE', 'z9hG4bKsplit', 'hello over tcp'));
    for (const b of bytes) s.write(Buffer.from([b]));
    const [m] = await arrived;
    assert.equal(m.body.toString(), 'hello over tcp');
  });

  it('several messages in one write are delivered in order', async () => {
    const t = await tcp();
    const s = await raw(t.local.port);
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      t.on('message', (m) => {
        got.push((m as SipRequest).method);
        if (got.length === 3) resolve();
      }),
    );
    s.write(Buffer.concat([serializeMessage(tcpRequest(t, 'OPTIONS', 'z9hG4bK1')), serializeMessage(tcpRequest(t, 'INFO', 'z9hG4bK2')), serializeMessage(tcpRequest(t, 'MESSAGE', 'z9hG4bK3'))]));
    await Promise.race([all, once(t, 'close', { signal: AbortSignal.timeout(TIMEOUT) })]);
    assert.deepEqual(got, ['OPTIONS', 'INFO', 'MESSAGE']);
  });

  it('a double-CRLF ping is answered with a single CRLF pong (RFC 5626)', async () => {
    const t = await tcp();
    const s = await raw(t.local.port);
    const pong = readUntil(s, (x) => x === '\r\n', 'CRLF pong');
    s.write('\r\n\r\n');
    assert.equal(await pong, '\r\n');
    assert.equal(t.stats.keepalives, 1);
  });

  it('ping() sends a double CRLF to the peer', async () => {
    const a = await tcp();
    const b = await tcp();
    await a.send(tcpRequest(b), { host: '127.0.0.1', port: b.local.port });
    await nextMessage(b);
    await a.ping({ host: '127.0.0.1', port: b.local.port });
    // b counts the ping and answers; a counts the pong.
    await waitFor(() => b.stats.keepalives === 1 && a.stats.keepalives === 1, 'ping at b and pong at a');
  });

  it('a request without Content-Length gets 400 and the connection is closed', async () => {
    const t = await tcp();
    const s = await raw(t.local.port);
    const malformed = once(t, 'malformed', { signal: AbortSignal.timeout(TIMEOUT) });
    const answer = readUntil(s, (x) => x.includes('\r\n\r\n'), '400 response');
    const ended = once(s, 'end', { signal: AbortSignal.timeout(TIMEOUT) });
    s.write(serializeMessage(tcpRequest(t)).toString().replace('Content-Length: 0\r\n', ''));
    const [err, , answered] = (await malformed) as [SipParseError, MessageSource, boolean];
    assert.equal(err.reason, 'missing-content-length');
    assert.equal(answered, true);
    assert.match(await answer, /^SIP\/2.0 400 Bad Request\r\n/);
    await ended;
  });

  it('a framed but malformed request gets 400 and the connection keeps serving', async () => {
    const t = await tcp();
    const s = await raw(t.local.port);
    const answer = readUntil(s, (x) => x.includes('\r\n\r\n'), '400 response');
    s.write(torture('mismatch01').toString('latin1').replace('l: 0', 'Content-Length: 0'));
    assert.match(await answer, /^SIP\/2.0 400 /);
    const arrived = nextMessage(t);
    s.write(serializeMessage(tcpRequest(t)));
    const [m] = await arrived;
    assert.equal((m as SipRequest).method, 'OPTIONS');
  });

  it('an idle connection is closed after idleTimeoutMs', async () => {
    const t = await tcp({ idleTimeoutMs: 100 });
    const closed = once(t, 'connectionclose', { signal: AbortSignal.timeout(TIMEOUT) });
    const s = await raw(t.local.port);
    await closed;
    assert.equal(t.connectionCount, 0);
    s.destroy();
  });

  it('connections beyond maxConnections are refused', async () => {
    const t = await tcp({ maxConnections: 1 });
    const accepted = once(t, 'connection', { signal: AbortSignal.timeout(TIMEOUT) });
    await raw(t.local.port);
    await accepted;
    const second = await raw(t.local.port);
    await once(second, 'close', { signal: AbortSignal.timeout(TIMEOUT) });
    assert.equal(t.connectionCount, 1);
  });

  it('send() to a port nobody listens on rejects with TransportError', async () => {
    const t = await tcp({ connectTimeoutMs: 1000 });
    const idle = await tcp();
    const port = idle.local.port;
    await idle.close();
    await assert.rejects(t.send(tcpRequest(t), { host: '127.0.0.1', port }), (err: unknown) => err instanceof TransportError && /failed: connect ECONNREFUSED/.test(err.message));
  });

  it('close() closes every connection, is idempotent, and send() afterwards rejects with InvalidStateError', async () => {
    const a = await tcp();
    const b = await TcpTransport.create({ host: '127.0.0.1' });
    await a.send(tcpRequest(b), { host: '127.0.0.1', port: b.local.port });
    await nextMessage(b);
    const gone = once(a, 'connectionclose', { signal: AbortSignal.timeout(TIMEOUT) });
    await Promise.all([b.close(), b.close()]);
    await gone;
    await assert.rejects(b.send(tcpRequest(a), { host: '127.0.0.1', port: a.local.port }), InvalidStateError);
  });
});

describe('TcpTransport with TLS', () => {
  it('two TLS transports exchange a request and its response over one connection', async () => {
    const a = await tcp({ tls: { key, cert, ca: cert } });
    const b = await tcp({ tls: { key, cert, ca: cert } });
    assert.equal(a.protocol, 'TLS');
    const arrived = nextMessage(b);
    await a.send(tcpRequest(b, 'OPTIONS', 'z9hG4bKtls'), { host: '127.0.0.1', port: b.local.port });
    const [req, source] = await arrived;
    assert.equal(source.protocol, 'TLS');
    const back = nextMessage(a);
    await b.send(createResponse(req as SipRequest, 200, { toTag: 't' }), responseDestination((req as SipRequest).headers.topVia(), source));
    assert.equal(((await back)[0] as SipResponse).status, 200);
  });

  it('a TLS client that does not trust the certificate fails to connect with TransportError', async () => {
    const server = await tcp({ tls: { key, cert } });
    const client = await tcp({ tls: { key, cert } });
    await assert.rejects(client.send(tcpRequest(server), { host: '127.0.0.1', port: server.local.port }), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      // the reason reaches the line's registration state, so it must be in the message
      assert.match(err.message, /^TLS connect to 127\.0\.0\.1:\d+ failed: self-signed certificate \[tls:/);
      return true;
    });
  });
});

describe('TransactionLayer over TCP', () => {
  it('OPTIONS over TCP: no retransmissions, and Timer K is zero so the transaction ends with the 200', async () => {
    const ta = await tcp();
    const tb = await tcp();
    const uac = new TransactionLayer({ transports: [ta] });
    const uas = new TransactionLayer({ transports: [tb] });
    cleanup.push(() => uac.close(), () => uas.close());
    uas.on('request', (request, tx) => tx.respond(createResponse(request, 200, { toTag: 'x' })));
    const req = sampleRequest({ method: 'OPTIONS', uri: `sip:bob@127.0.0.1:${tb.local.port};transport=tcp` });
    req.headers.delete('Via');
    const tx = uac.sendRequest(req, { protocol: 'TCP', host: '127.0.0.1', port: tb.local.port });
    assert.equal(tx.request.headers.topVia().transport, 'TCP');
    const [res] = (await once(tx, 'response', { signal: AbortSignal.timeout(TIMEOUT) })) as [SipResponse];
    assert.equal(res.status, 200);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(parseMessage(serializeMessage(res)).type, 'response');
  });
});
