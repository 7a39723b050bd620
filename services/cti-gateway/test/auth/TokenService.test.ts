import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { TokenService } from '../../src/auth/TokenService.ts';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const alice = { id: '6f1c0a52-7a3e-4a8e-9d4e-2b1f0c3d4e5f', login: 'alice', tokenVersion: 3 };
const tokens = new TokenService('a-test-secret', 3600);
const token = tokens.issue(alice, NOW);
const [body, sig] = token.split('.') as [string, string];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The same character with its lowest bit flipped: for the 43rd character, a bit the 32 bytes do not use. */
const flipLow = (c: string): string => B64URL[B64URL.indexOf(c) ^ 1]!;

describe('TokenService', () => {
  it('verify() of an issued token gives its claims: user, login, credential version, expiry', () => {
    assert.deepEqual(tokens.verify(token, NOW), { ok: true, claims: { sub: alice.id, login: 'alice', ver: 3, exp: NOW / 1000 + 3600 } });
  });

  it('verify() at the expiry second answers expired', () => {
    assert.deepEqual(tokens.verify(token, NOW + 3600_000), { ok: false, reason: 'expired' });
  });

  it("verify() with another secret's token answers forged", () => {
    assert.deepEqual(new TokenService('another-secret', 3600).verify(token, NOW), { ok: false, reason: 'forged' });
  });

  const mutations: Array<{ name: string; token: string; reason: 'malformed' | 'forged' }> = [
    { name: 'the low bits of the last signature character changed', token: `${body}.${sig.slice(0, -1)}${flipLow(sig.at(-1)!)}`, reason: 'malformed' },
    { name: '= appended', token: `${token}=`, reason: 'malformed' },
    { name: '== appended', token: `${token}==`, reason: 'malformed' },
    { name: '!! appended', token: `${token}!!`, reason: 'malformed' },
    { name: 'a space inside the signature', token: `${body}.${sig.slice(0, 20)} ${sig.slice(20)}`, reason: 'malformed' },
    { name: 'a newline at the end', token: `${token}\n`, reason: 'malformed' },
    { name: 'a space in front', token: ` ${token}`, reason: 'malformed' },
    { name: "standard base64's + for url-safe -", token: `${body}.${sig.slice(0, 5)}+${sig.slice(6)}`, reason: 'malformed' },
    { name: 'the signature cut by one character', token: token.slice(0, -1), reason: 'malformed' },
    { name: 'the signature one character longer', token: `${token}A`, reason: 'malformed' },
    { name: 'no signature', token: body, reason: 'malformed' },
    { name: 'a third part', token: `${token}.${sig}`, reason: 'malformed' },
    { name: 'the empty string', token: '', reason: 'malformed' },
    { name: 'a 1 MB string', token: `${'A'.repeat(1_000_000)}.${sig}`, reason: 'malformed' },
    { name: 'a changed signature bit that the bytes use', token: `${body}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`, reason: 'forged' },
    { name: 'other claims with the old signature', token: `${Buffer.from(JSON.stringify({ sub: alice.id, login: 'alice', ver: 4, exp: NOW / 1000 + 3600 })).toString('base64url')}.${sig}`, reason: 'forged' },
  ];
  for (const m of mutations) {
    it(`verify() with ${m.name} answers ${m.reason}`, () => {
      assert.deepEqual(tokens.verify(m.token, NOW), { ok: false, reason: m.reason });
    });
  }

  it('verify() of a genuinely signed body that is not our claims answers malformed (a non-canonical body part too)', () => {
    const sign = (b: string) => createHmac('sha256', 'a-test-secret').update(b).digest('base64url');
    const notClaims = Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url');
    assert.deepEqual(tokens.verify(`${notClaims}.${sign(notClaims)}`, NOW), { ok: false, reason: 'malformed' });
    // a body whose last character carries unused low bits: decodes to the same bytes, different text
    const raw = Buffer.from('{"sub":"a"}'); // 11 bytes: 15 characters, the last one has 2 unused bits
    const text = raw.toString('base64url');
    const odd = `${text.slice(0, -1)}${flipLow(text.at(-1)!)}`;
    assert.deepEqual(Buffer.from(odd, 'base64url'), raw);
    assert.deepEqual(tokens.verify(`${odd}.${sign(odd)}`, NOW), { ok: false, reason: 'malformed' });
  });

  it('issue() gives the canonical form only: two parts of the base64url alphabet, a 43-character signature', () => {
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });
});
