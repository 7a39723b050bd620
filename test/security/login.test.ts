// Issue 11 (trust), logins and tokens: the attacks of the report, against the gateway as it runs in
// production (a child process configured by environment only, its real defaults for the login policy:
// LOGIN_MAX_FAILURES 5, LOGIN_BASE_DELAY_MS 250, LOGIN_LOCKOUT_MS 300 000), each from its own source
// addresses in 127.0.0.0/8 so the attacks do not meet each other in the throttle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { EnetucClient, EnetucRequestError } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { basic, GatewayUnderTest, type HttpAnswer } from './support/GatewayUnderTest.ts';

await enterNetworkNamespace();

const MAX_FAILURES = 5;
const CHECKS = 'ucserver_cti_gateway_password_checks_total';
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan'] as const;
const password = (login: string): string => `${login}-Secret-9f3`;

let gw: GatewayUnderTest;
before(async () => {
  gw = await GatewayUnderTest.start('login');
  for (const login of USERS) await gw.admin('POST', '/users', { login, password: password(login) });
});
after(async () => {
  await gw?.stop();
});

/** The AsnLogonError detail of a refused createsession (101 wrong credentials, 129 disabled, 130 token, 131 throttled). */
function logonDetail(res: HttpAnswer): number | undefined {
  try {
    return (JSON.parse(res.body) as { error?: { iErrorDetail?: number } }).error?.iErrorDetail;
  } catch {
    return undefined;
  }
}

function tally(answers: HttpAnswer[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 200 ? '200' : `${a.status}/${logonDetail(a) ?? '-'}`;
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

/** A TCP ENetUC client logged in with its password; its login token. */
async function tcpLogin(login: string): Promise<{ client: EnetucClient; token: string }> {
  const client = await EnetucClient.connectTcp({ host: '127.0.0.1', port: gw.ctiPort });
  const result = await client.login(login, password(login));
  const issued = 'succceeded' in result ? result.succceeded.token : undefined;
  const token = issued && 'u8sToken' in issued ? issued.u8sToken : undefined;
  assert.ok(typeof token === 'string' && token.length > 0, `asnLoginV2 of ${login} returned a token: ${JSON.stringify(result)}`);
  return { client, token };
}

const withToken = (token: string, from = '127.0.0.1'): Promise<HttpAnswer> =>
  gw.http('/ws/client/createsession?clientappid=15', { method: 'POST', from, headers: { 'x-uctoken': token, 'x-no401': '1' } });

test('200 concurrent wrong passwords for alice from one address are checked at most LOGIN_MAX_FAILURES times', async (t) => {
  const checksBefore = await gw.metric(CHECKS);
  const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => gw.createSession('alice', `guess-${i}`, '127.0.0.5')));
  const checksAfter = await gw.metric(CHECKS);
  const counts = tally(answers);
  t.diagnostic(`answers: ${JSON.stringify(counts)}; ${CHECKS}: ${checksBefore} → ${checksAfter}`);
  assert.equal(answers.length, 200);
  assert.ok(answers.every((a) => a.status === 400), `every guess refused: ${JSON.stringify(counts)}`);
  // 101 = the password was checked and wrong; 131 = refused by the throttle without checking it
  assert.ok((counts['400/101'] ?? 0) <= MAX_FAILURES, `at most ${MAX_FAILURES} guesses checked, got ${JSON.stringify(counts)}`);
  assert.equal((counts['400/101'] ?? 0) + (counts['400/131'] ?? 0), 200, JSON.stringify(counts));
  assert.notEqual(checksAfter, undefined, `the gateway exports ${CHECKS}`);
  assert.ok(checksAfter! - (checksBefore ?? 0) <= MAX_FAILURES, `password hashes computed: ${checksAfter! - (checksBefore ?? 0)}`);
});

test("after that attack alice's correct password from another address succeeds at once", async (t) => {
  const res = await gw.createSession('alice', password('alice'), '127.0.0.6');
  t.diagnostic(`alice from 127.0.0.6: HTTP ${res.status} in ${res.ms.toFixed(0)} ms`);
  assert.equal(res.status, 200, res.body);
  assert.match(JSON.parse(res.body).sessionid, /^[0-9A-F]{32}$/);
});

test("after that attack bob's correct password from the attacker's address succeeds", async (t) => {
  const res = await gw.createSession('bob', password('bob'), '127.0.0.5');
  t.diagnostic(`bob from 127.0.0.5: HTTP ${res.status} in ${res.ms.toFixed(0)} ms`);
  assert.equal(res.status, 200, res.body);
});

test('after that attack alice from the attacking address itself stays locked out', async () => {
  const res = await gw.createSession('alice', password('alice'), '127.0.0.5');
  assert.equal(res.status, 400);
  assert.equal(logonDetail(res), 131, res.body);
});

