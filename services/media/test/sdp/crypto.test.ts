import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CryptoInvalidError } from '../../src/errors.ts';
import { chooseCrypto, formatCrypto, parseCrypto, srtpParameters } from '../../src/sdp/crypto.ts';

const key30 = Buffer.alloc(30, 7).toString('base64');
const key28 = Buffer.alloc(28, 7).toString('base64');
const key44 = Buffer.alloc(44, 7).toString('base64');

describe('parseCrypto()', () => {
  const ok = [
    { name: 'AES_CM_128_HMAC_SHA1_80', input: { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${key30}` }, usable: 'AES_CM_128_HMAC_SHA1_80' },
    { name: 'AES_CM_128_HMAC_SHA1_32 with lifetime', input: { id: 2, suite: 'AES_CM_128_HMAC_SHA1_32', config: `inline:${key30}|2^20` }, usable: 'AES_CM_128_HMAC_SHA1_32' },
    { name: 'AEAD_AES_128_GCM', input: { id: 3, suite: 'AEAD_AES_128_GCM', config: `inline:${key28}` }, usable: 'AEAD_AES_128_GCM' },
    { name: 'AEAD_AES_256_GCM', input: { id: 4, suite: 'AEAD_AES_256_GCM', config: `inline:${key44}` }, usable: 'AEAD_AES_256_GCM' },
    { name: 'unknown suite (F8) is parsed but not usable', input: { id: 5, suite: 'F8_128_HMAC_SHA1_80', config: `inline:${key30}` }, usable: undefined },
    { name: 'MKI is not usable by mediasoup', input: { id: 6, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${key30}|2^20|1:4` }, usable: undefined },
    { name: 'session parameters are not usable', input: { id: 7, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${key30}`, sessionConfig: 'UNENCRYPTED_SRTCP' }, usable: undefined },
  ];
  for (const row of ok) {
    test(`${row.name} → usable ${row.usable ?? 'no'}`, () => {
      assert.equal(parseCrypto(row.input, 'x').usable, row.usable);
    });
  }
  const bad = [
    { name: 'short key', input: { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${key28}` } },
    { name: 'GCM key of AES-CM length', input: { id: 1, suite: 'AEAD_AES_256_GCM', config: `inline:${key30}` } },
    { name: 'not base64', input: { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:*&^%' } },
    { name: 'no inline key', input: { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'key=abc' } },
    { name: 'negative tag', input: { id: -1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${key30}` } },
  ];
  for (const row of bad) {
    test(`${row.name} rejects with CryptoInvalidError`, () => {
      assert.throws(() => parseCrypto(row.input, 'PBX offer'), CryptoInvalidError);
    });
  }
  test('chooseCrypto() takes the first usable line; formatCrypto() round-trips', () => {
    const lines = [parseCrypto({ id: 5, suite: 'F8_128_HMAC_SHA1_80', config: `inline:${key30}` }, 'x'), parseCrypto({ id: 2, suite: 'AES_CM_128_HMAC_SHA1_32', config: `inline:${key30}` }, 'x')];
    const chosen = chooseCrypto(lines)!;
    assert.equal(chosen.tag, 2);
    assert.equal(formatCrypto(chosen.tag, srtpParameters(chosen)), `2 AES_CM_128_HMAC_SHA1_32 inline:${key30}`);
  });
});
