// Digest authentication: RFC 2617 and RFC 7616 worked examples, credential building, server-side
// verification, challenge selection and the DigestClient 401/407 loop.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  computeDigestResponse,
  createDigestChallenge,
  createDigestCredentials,
  createResponse,
  DigestAlgorithm,
  DigestClient,
  DigestError,
  formatChallenge,
  formatNonceCount,
  normalizeAlgorithm,
  parseChallenges,
  parseCredentials,
  selectDigestChallenges,
  toDigestChallenge,
  verifyDigestCredentials,
  type AuthCredentials,
  type SipResponse,
} from '../../src/sip/mod.ts';
import { sampleRequest } from './sampleMessages.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('computeDigestResponse() known vectors', () => {
  /** RFC 7616 §3.9.1: one request, answered once with MD5 and once with SHA-256. */
  const RFC7616_EXAMPLE = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: 1,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  } as const;
  const vectors: Array<{ name: string; params: Parameters<typeof computeDigestResponse>[0]; expected: string }> = [
    {
      name: 'RFC 2617 §3.5 (MD5, qop=auth)',
      params: {
        algorithm: DigestAlgorithm.MD5,
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: 1,
        cnonce: '0a4f113b',
      },
      expected: '6629fae49393a05397450978507c4ef1',
    },
    {
      name: 'RFC 7616 §3.9.1 (MD5, qop=auth)',
      params: { algorithm: DigestAlgorithm.MD5, ...RFC7616_EXAMPLE },
      expected: '8ca523f5e9506fed4657c9700eebdbec',
    },
    {
      name: 'RFC 7616 §3.9.1 (SHA-256, qop=auth)',
      params: { algorithm: DigestAlgorithm.SHA256, ...RFC7616_EXAMPLE },
      expected: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    },
  ];
  for (const v of vectors) {
    it(`computeDigestResponse() with ${v.name} matches the RFC`, () => assert.equal(computeDigestResponse(v.params), v.expected));
  }

  it('computeDigestResponse() with the RFC 7616 §3.9.2 SHA-512-256 inputs uses real SHA-512/256 (the RFC prints a truncated SHA-512, see its errata)', () => {
    const p = {
      algorithm: DigestAlgorithm.SHA512_256,
      username: 'J\u00e4s\u00f8n Doe',
      realm: 'api@example.org',
      password: 'Secret, or not?',
      nonce: '5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK',
      method: 'GET',
      uri: '/doe.json',
      qop: 'auth' as const,
      nc: 1,
      cnonce: 'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v',
    };
    const h = (alg: string, s: string, len?: number): string => createHash(alg).update(s).digest('hex').slice(0, len);
    const expected = (alg: string, len?: number): string => {
      const ha1 = h(alg, `${p.username}:${p.realm}:${p.password}`, len);
      const ha2 = h(alg, `${p.method}:${p.uri}`, len);
      return h(alg, `${ha1}:${p.nonce}:00000001:${p.cnonce}:auth:${ha2}`, len);
    };
    // The value printed in RFC 7616 is reproduced by truncating SHA-512, which is not SHA-512/256.
    assert.equal(expected('sha512', 64), 'ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd');
    assert.equal(computeDigestResponse(p), expected('sha512-256'));
    assert.notEqual(computeDigestResponse(p), 'ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd');
  });
  it('computeDigestResponse() without qop uses H(HA1:nonce:HA2) (RFC 2069 compatibility)', () => {
    const ha1 = md5('bob:biloxi.com:zanzibar');
    const ha2 = md5('INVITE:sip:bob@biloxi.com');
    assert.equal(
      computeDigestResponse({ algorithm: 'MD5', username: 'bob', realm: 'biloxi.com', password: 'zanzibar', nonce: 'n0nce', method: 'INVITE', uri: 'sip:bob@biloxi.com' }),
      md5(`${ha1}:n0nce:${ha2}`),
    );
  });
  it('computeDigestResponse() with MD5-sess derives HA1 from nonce and cnonce', () => {
    const ha1 = md5(`${md5('bob:r:pw')}:n:c`);
    const ha2 = md5('REGISTER:sip:r');
    assert.equal(
      computeDigestResponse({ algorithm: 'MD5-sess', username: 'bob', realm: 'r', password: 'pw', nonce: 'n', method: 'REGISTER', uri: 'sip:r', qop: 'auth', nc: 2, cnonce: 'c' }),
      md5(`${ha1}:n:00000002:c:auth:${ha2}`),
    );
  });
  it('computeDigestResponse() with qop=auth-int hashes the body into HA2', () => {
    const body = Buffer.from('v=0\r\n');
    const ha2 = md5(`INVITE:sip:b@c:${md5('v=0\r\n')}`);
    assert.equal(
      computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', nonce: 'n', method: 'INVITE', uri: 'sip:b@c', qop: 'auth-int', nc: 1, cnonce: 'c', body }),
      md5(`${md5('u:r:p')}:n:00000001:c:auth-int:${ha2}`),
    );
  });
  it('computeDigestResponse() with ha1 instead of password gives the same result', () => {
    const base = { algorithm: 'SHA-256' as const, username: 'u', realm: 'r', nonce: 'n', method: 'BYE', uri: 'sip:x', qop: 'auth' as const, nc: 1, cnonce: 'c' };
    const ha1 = createHash('sha256').update('u:r:p').digest('hex');
    assert.equal(computeDigestResponse({ ...base, ha1 }), computeDigestResponse({ ...base, password: 'p' }));
  });
  it('computeDigestResponse() with SHA-512-256 produces 64 hex digits', () => {
    assert.match(computeDigestResponse({ algorithm: 'SHA-512-256', username: 'u', realm: 'r', password: 'p', nonce: 'n', method: 'BYE', uri: 'sip:x' }), /^[0-9a-f]{64}$/);
  });
  it('computeDigestResponse() without password or ha1 throws TypeError', () => {
    assert.throws(() => computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', nonce: 'n', method: 'BYE', uri: 'sip:x' }), TypeError);
  });
  it('formatNonceCount() writes 8 hex digits', () => assert.deepEqual([formatNonceCount(1), formatNonceCount(255)], ['00000001', '000000ff']));
  it('normalizeAlgorithm() is case-insensitive and defaults to MD5', () => {
    assert.deepEqual([normalizeAlgorithm(undefined), normalizeAlgorithm('sha-256-SESS'), normalizeAlgorithm('sha-512-256'), normalizeAlgorithm('SHA1')], ['MD5', 'SHA-256-sess', 'SHA-512-256', undefined]);
  });
});