test('guesses for one user spread over 30 addresses slow the failing addresses, never a fresh one', async (t) => {
  const first = await Promise.all(Array.from({ length: 30 }, (_, i) => gw.createSession('carol', `spread-${i}`, `127.0.1.${i + 1}`)));
  assert.deepEqual(tally(first), { '400/101': 30 }, 'one guess per address is checked');
  const checksBefore = await gw.metric(CHECKS);
  const again = await Promise.all(Array.from({ length: 30 }, (_, i) => gw.createSession('carol', `again-${i}`, `127.0.1.${i + 1}`)));
  const checksAfter = await gw.metric(CHECKS);
  t.diagnostic(`second round: ${JSON.stringify(tally(again))}, checks ${checksBefore} → ${checksAfter}`);
  assert.deepEqual(tally(again), { '400/131': 30 }, 'the second guess of every failing address is refused unchecked (per-user back-off)');
  const fresh = await gw.createSession('carol', password('carol'), '127.0.2.1');
  t.diagnostic(`carol from a fresh address: HTTP ${fresh.status} in ${fresh.ms.toFixed(0)} ms`);
  assert.equal(fresh.status, 200, fresh.body);
});

test('password spraying over 40 users from one address (NAT) slows its next guesses, refuses none, and lets the next user behind it in', async (t) => {
  const spray = await Promise.all(Array.from({ length: 40 }, (_, i) => gw.createSession(`nobody${i}`, 'Winter2025!', '127.0.0.7')));
  t.diagnostic(`spray: ${JSON.stringify(tally(spray))}`);
  assert.ok(spray.every((a) => a.status === 400 && logonDetail(a) === 101), JSON.stringify(tally(spray)));
  // past LOGIN_ADDRESS_SLOW_AFTER (20) failed users the address is slowed, not refused: 8 more guesses
  // are all checked, one per LOGIN_BASE_DELAY_MS (250 ms)
  const t0 = performance.now();
  const slowed = await Promise.all(Array.from({ length: 8 }, (_, i) => gw.createSession(`later${i}`, 'Winter2025!', '127.0.0.7')));
  const spanMs = performance.now() - t0;
  t.diagnostic(`8 more guesses: ${JSON.stringify(tally(slowed))} in ${spanMs.toFixed(0)} ms`);
  assert.deepEqual(tally(slowed), { '400/101': 8 });
  assert.ok(spanMs >= 7 * 250, `spaced 250 ms apart: ${spanMs.toFixed(0)} ms`);
  const res = await gw.createSession('dave', password('dave'), '127.0.0.7');
  t.diagnostic(`dave behind the same address: HTTP ${res.status} in ${res.ms.toFixed(0)} ms`);
  assert.equal(res.status, 200, res.body);
});

test('a wrong admin token does not delay the next valid login from that address', async (t) => {
  const baseline = await gw.createSession('grace', password('grace'), '127.0.0.9');
  assert.equal(baseline.status, 200, baseline.body);
  const wrong = await gw.http('/api/v1/users', { from: '127.0.0.8', headers: { authorization: 'Bearer not-the-admin-token' } });
  assert.equal(wrong.status, 401);
  const login = await gw.createSession('grace', password('grace'), '127.0.0.8');
  const admin = await gw.http('/api/v1/users', { from: '127.0.0.8', headers: { authorization: `Bearer ${gw.adminToken}` } });
  t.diagnostic(`login right after a wrong admin token: HTTP ${login.status} in ${login.ms.toFixed(0)} ms (baseline ${baseline.ms.toFixed(0)} ms); admin token: HTTP ${admin.status}`);
  assert.equal(login.status, 200, login.body);
  assert.equal(admin.status, 200, admin.body);
});

