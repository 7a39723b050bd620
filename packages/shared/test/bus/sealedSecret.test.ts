// The sealing of secrets on the bus (a line's SIP password): AES-256-GCM, random nonce, the object's id
// as associated data. Table-driven: what opens, and every way a sealed secret must not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openLineConfig, parseSealingKey, SealedSecret, SealedSecretError, sealLineConfig, type LineConfig } from '@ucserver/shared';
import { generateSealingKeyText, isSealingKeyText, open, seal } from '@ucserver/shared/internal';

const key = parseSealingKey(Buffer.alloc(32, 1).toString('base64'));
const otherKey = parseSealingKey(Buffer.alloc(32, 2).toString('base64'));
const context = ['ucs.line.authPassword', 'line-1'];

/** Flips one bit of a base64url field. */
function flip(text: string, at = 0): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[at] = bytes[at]! ^ 1;
  return bytes.toString('base64url');
}

describe('sealedSecret - seal/open', () => {
  const roundTrips = ['pw100', '', 'ünïcødé 🔑 password', 'x'.repeat(256)];
  for (const plaintext of roundTrips) {
    it(`open(seal(${JSON.stringify(plaintext.slice(0, 20))}${plaintext.length > 20 ? '…' : ''})) gives it back`, () => {
      const sealed = seal(key, plaintext, context);
      assert.deepEqual(SealedSecret.parse(sealed), sealed, 'the wire schema accepts what seal() makes');
      assert.equal(open(key, sealed, context), plaintext);
      if (plaintext.length > 3) assert.ok(!JSON.stringify(sealed).includes(plaintext), 'no plaintext in the sealed form');
    });
  }

  it('seal() twice gives two ciphertexts (a fresh nonce each time)', () => {
    const a = seal(key, 'pw100', context);
    const b = seal(key, 'pw100', context);
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.ct, b.ct);
  });

  const sealed = seal(key, 'pw100', context);
  const failures: Array<{ name: string; open: () => string; message: RegExp }> = [
    { name: 'another key', open: () => open(otherKey, sealed, context), message: /LINE_CREDENTIALS_KEY differs/ },
    { name: 'another key under the same key id', open: () => open(otherKey, { ...sealed, kid: otherKey.id }, context), message: /does not open/ },
    { name: "another line's id", open: () => open(key, sealed, ['ucs.line.authPassword', 'line-2']), message: /does not open \[ucs\.line\.authPassword:line-2\]/ },
    { name: 'another purpose', open: () => open(key, sealed, ['ucs.something.else', 'line-1']), message: /does not open/ },
    { name: 'context parts shifted', open: () => open(key, seal(key, 'pw', ['ab', 'c']), ['a', 'bc']), message: /does not open/ },
    { name: 'a flipped ciphertext bit', open: () => open(key, { ...sealed, ct: flip(sealed.ct) }, context), message: /does not open/ },
    { name: 'a flipped tag bit', open: () => open(key, { ...sealed, tag: flip(sealed.tag, 15) }, context), message: /does not open/ },
    { name: 'a flipped nonce bit', open: () => open(key, { ...sealed, iv: flip(sealed.iv) }, context), message: /does not open/ },
    { name: 'a truncated ciphertext', open: () => open(key, { ...sealed, ct: sealed.ct.slice(0, 2) }, context), message: /does not open/ },
    { name: 'a short tag', open: () => open(key, { ...sealed, tag: sealed.tag.slice(0, 8) }, context), message: /malformed nonce or tag/ },
  ];
  for (const row of failures) {
    it(`open() with ${row.name} throws SealedSecretError`, () => {
      assert.throws(row.open, (err: unknown) => {
        assert.ok(err instanceof SealedSecretError);
        assert.equal(err.code, SealedSecretError.code);
        assert.match(err.message, row.message);
        assert.ok(!err.message.includes('pw100'));
        return true;
      });
    });
  }
});

describe('sealedSecret - keys', () => {
  const texts: Array<{ name: string; text: string; ok: boolean }> = [
    { name: 'a generated key', text: generateSealingKeyText(), ok: true },
    { name: 'base64url without padding', text: Buffer.alloc(32, 255).toString('base64url'), ok: true },
    { name: 'with a trailing newline', text: `${Buffer.alloc(32, 3).toString('base64')}\n`, ok: true },
    { name: '16 bytes', text: Buffer.alloc(16).toString('base64'), ok: false },
    { name: '33 bytes', text: Buffer.alloc(33).toString('base64'), ok: false },
    { name: 'hex of 32 bytes', text: Buffer.alloc(32).toString('hex'), ok: false },
    { name: 'an example token', text: 'change-me-too', ok: false },
  ];
  for (const row of texts) {
    it(`parseSealingKey() with ${row.name} ${row.ok ? 'succeeds' : 'throws TypeError without echoing it'}`, () => {
      assert.equal(isSealingKeyText(row.text), row.ok);
      if (row.ok) assert.match(parseSealingKey(row.text).id, /^[A-Za-z0-9_-]{8}$/);
      else assert.throws(() => parseSealingKey(row.text), (err: unknown) => err instanceof TypeError && !err.message.includes(row.text));
    });
  }

  it('a key id names the key without revealing it, and differs between keys', () => {
    assert.notEqual(key.id, otherKey.id);
    assert.equal(parseSealingKey(Buffer.alloc(32, 1).toString('base64url')).id, key.id, 'base64 and base64url of one key');
    assert.ok(!JSON.stringify(key).includes(Buffer.alloc(32, 1).toString('base64')), 'the key object does not serialise its material');
  });
});

describe('lineCredentials - a line on the bus', () => {
  const line: LineConfig = {
    lineId: 'line-1', number: '100', displayName: 'A', sipUri: 'sip:100@pbx', registrar: 'pbx', transport: 'udp',
    authUser: '100', authPassword: 'pw100', ownerUserId: null, enabled: true,
  };

  it('openLineConfig(sealLineConfig(line)) is the line again; the sealed one holds no password', () => {
    const sealed = sealLineConfig(key, line);
    assert.ok(!JSON.stringify(sealed).includes('pw100'));
    assert.deepEqual(openLineConfig(key, sealed), line);
  });

  it("openLineConfig() of a password moved onto another line throws SealedSecretError", () => {
    const other = sealLineConfig(key, { ...line, lineId: 'line-2', authPassword: 'pw101' });
    assert.throws(() => openLineConfig(key, { ...sealLineConfig(key, line), authPassword: other.authPassword }), SealedSecretError);
  });
});