describe('challenges', () => {
  it('toDigestChallenge() reads realm, nonce, opaque, algorithm, qop list and stale', () => {
    const [c] = parseChallenges('Digest realm="atlanta.com", nonce="abc", opaque="o", algorithm=sha-256, qop="auth, auth-int", stale=TRUE');
    assert.deepEqual(toDigestChallenge(c!), { realm: 'atlanta.com', nonce: 'abc', opaque: 'o', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true });
  });
  const bad: Array<[string, string]> = [
    ['Basic realm="x"', 'another scheme'],
    ['Digest nonce="n"', 'no realm'],
    ['Digest realm="r"', 'no nonce'],
    ['Digest realm="r", nonce="n", algorithm=SHA1', 'unknown algorithm'],
  ];
  for (const [value, why] of bad) {
    it(`toDigestChallenge() with ${why} throws DigestError`, () => assert.throws(() => toDigestChallenge(parseChallenges(value)[0]!), DigestError));
  }
  it('selectDigestChallenges() keeps the first supported challenge per realm in server order', () => {
    const cs = parseChallenges(
      'Digest realm="a", nonce="1", algorithm=SHA-512-256, Digest realm="a", nonce="1", algorithm=MD5, Digest realm="b", nonce="2", algorithm=SHA1, Digest realm="b", nonce="3", qop="auth-conf", Digest realm="b", nonce="4"',
    );
    assert.deepEqual(selectDigestChallenges(cs).map((c) => [c.realm, c.algorithm, c.nonce]), [['a', 'SHA-512-256', '1'], ['b', 'MD5', '4']]);
  });
  it('createDigestChallenge() formats a challenge that parses back', () => {
    const c = createDigestChallenge({ realm: 'pbx.example', nonce: 'abc', opaque: 'xyz', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true });
    assert.equal(formatChallenge(c), 'Digest realm="pbx.example", nonce="abc", opaque="xyz", algorithm=SHA-256, qop="auth,auth-int", stale=true');
    assert.deepEqual(toDigestChallenge(parseChallenges(formatChallenge(c))[0]!).qop, ['auth', 'auth-int']);
  });
});

