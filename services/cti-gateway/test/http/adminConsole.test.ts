// The admin API's console part (issue 17) without a bus: login for a token, the /admin pages under the
// strict CSP, live calls with quality from media.quality reports, the event stream, the journal CSV,
// and the bus-bound actions answering 503 while the gateway has no bus.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createMetricsRegistry, CtiGatewayConfig, loadConfig } from '@ucserver/shared';
import { testLineCredentialsKey, testLogger } from '@ucserver/testkit';
import { build, type GatewayApp } from '../../src/app.ts';
import { LiveQuality } from '../../src/calls/LiveQuality.ts';
import { mosEstimate } from '../../src/calls/mos.ts';
import { journalCsv } from '../../src/http/adminViews.ts';

const ADMIN = { authorization: 'Bearer console-admin-token' };

describe('admin console API', () => {
  let app: GatewayApp;
  before(async () => {
    const config = loadConfig('cti-gateway', CtiGatewayConfig, {
      PGLITE_DIR: 'memory://', LINE_CREDENTIALS_KEY: testLineCredentialsKey, ADMIN_TOKEN: 'console-admin-token', LOGIN_BASE_DELAY_MS: '0',
      ADMIN_GRAFANA_URL: 'https://grafana.example.com/d/ucserver',
    });
    app = await build({ config, logger: testLogger(), registry: createMetricsRegistry('cti-gateway') });
    await app.http.ready();
    await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: ADMIN, payload: { login: 'root', password: 'root-pw', role: 'admin' } });
    await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: ADMIN, payload: { login: 'carol', password: 'carol-pw' } });
  });
  after(async () => {
    await app.stop();
  });

  it('POST /login gives an admin a bearer token that the API takes', async () => {
    const res = await app.http.inject({ method: 'POST', url: '/api/v1/login', payload: { login: 'root', password: 'root-pw' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.login, 'root');
    assert.ok(body.expiresInS > 0);
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${body.token}` } })).statusCode, 200);
  });

  it('POST /login refuses a non-admin (403) and a wrong password (401)', async () => {
    const user = await app.http.inject({ method: 'POST', url: '/api/v1/login', payload: { login: 'carol', password: 'carol-pw' } });
    assert.equal(user.statusCode, 403);
    assert.equal(user.json().error.code, 'UCS_ERR_GW_FORBIDDEN');
    assert.equal((await app.http.inject({ method: 'POST', url: '/api/v1/login', payload: { login: 'root', password: 'nope' } })).statusCode, 401);
  });

  it('/admin redirects to /admin/, served with the strict CSP and no inline script', async () => {
    const redirect = await app.http.inject({ method: 'GET', url: '/admin' });
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, '/admin/');
    const page = await app.http.inject({ method: 'GET', url: '/admin/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self';/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.match(page.body, /<script type="module" src="\/js\/admin\/main\.js"><\/script>/);
    assert.doesNotMatch(page.body.replace(/<script type="module" src="[^"]+"><\/script>/g, ''), /<script|\sstyle=|\son[a-z]+="/i);
    assert.equal((await app.http.inject({ method: 'GET', url: '/js/admin/main.js' })).statusCode, 200, 'the console scripts are built (npx tsc -b)');
  });

  it('GET /calls lists a running call with worker, codec and quality from the node\'s report, and MOS', async () => {
    const now = Date.now();
    app.context.calls.applyCallEvent({ callId: 'c-1', lineId: 'l-1', lineNumber: '100', seq: 1, at: now - 5000, state: 'connected', direction: 'outbound', remoteNumber: '101', mediaNodeId: 'media-1', mediaPath: 'pbx' });
    const before = (await app.http.inject({ method: 'GET', url: '/api/v1/calls', headers: ADMIN })).json();
    assert.equal(before[0].quality, undefined, 'no report yet');
    app.context.quality.apply({ nodeId: 'media-1', at: now, calls: [{ callId: 'c-1', worker: 2, codec: 'opus', path: 'pbx', quality: { packetsIn: 250, packetsOut: 250, bytesIn: 40_000, bytesOut: 40_000, lossPercent: 1.5, jitterMs: 4, rttMs: 30 } }] });
    const res = await app.http.inject({ method: 'GET', url: '/api/v1/calls', headers: ADMIN });
    assert.equal(res.statusCode, 200);
    const [call] = res.json();
    assert.equal(call.callId, 'c-1');
    assert.ok(call.durationS >= 4 && call.durationS <= 6, `duration ${call.durationS}`);
    assert.equal(call.mediaNode, 'media-1');
    assert.equal(call.worker, 2);
    assert.equal(call.codec, 'opus');
    assert.equal(call.quality.lossPercent, 1.5);
    assert.equal(call.quality.rttMs, 30);
    assert.equal(call.quality.mos, mosEstimate({ lossPercent: 1.5, jitterMs: 4, rttMs: 30 }));
    assert.ok(call.quality.mos > 4 && call.quality.mos < 4.4, `MOS ${call.quality.mos}`);
  });

  it('DELETE /calls/:id answers 404 for an unknown call; drain answers 503 without a bus', async () => {
    const gone = await app.http.inject({ method: 'DELETE', url: '/api/v1/calls/nope', headers: ADMIN });
    assert.equal(gone.statusCode, 404);
    const hang = await app.http.inject({ method: 'DELETE', url: '/api/v1/calls/c-1', headers: ADMIN });
    assert.equal(hang.statusCode, 503);
    assert.equal(hang.json().error.code, 'UCS_ERR_GW_UNAVAILABLE');
    assert.equal((await app.http.inject({ method: 'POST', url: '/api/v1/media/nodes/media-1/drain', headers: ADMIN, payload: { draining: true } })).statusCode, 503);
  });

  it('GET /system: gateway up, NATS down (no bus), database up, the configured Grafana link', async () => {
    const res = await app.http.inject({ method: 'GET', url: '/api/v1/system', headers: ADMIN });
    assert.equal(res.statusCode, 200);
    const s = res.json();
    const byName = new Map(s.components.map((c: { name: string }) => [c.name, c]));
    assert.equal((byName.get('cti-gateway') as { ok: boolean; version: string }).ok, true);
    assert.match((byName.get('cti-gateway') as { version: string }).version, /^\d+\.\d+\.\d+/);
    assert.equal((byName.get('NATS') as { ok: boolean }).ok, false);
    assert.equal((byName.get('Database') as { ok: boolean }).ok, true);
    assert.ok(s.links.some((l: { name: string; url: string }) => l.name === 'Grafana' && l.url === 'https://grafana.example.com/d/ucserver'));
    assert.ok(!s.links.some((l: { name: string }) => l.name === 'Prometheus'), 'no Prometheus link when unset');
  });

  it('GET /journal takes result and path filters and refuses unknown values; /journal.csv is text/csv', async () => {
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/journal?result=answered&path=direct', headers: ADMIN })).statusCode, 200);
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/journal?result=bogus', headers: ADMIN })).statusCode, 400);
    const csv = await app.http.inject({ method: 'GET', url: '/api/v1/journal.csv?result=busy', headers: ADMIN });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="journal-\d{4}-\d\d-\d\d\.csv"/);
    assert.equal(csv.body, 'callId,lineNumber,direction,remoteNumber,remoteName,startedAt,answeredAt,endedAt,durationS,disconnectCause,sipStatus,mediaPath,mediaNode\r\n');
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/journal.csv', headers: {} })).statusCode, 401);
  });

  it('GET /events streams calls, lines and nodes at once and a call change after it', async () => {
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.http.server.address() as AddressInfo;
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: ADMIN, signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        const { value } = await reader.read();
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(/event: nodes\ndata: \[\]\n\n/);
    assert.match(text, /event: calls\ndata: \[\{"callId":"c-1"/);
    assert.match(text, /event: lines\ndata: \[\]/);
    text = '';
    app.context.calls.applyCallEvent({ callId: 'c-1', lineId: 'l-1', lineNumber: '100', seq: 2, at: Date.now(), state: 'disconnected', direction: 'outbound', remoteNumber: '101', cause: 'normal' });
    await until(/event: calls\ndata: \[\]\n\n/);
    abort.abort();
  });

  it('an admin\'s event stream ends when the admin\'s password changes', async () => {
    await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: ADMIN, payload: { login: 'ops', password: 'ops-pw', role: 'admin' } });
    const { token } = (await app.http.inject({ method: 'POST', url: '/api/v1/login', payload: { login: 'ops', password: 'ops-pw' } })).json();
    const { port } = app.http.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const body = res.text();
    assert.equal((await app.http.inject({ method: 'PATCH', url: '/api/v1/users/ops', headers: ADMIN, payload: { password: 'ops-pw-2' } })).statusCode, 200);
    assert.match(await body, /event: calls/, 'the stream ended (text() resolved)');
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } })).status, 401, 'its reconnect is refused');
  });

  it('an event stream without credentials is refused', async () => {
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/events' })).statusCode, 401);
  });
});

describe('admin console - quality', () => {
  it('mosEstimate: a clean call scores about 4.4, 5 % loss under 4, 20 % loss under 3', () => {
    assert.ok(mosEstimate({ lossPercent: 0, jitterMs: 2, rttMs: 20 }) > 4.3);
    assert.ok(mosEstimate({ lossPercent: 5, jitterMs: 10, rttMs: 80 }) < 4);
    assert.ok(mosEstimate({ lossPercent: 20, jitterMs: 30, rttMs: 300 }) < 3);
    assert.equal(mosEstimate({ lossPercent: 100, jitterMs: 500, rttMs: 2000 }), 1);
  });

  it('LiveQuality keeps the latest report per call and drops a call missing from its node\'s next round (after its last part)', () => {
    const q = new LiveQuality();
    const figures = { packetsIn: 100, packetsOut: 100, bytesIn: 1, bytesOut: 1, lossPercent: 0, jitterMs: 1 };
    q.apply({ nodeId: 'n1', at: 1, calls: [{ callId: 'a', worker: 0, codec: 'opus', path: 'pbx', quality: figures }, { callId: 'b', worker: 1, codec: 'PCMU', path: 'direct', quality: figures }] });
    q.apply({ nodeId: 'n2', at: 1, calls: [{ callId: 'c', worker: 0, codec: 'opus', path: 'pbx', quality: figures }] });
    q.apply({ nodeId: 'n1', at: 2, calls: [{ callId: 'b', worker: 1, codec: 'PCMU', path: 'direct', quality: { ...figures, lossPercent: 3 } }], more: true });
    assert.equal(q.get('a')?.at, 1, 'a round in parts prunes only after its last part');
    q.apply({ nodeId: 'n1', at: 2, calls: [] });
    assert.equal(q.get('a'), undefined);
    assert.equal(q.get('b')?.quality.lossPercent, 3);
    assert.equal(q.get('c')?.nodeId, 'n2');
    q.forgetNode('n2');
    assert.equal(q.get('c'), undefined);
  });

  it('journalCsv quotes commas and quotes, and defuses spreadsheet formulas', () => {
    const row = { callId: 'x', lineNumber: '100', direction: 'inbound', remoteNumber: '+4930', remoteName: '=HYPERLINK("evil"), Inc', startedAt: new Date('2026-01-01T00:00:00Z'), answeredAt: null, endedAt: null, durationS: null, disconnectCause: null, sipStatus: null, mediaPath: null, mediaNode: null };
    const csv = journalCsv([row as never]);
    assert.equal(csv.split('\r\n')[1], `x,100,inbound,'+4930,"'=HYPERLINK(""evil""), Inc",2026-01-01T00:00:00.000Z,,,,,,,`);
  });
});
