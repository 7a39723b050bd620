import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { GatewayApp } from '../../src/app.ts';
import { startGateway, tcpClient } from '../support.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * estos's samples as they are: the node sample's UCConnect lookup and session set-up, the simple-session
 * sample's REST calls (POST /ws/client/<operationName>), and the V1 operation names they call. Real HTTP.
 */
describe("estos's SDK samples against the gateway", () => {
  let app: GatewayApp;
  let base: string;
  before(async () => {
    app = await startGateway();
    base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    await app.context.users.create({ login: 'alice', password: 'alice-pw', displayName: 'Alice A' });
    await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
  });
  after(() => app.stop());

  /** The simple-session sample's createsession request, header for header. */
  const createSession = async (): Promise<string> => {
    const res = await fetch(`${base}/ws/client/createsession?clientappid=15`, {
      method: 'POST',
      headers: { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json;charset=utf-8', 'x-no401': '1', 'x-ucsid': 'local', 'x-simple': '1' },
      body: '{ "negotiate": { "iClientProtocolVersion": 70 } }',
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { sessionid: string }).sessionid;
  };
  /** The simple-session sample's sendcommand(). */
  const command = (sessionid: string, func: string, params: string) =>
    fetch(`${base}/ws/client/${func}`, { method: 'POST', headers: { 'content-type': 'application/json;charset=utf-8', 'x-ucsessionid': sessionid, 'x-ucsid': 'local' }, body: params });

  it('node sample: the UCConnect lookup answers with this server, and its URLs lead to a working WebSocket', async () => {
    const lookup = await fetch(new URL('/controller/client/ucws?ucsid=local', base), { method: 'GET', signal: AbortSignal.timeout(10000) });
    assert.equal(lookup.status, 200);
    assert.ok(lookup.headers.get('Content-Length'), 'the sample refuses an answer without Content-Length');
    const { redirect } = (await lookup.json()) as { redirect: string };
    assert.equal(redirect, base);
    // getUCWebSession: GET createsession on the redirect target, Basic credentials, X-Ucsid
    const created = await fetch(new URL('/ws/client/createsession?clientappid=15', redirect).toString(), { method: 'GET', headers: { 'X-Ucsid': 'local', Authorization: basic('alice', 'alice-pw') } });
    assert.equal(created.status, 200);
    const { sessionid } = (await created.json()) as { sessionid: string };
    const url = new URL(`/ws/client/websocket/?x-ucsessionid=${sessionid}`, redirect).toString().replace(/^http(s?):\/\//, 'ws$1://');
    const ws = new WebSocket(url);
    await once(ws, 'open');
    ws.send(JSON.stringify({ invoke: { invokeID: 1, operationID: 1008, operationName: 'asnGetLoggedInContactV2', argument: { _type: 'AsnGetLoggedInContactArgument' } } }));
    const [data] = (await once(ws, 'message')) as [Buffer];
    const msg = (JSON.parse(String(data)) as Json[])[0]!;
    assert.equal(msg.result.result.result.u8sLoggedInUser, 'alice');
    ws.close();
  });

  it('simple-session sample: createsession, then asnGetLoggedInContact (V1 name) as a REST call answers the V1 result type', async () => {
    const sessionid = await createSession();
    const res = await command(sessionid, 'asnGetLoggedInContact', '{ }');
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body._type, 'AsnGetLoggedInContactResult');
    assert.equal(body.u8sLoggedInUser, 'alice');
    assert.equal(body.ownContact.u8sContactId, 'alice');
    // the V2 name on the same session, and an invoke with arguments
    const v2 = (await (await command(sessionid, 'asnGetLoggedInContactV2', '{}')).json()) as Json;
    assert.equal(v2._type, 'AsnGetLoggedInContactV2Result');
    const lines = (await (await command(sessionid, 'asnCtiEnumPhoneLines', '{"typeofLines":0,"attachChangeNotify":0}')).json()) as Json;
    assert.equal(lines._type, 'AsnCtiEnumPhoneLinesResult');
    assert.equal(lines.seqLines.length, 1);
    // the WebSocket can still attach to that session id afterwards
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/client/websocket?x-ucsessionid=${sessionid}`);
    await once(ws, 'open');
    ws.close();
  });

  it('REST errors: a mistyped argument and an unknown operation answer 400 with the ROSE reject; a failed operation its AsnRequestError', async () => {
    const sessionid = await createSession();
    const mistyped = await command(sessionid, 'asnCtiEnumPhoneLines', '{"typeofLines":"many"}');
    assert.equal(mistyped.status, 400);
    assert.deepEqual(((await mistyped.json()) as Json).reject, { invokeProblem: 2 });
    const unknown = await command(sessionid, 'asnNoSuchOperation', '{}');
    assert.equal(unknown.status, 400);
    assert.deepEqual(((await unknown.json()) as Json).reject, { invokeProblem: 1 });
    const failed = await command(sessionid, 'asnCtiSnapshotPhoneLine', '{"u8sLinePhoneNumber":"999"}');
    assert.equal(failed.status, 400);
    const body = (await failed.json()) as Json;
    assert.equal(body.error._type, 'AsnRequestError');
    assert.equal(body.sessionID, sessionid);
  });

  it('REST without, or with an unknown or destroyed, session id is refused 401 and runs nothing', async () => {
    assert.equal((await fetch(`${base}/ws/client/asnGetLoggedInContact`, { method: 'POST', body: '{}' })).status, 401);
    assert.equal((await command('0123456789ABCDEF0123456789ABCDEF', 'asnGetLoggedInContact', '{}')).status, 401);
    const sessionid = await createSession();
    assert.equal((await command(sessionid, 'asnGetLoggedInContact', '{}')).status, 200);
    const sessionsBefore = app.context.sessions.size;
    const destroyed = await fetch(`${base}/ws/client/destroysession?ucsessionid=${sessionid}`);
    assert.equal(destroyed.status, 200);
    assert.equal(app.context.sessions.size, sessionsBefore - 1, 'the REST session is closed');
    assert.equal((await command(sessionid, 'asnGetLoggedInContact', '{}')).status, 401);
    assert.equal((await fetch(`${base}/ws/client/asn-not-a-name`, { method: 'POST', body: '{}' })).status, 404);
  });

  it('TCP: asnGetLoggedInContact by name (operationID 0, as the samples send it) runs asnGetLoggedInContactV2 and answers the V1 type', async (t) => {
    const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => c.close());
    const result = (await c.invokeRaw(JSON.stringify({ invoke: { invokeID: 9, operationID: 0, operationName: 'asnGetLoggedInContact', argument: { _type: 'AsnGetLoggedInContactArgument' } } }), 9)) as Json;
    assert.equal(result._type, 'AsnGetLoggedInContactResult');
    assert.equal(result.ownContact.u8sContactId, 'alice');
  });
});