describe('createDigestCredentials() and verifyDigestCredentials()', () => {
  const algorithms = Object.values(DigestAlgorithm);
  const qops: Array<Array<'auth' | 'auth-int'>> = [['auth'], ['auth-int'], []];
  for (const algorithm of algorithms) {
    for (const qop of qops) {
      it(`credentials for ${algorithm} with qop=[${qop.join(',')}] verify on the server side`, () => {
        const challenge = toDigestChallenge(createDigestChallenge({ realm: 'pbx', nonce: 'N1', opaque: 'O', algorithm, qop }));
        const body = Buffer.from('v=0\r\n');
        const creds = createDigestCredentials(challenge, { username: '101', password: 's3cret', method: 'INVITE', uri: 'sip:200@pbx', body, nc: 3, cnonce: 'CN' });
        assert.equal(creds.params.get('opaque'), 'O');
        assert.equal(creds.params.get('qop'), qop[0]);
        const wire = parseCredentials(`Digest ${[...creds.params].map(([k, v]) => `${k}="${v}"`).join(', ')}`)[0] as AuthCredentials;
        const result = verifyDigestCredentials(wire, { method: 'INVITE', realm: 'pbx', body, lookup: (u) => (u === '101' ? { password: 's3cret' } : undefined), requestUri: 'sip:200@pbx' });
        assert.deepEqual(result, { ok: true, username: '101' });
      });
    }
  }

  const challenge = toDigestChallenge(createDigestChallenge({ realm: 'pbx', nonce: 'N1' }));
  const good = createDigestCredentials(challenge, { username: '101', password: 'pw', method: 'REGISTER', uri: 'sip:pbx', cnonce: 'c' });
  const verify = (creds: AuthCredentials, extra: Partial<Parameters<typeof verifyDigestCredentials>[1]> = {}) =>
    verifyDigestCredentials(creds, { method: 'REGISTER', realm: 'pbx', lookup: (u) => (u === '101' ? { password: 'pw' } : undefined), ...extra });
  const withParam = (name: string, value: string | undefined): AuthCredentials => {
    const params = new Map(good.params);
    if (value === undefined) params.delete(name);
    else params.set(name, value);
    return { scheme: good.scheme, params };
  };
  const negatives: Array<{ name: string; creds: AuthCredentials; extra?: Partial<Parameters<typeof verifyDigestCredentials>[1]>; reason: string; stale?: boolean }> = [
    { name: 'a wrong password', creds: good, extra: { lookup: () => ({ password: 'other' }) }, reason: 'response' },
    { name: 'an unknown user', creds: withParam('username', 'nobody'), reason: 'user' },
    { name: 'another realm', creds: withParam('realm', 'elsewhere'), reason: 'realm' },
    { name: 'another method (replay)', creds: good, extra: { method: 'INVITE' }, reason: 'response' },
    { name: 'a digest-uri that differs from the Request-URI', creds: good, extra: { requestUri: 'sip:other' }, reason: 'uri' },
    { name: 'an invalid nonce', creds: good, extra: { nonceStatus: () => 'invalid' }, reason: 'nonce' },
    { name: 'a stale nonce but correct response', creds: good, extra: { nonceStatus: () => 'stale' }, reason: 'nonce', stale: true },
    { name: 'a missing response', creds: withParam('response', undefined), reason: 'malformed' },
    { name: 'qop without nc', creds: withParam('nc', undefined), reason: 'malformed' },
    { name: 'an unknown qop', creds: withParam('qop', 'auth-conf'), reason: 'malformed' },
    { name: 'an unknown algorithm', creds: withParam('algorithm', 'SHA1'), reason: 'algorithm' },
    { name: 'the Basic scheme', creds: { scheme: 'Basic', params: new Map() }, reason: 'scheme' },
  ];
  for (const row of negatives) {
    it(`verifyDigestCredentials() with ${row.name} fails with reason ${row.reason}`, () => {
      assert.deepEqual(verify(row.creds, row.extra), { ok: false, reason: row.reason, stale: row.stale ?? false });
    });
  }
  it('verifyDigestCredentials() accepts a stored HA1 instead of the password', () => {
    assert.deepEqual(verify(good, { lookup: () => ({ ha1: md5('101:pbx:pw') }) }), { ok: true, username: '101' });
  });
  it('createDigestCredentials() with only qop=auth-conf offered throws DigestError', () => {
    assert.throws(() => createDigestCredentials({ ...challenge, qop: ['auth-conf'] }, { username: 'a', password: 'b', method: 'BYE', uri: 'sip:x' }), DigestError);
  });
});

