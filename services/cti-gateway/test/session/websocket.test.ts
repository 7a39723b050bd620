import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createLogger } from '@ucserver/shared';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucClient, EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { startGateway } from '../support.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('ENetUC over the web service WebSocket (7224)', () => {
  let app: GatewayApp;
  let base: string;
  before(async () => {
    app = await startGateway();
    base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
  });
  after(() => app.stop());

  /** A web-service session of alice (createsession with Basic credentials): its id. */
  const createSession = async (): Promise<string> => {
    const res = await fetch(`${base}/ws/client/createsession`, { method: 'POST', headers: { authorization: basic('alice', 'alice-pw') } });
    return ((await res.json()) as { sessionid: string }).sessionid;
  };
  const socket = (sessionid: string) => new WebSocket(`${base.replace('http', 'ws')}/ws/client/websocket?x-ucsessionid=${sessionid}`);

  it('createsession with Basic auth returns a 32-hex session id; the WebSocket speaks ROSE in [..] arrays', async () => {
    const res = await fetch(`${base}/ws/client/createsession?clientappid=15`, { method: 'POST', headers: { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json' }, body: '{"negotiate":{"iClientProtocolVersion":70}}' });
    assert.equal(res.status, 200);
    const { sessionid } = (await res.json()) as { sessionid: string };
    assert.match(sessionid, /^[0-9A-F]{32}$/);
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/client/websocket/?x-ucsessionid=${sessionid}`);
    await once(ws, 'open');
    ws.send(JSON.stringify({ _type: 'ROSEMessage', invoke: { invokeID: 3, operationID: 0, operationName: 'asnCtiEnumPhoneLines', argument: { typeofLines: 0, attachChangeNotify: 0, optionalParams: {} } } }));
    const [data] = await once(ws, 'message');
    const parsed = JSON.parse(String(data)) as Array<{ result: { invokeID: number; result: { result: { _type: string; seqLines: Array<{ u8sLinePhoneNumber: string }> } } } }>;
    assert.ok(Array.isArray(parsed) && parsed.length === 1, 'server messages are one-element arrays');
    assert.equal(parsed[0]!.result.invokeID, 3);
    assert.equal(parsed[0]!.result.result.result._type, 'AsnCtiEnumPhoneLinesResult');
    assert.deepEqual(parsed[0]!.result.result.result.seqLines.map((l) => l.u8sLinePhoneNumber), ['tel:100']);
    // a one-element array from the client is accepted too
    ws.send(JSON.stringify([{ invoke: { invokeID: 4, operationID: 1008, argument: {} } }]));
    const [data2] = await once(ws, 'message');
    assert.match(String(data2), /"u8sLoggedInUser":"alice"/);
    ws.close();
  });

  it('createsession returns a login token with which the next createsession needs no password (Bearer and X-UCToken)', async () => {
    const res = await fetch(`${base}/ws/client/createsession?clientappid=15`, { method: 'POST', headers: { authorization: basic('alice', 'alice-pw'), 'x-no401': '1' } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { sessionid: string; token?: { u8sToken?: string } };
    const token = body.token?.u8sToken;
    assert.ok(token && token.length > 20, 'a token in asnLoginV2\'s shape');
    const variants: Array<Record<string, string>> = [{ authorization: `Bearer ${token}` }, { 'x-uctoken': token }];
    for (const headers of variants) {
      const again = await fetch(`${base}/ws/client/createsession?clientappid=15`, { method: 'POST', headers: { ...headers, 'x-no401': '1' } });
      assert.equal(again.status, 200, JSON.stringify(headers));
      const next = (await again.json()) as { sessionid: string; token?: { u8sToken?: string } };
      assert.match(next.sessionid, /^[0-9A-F]{32}$/);
      assert.ok(next.token?.u8sToken, 'and a fresh token again');
    }
    const mutated = await fetch(`${base}/ws/client/createsession?clientappid=15`, { method: 'POST', headers: { authorization: `Bearer ${token}x`, 'x-no401': '1' } });
    assert.equal(mutated.status, 400);
    assert.equal(((await mutated.json()) as { error: { iErrorDetail: number } }).error.iErrorDetail, 130);
  });

  it('a session id works once; an unknown id closes the WebSocket with a reason', async () => {
    const sessionid = await createSession();
    const first = socket(sessionid);
    await once(first, 'open');
    const second = socket(sessionid);
    const [code, reason] = (await once(second, 'close')) as [number, Buffer];
    assert.equal(code, 1008);
    assert.match(String(reason), /unknown or expired x-ucsessionid/);
    first.close();
  });

  const refusals: Array<{ name: string; url: string; headers: Record<string, string>; status: number; detail: number }> = [
    { name: 'no credentials', url: '/ws/client/createsession', headers: {}, status: 401, detail: 101 },
    { name: 'a wrong password', url: '/ws/client/createsession', headers: { authorization: basic('alice', 'x') }, status: 401, detail: 101 },
    { name: 'a wrong password with X-no401', url: '/ws/client/createsession', headers: { authorization: basic('alice', 'x'), 'x-no401': '1' }, status: 400, detail: 101 },
    { name: 'an invalid token', url: '/ws/client/createsession', headers: { 'x-uctoken': 'abc.def' }, status: 401, detail: 130 },
    { name: 'an invalid token with X-no401', url: '/ws/client/createsession', headers: { 'x-uctoken': 'abc.def', 'x-no401': '1' }, status: 400, detail: 130 },
    // credentials in the URL (ENetUC's documented user=/pass=/token=) are refused, even right ones
    { name: 'a right password in the query', url: '/ws/client/createsession?user=alice&pass=alice-pw', headers: {}, status: 400, detail: 106 },
    { name: 'a token in the query', url: '/ws/client/createsession?token=abc.def', headers: {}, status: 400, detail: 106 },
    { name: 'a query password next to a right Authorization header', url: '/ws/client/createsession?pass=alice-pw', headers: { authorization: basic('alice', 'alice-pw') }, status: 400, detail: 106 },
  ];
  for (const r of refusals) {
    it(`createsession with ${r.name} answers ${r.status} with AsnLogonError ${r.detail}`, async () => {
      const res = await fetch(`${base}${r.url}`, { method: 'POST', headers: r.headers });
      assert.equal(res.status, r.status);
      if (r.status === 401) assert.match(String(res.headers.get('www-authenticate')), /^Basic realm="ucserver"/);
      const body = (await res.json()) as { error: { _type: string; iErrorDetail: number; u8sErrorString: string } };
      assert.equal(body.error._type, 'AsnLogonError');
      assert.equal(body.error.iErrorDetail, r.detail);
      if (r.detail === 106) assert.match(body.error.u8sErrorString, /credentials in the URL are not accepted/);
    });
  }

  it('createsession with a login token (x-uctoken) works; the client helper connects with it', async () => {
    const { token } = await app.context.auth.authenticate({ kind: 'basic', login: 'alice', password: 'alice-pw' }, '127.0.0.1');
    const res = await fetch(`${base}/ws/client/createsession`, { headers: { 'x-uctoken': token } });
    assert.equal(res.status, 200);
    const c = await EnetucClient.connectWebSocket({ baseUrl: base, token });
    try {
      const me = await c.invoke('asnGetLoggedInContactV2', {});
      assert.equal(me.u8sLoggedInUser, 'alice');
    } finally {
      c.close();
    }
  });

  it('disabling a user voids their created, not yet attached session ids and closes their open WebSocket', async () => {
    await app.context.users.create({ login: 'wendy', password: 'wendy-pw' });
    const created = async (): Promise<string> => {
      const res = await fetch(`${base}/ws/client/createsession`, { method: 'POST', headers: { authorization: basic('wendy', 'wendy-pw') } });
      return ((await res.json()) as { sessionid: string }).sessionid;
    };
    const open = socket(await created());
    await once(open, 'open');
    const pending = await created();
    const closedOpen = once(open, 'close', { signal: AbortSignal.timeout(5000) });
    await app.context.users.update('wendy', { disabled: true });
    const [code, reason] = (await closedOpen) as [number, Buffer];
    assert.equal(code, 1008);
    assert.match(String(reason), /account disabled/);
    const late = socket(pending);
    const [lateCode, lateReason] = (await once(late, 'close', { signal: AbortSignal.timeout(5000) })) as [number, Buffer];
    assert.equal(lateCode, 1008);
    assert.match(String(lateReason), /unknown or expired x-ucsessionid/);
  });

  it('a binary frame (BER) closes the WebSocket with a clear reason', async () => {
    const ws = socket(await createSession());
    await once(ws, 'open');
    ws.send(Buffer.from([0xa1, 0x03, 0x02, 0x01, 0x01]));
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    assert.equal(code, 1008);
    assert.match(String(reason), /BER/);
  });

  it('garbage text gets a reject and the session keeps working', async () => {
    const c = await EnetucClient.connectWebSocket({ baseUrl: base, user: 'alice', password: 'alice-pw' });
    try {
      c.sendRaw('this is not json');
      const lines = await c.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
      assert.equal(lines.seqLines.length, 1);
      assert.equal(c.rejects.length, 1);
    } finally {
      c.close();
    }
  });

  it('a WebSocket message over the frame limit closes the connection', async () => {
    const small = await startGateway({ CTI_MAX_FRAME_BYTES: '2048' });
    try {
      await small.context.users.create({ login: 'alice', password: 'alice-pw' });
      const b = `http://127.0.0.1:${(small.http.server.address() as AddressInfo).port}`;
      const c = await EnetucClient.connectWebSocket({ baseUrl: b, user: 'alice', password: 'alice-pw' });
      c.sendRaw(JSON.stringify({ invoke: { invokeID: 1, operationID: 1008, argument: { pad: 'x'.repeat(4000) } } }));
      assert.match(await c.waitForClose(3000), /1009/);
    } finally {
      await small.stop();
    }
  });

  // Found by the fuzz suite (npm run fuzz): each oversize or invalid-UTF-8 frame logged an error-level
  // record with a stack, so any logged-in client could fill the operator's error alerts.
  const protocolErrors: Array<{ name: string; send: (ws: WebSocket) => void; code: number; wsCode: string }> = [
    { name: 'a frame over the limit', send: (ws) => ws.send('x'.repeat(4000)), code: 1009, wsCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' },
    { name: 'a text frame with invalid UTF-8', send: (ws) => ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]), { binary: false }), code: 1007, wsCode: 'WS_ERR_INVALID_UTF8' },
  ];
  for (const p of protocolErrors) {
    it(`${p.name} closes with ${p.code} and logs a warning, not an error`, async () => {
      const lines: Array<{ level: number; msg: string; code?: string }> = [];
      const sink = new Writable({ write(chunk: Buffer, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
        done();
      } });
      const gw = await startGateway({ CTI_MAX_FRAME_BYTES: '2048' }, { logger: createLogger({ service: 'cti-gateway', level: 'info', destination: sink }) });
      try {
        await gw.context.users.create({ login: 'alice', password: 'alice-pw' });
        const b = `http://127.0.0.1:${(gw.http.server.address() as AddressInfo).port}`;
        const res = await fetch(`${b}/ws/client/createsession`, { method: 'POST', headers: { authorization: basic('alice', 'alice-pw') } });
        const { sessionid } = (await res.json()) as { sessionid: string };
        const ws = new WebSocket(`${b.replace('http', 'ws')}/ws/client/websocket?x-ucsessionid=${sessionid}`);
        await once(ws, 'open');
        p.send(ws);
        const [code] = (await once(ws, 'close')) as [number];
        assert.equal(code, p.code);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(lines.filter((l) => l.level >= 50).map((l) => l.msg), [], 'no error-level record');
        assert.ok(lines.some((l) => l.level === 40 && l.code === p.wsCode), `a warning with ${p.wsCode}: ${JSON.stringify(lines.filter((l) => l.level >= 40))}`);
      } finally {
        await gw.stop();
      }
    });
  }
});