test('a login token works; its mutations (low bits, =, !!, space) are refused', async (t) => {
  const { client, token } = await tcpLogin('heidi');
  client.close();
  assert.equal((await withToken(token)).status, 200, 'the token as issued');
  const [body, sig] = token.split('.') as [string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = sig.at(-1)!;
  // the last of 43 characters carries 4 bits of the 32-byte signature and 2 unused low bits
  const lowBits = `${body}.${sig.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
  assert.deepEqual(Buffer.from(lowBits.split('.')[1]!, 'base64url'), Buffer.from(sig, 'base64url'), 'the mutation decodes to the same signature bytes');
  const mutations: Record<string, string> = {
    'low bits of the last signature character': lowBits,
    '= appended': `${token}=`,
    '!! appended': `${token}!!`,
    'a space inside the signature': `${body}.${sig.slice(0, 20)} ${sig.slice(20)}`,
  };
  const outcome: Record<string, string> = {};
  for (const [name, mutated] of Object.entries(mutations)) {
    const res = await withToken(mutated);
    outcome[name] = `${res.status}/${logonDetail(res) ?? '-'}`;
  }
  t.diagnostic(`mutations: ${JSON.stringify(outcome)}`);
  for (const name of Object.keys(mutations)) assert.equal(outcome[name], '400/130', `${name} refused with AsnLogonError 130`);
});

test('a token issued before an admin changed the password is refused after it', async () => {
  const { client, token } = await tcpLogin('frank');
  client.close();
  assert.equal((await withToken(token)).status, 200);
  await gw.admin('PATCH', '/users/frank', { password: 'frank-New-Secret-1' });
  const res = await withToken(token);
  assert.equal(res.status, 400, res.body);
  assert.equal(logonDetail(res), 130);
  const tcp = await EnetucClient.connectTcp({ host: '127.0.0.1', port: gw.ctiPort });
  try {
    await assert.rejects(tcp.invoke('asnLoginV2', { auth: { authBearer: { u8sJWT: token } } }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 130);
  } finally {
    tcp.close();
  }
  assert.equal((await gw.createSession('frank', 'frank-New-Secret-1')).status, 200, 'the new password works');
});

test("disabling a user refuses their password and token and closes their open sessions", async () => {
  const { client: tcp, token } = await tcpLogin('erin');
  const ws = await EnetucClient.connectWebSocket({ baseUrl: gw.url, user: 'erin', password: password('erin') });
  const tcpClosed = tcp.waitForClose(5000);
  const wsClosed = ws.waitForClose(5000);
  const user = await gw.admin<{ login: string; disabled?: boolean }>('PATCH', '/users/erin', { disabled: true });
  assert.equal(user.disabled, true);
  assert.match(await tcpClosed, /closed/);
  assert.match(await wsClosed, /closed/);
  const byPassword = await gw.createSession('erin', password('erin'));
  assert.equal(byPassword.status, 400, byPassword.body);
  assert.equal(logonDetail(byPassword), 129, 'AsnLogonError 129: account locked (disabled)');
  const byToken = await withToken(token);
  assert.equal(byToken.status, 400, byToken.body);
  assert.equal(logonDetail(byToken), 130);
  await gw.admin('PATCH', '/users/erin', { disabled: false });
  assert.equal((await gw.createSession('erin', password('erin'))).status, 200, 'enabled again, the password works');
  assert.equal((await withToken(token)).status, 400, 'a token of before the disable stays dead');
});

test('createsession with credentials in the query string is refused with 400 and the password is not logged', async (t) => {
  const secret = password('bob');
  const { client, token } = await tcpLogin('bob');
  client.close();
  const cases: Record<string, string> = {
    'user= and pass=': `?user=bob&pass=${encodeURIComponent(secret)}&clientappid=15`,
    'token=': `?token=${encodeURIComponent(token)}&clientappid=15`,
  };
  for (const [name, query] of Object.entries(cases)) {
    for (const method of ['GET', 'POST']) {
      const res = await gw.http(`/ws/client/createsession${query}`, { method });
      t.diagnostic(`${method} ${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      assert.equal(res.status, 400, `${method} ${name}`);
      assert.match(res.body, /query|URL/i, 'the answer says why');
      assert.equal(res.body.includes(secret) || res.body.includes(token), false);
    }
  }
  const log = readFileSync(gw.gateway.logFile, 'utf8');
  assert.equal(log.includes(secret), false, 'the password is not in the gateway log');
  assert.equal(log.includes(token.split('.')[1]!), false, 'the token is not in the gateway log');
});

test('a 1 MB asnCtiSnapshotPhoneLine argument gets a bounded error text and grows the log by a few KB per request', async (t) => {
  const { client } = await tcpLogin('ivan');
  try {
    const huge = `1${'0'.repeat(1_000_000)}`;
    const rounds = 20;
    const before = gw.logBytes();
    const texts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const err = await client.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: huge }, { timeoutMs: 15_000 }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EnetucRequestError, `an AsnRequestError: ${String(err).slice(0, 300)}`);
      texts.push(err.message.length);
    }
    // the gateway writes its log lines synchronously to the file before answering; read it after the last answer
    const grown = gw.logBytes() - before;
    t.diagnostic(`error text: ${Math.max(...texts)} chars; log growth: ${grown} bytes for ${rounds} requests (${(grown / rounds).toFixed(0)} per request)`);
    assert.ok(Math.max(...texts) <= 400, `error text bounded: ${Math.max(...texts)} chars`);
    assert.ok(grown / rounds <= 4096, `log growth per request ${grown / rounds} bytes`);
    // and the session still works
    const lines = await client.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
    assert.deepEqual(lines.seqLines, []);
  } finally {
    client.close();
  }
});