describe('DigestClient', () => {
  const challengeResponse = (status: 401 | 407, values: string[]): SipResponse => {
    const req = sampleRequest({ method: 'REGISTER', uri: 'sip:pbx.example' });
    return createResponse(req, status, { toTag: 't', headers: values.map((v) => [status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate', v] as [string, string]) });
  };
  const register = () => sampleRequest({ method: 'REGISTER', uri: 'sip:pbx.example', cseq: 1 });

  it('answer() to a 401 returns one Authorization that the server accepts', () => {
    const client = new DigestClient({ credentials: { username: '101', password: 'pw' }, cnonce: () => 'cn' });
    const req = register();
    const [field] = client.answer(req, challengeResponse(401, ['Digest realm="pbx.example", nonce="abc", qop="auth", algorithm=MD5']));
    assert.equal(field?.name, 'Authorization');
    const creds = parseCredentials(field!.value)[0]!;
    assert.equal(creds.params.get('nc'), '00000001');
    assert.equal(creds.params.get('uri'), 'sip:pbx.example');
    assert.deepEqual(verifyDigestCredentials(creds, { method: 'REGISTER', realm: 'pbx.example', lookup: () => ({ password: 'pw' }) }), { ok: true, username: '101' });
  });
  it('answer() to a 407 returns Proxy-Authorization', () => {
    const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
    assert.equal(client.answer(register(), challengeResponse(407, ['Digest realm="proxy", nonce="n"']))[0]?.name, 'Proxy-Authorization');
  });
  it('answer() with challenges for two realms answers each realm it has credentials for', () => {
    const client = new DigestClient({ credentials: [{ username: 'a', password: '1', realm: 'one' }, { username: 'b', password: '2', realm: 'two' }] });
    const fields = client.answer(register(), challengeResponse(401, ['Digest realm="one", nonce="n1"', 'Digest realm="two", nonce="n2", algorithm=SHA-256', 'Digest realm="three", nonce="n3"']));
    assert.deepEqual(fields.map((f) => parseCredentials(f.value)[0]?.params.get('username')), ['a', 'b']);
  });
  it('answer() prefers the first supported challenge of a realm (SHA-256 listed before MD5)', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: '1' } });
    const [f] = client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n", algorithm=SHA-256', 'Digest realm="r", nonce="n", algorithm=MD5']));
    assert.equal(parseCredentials(f!.value)[0]?.params.get('algorithm'), 'SHA-256');
  });
  it('answer() with credentials for no offered realm throws DigestError', () => {
    const client = new DigestClient({ credentials: () => undefined });
    assert.throws(() => client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n"'])), DigestError);
  });
  it('answer() with no supported challenge throws DigestError', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'b' } });
    assert.throws(() => client.answer(register(), challengeResponse(401, ['Basic realm="r"'])), DigestError);
  });
  it('answer() to a second non-stale challenge for the same realm throws DigestError (credentials rejected)', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'wrong' } });
    client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n1"']));
    assert.throws(() => client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n2"'])), DigestError);
  });
  it('answer() to a stale=true re-challenge retries with the new nonce and nc=1', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'p' } });
    client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n1", qop="auth"']));
    const [f] = client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n2", qop="auth", stale=true']));
    const c = parseCredentials(f!.value)[0]!;
    assert.deepEqual([c.params.get('nonce'), c.params.get('nc')], ['n2', '00000001']);
  });
  it('answer() after succeeded() treats a new challenge as a fresh one', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'p' } });
    client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n1"']));
    client.succeeded();
    assert.equal(client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n2"'])).length, 1);
  });
  it('authorize() re-uses the nonce with an incremented nc for the next request', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'p' } });
    client.answer(register(), challengeResponse(401, ['Digest realm="r", nonce="n1", qop="auth"']));
    const next = client.authorize(register());
    assert.equal(parseCredentials(next[0]!.value)[0]?.params.get('nc'), '00000002');
    client.reset();
    assert.deepEqual(client.authorize(register()), []);
  });
  it('retry() returns the request with CSeq+1, no Via and the Authorization', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'p' } });
    const req = register();
    req.headers.append('Authorization', 'Digest username="old"');
    const next = client.retry(req, challengeResponse(401, ['Digest realm="r", nonce="n1"']));
    assert.equal(next.headers.cseq().seq, 2);
    assert.equal(next.headers.has('Via'), false);
    assert.equal(next.headers.count('Authorization'), 1);
    assert.equal(parseCredentials(next.headers.get('Authorization')!)[0]?.params.get('username'), 'a');
    assert.equal(req.headers.cseq().seq, 1, 'original request untouched');
  });
  it('answer() with a 403 throws TypeError', () => {
    const client = new DigestClient({ credentials: { username: 'a', password: 'p' } });
    assert.throws(() => client.answer(register(), createResponse(register(), 403)), TypeError);
  });
});