describe('TLS: asnStartTLS on 7222 and WSS on the HTTPS port', () => {
  let dir: string;
  let app: GatewayApp;
  let cert: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    app = await startGateway({ TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') });
    await app.context.users.create({ login: 'alice', password: 'alice-pw' });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asnStartTLS upgrades the TCP connection; login works inside TLS', async () => {
    const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: app.ctiPort, tls: { ca: cert, servername: 'localhost' } });
    try {
      const r = await c.login('alice', 'alice-pw');
      assert.ok('succceeded' in r);
    } finally {
      c.close();
    }
  });

  it('asnStartTLS after other traffic is refused', async () => {
    const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: app.ctiPort });
    try {
      await c.login('alice', 'alice-pw');
      await assert.rejects(c.invoke('asnStartTLS', {}), EnetucRequestError);
    } finally {
      c.close();
    }
  });

  it('WSS on the HTTPS port carries the same protocol', async () => {
    const port = (app.https!.server.address() as AddressInfo).port;
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws/client/websocket?x-ucsessionid=${app.context.wsSessions.create((await app.context.users.get('alice'))!)}`, { ca: cert });
    await once(ws, 'open');
    ws.send(JSON.stringify({ invoke: { invokeID: 1, operationID: 1008, argument: {} } }));
    const [data] = await once(ws, 'message');
    assert.match(String(data), /"u8sLoggedInUser":"alice"/);
    ws.close();
  });

  it('asnStartTLS without a configured certificate is refused', async () => {
    const plain = await startGateway();
    try {
      const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: plain.ctiPort });
      await assert.rejects(c.invoke('asnStartTLS', {}), (e: unknown) => e instanceof EnetucRequestError && /not configured/.test(e.message));
      c.close();
    } finally {
      await plain.stop();
    }
  });
});
