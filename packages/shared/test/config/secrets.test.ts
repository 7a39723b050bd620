// The secret variables of issue 11: NATS credentials and TLS, the line credentials key, refused example
// tokens, and `<VAR>_FILE` for every secret.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, CtiGatewayConfig, loadConfig, MediaConfig, PbxAdapterConfig, secretVariablesOf, variablesOf } from '@ucserver/shared';

const key = Buffer.alloc(32, 9).toString('base64');
const seed = 'SUAFSIS47CKIH3IJOBNMM6DIQZYHYF2WJME2GCWFOBUKOJURQLKSSL2GHM';

/** The variables a ConfigError names (asserting it is one). */
function failing(fn: () => unknown): { variables: string[]; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return { variables: err.issues.map((i) => i.variable).sort(), message: err.message };
  }
  assert.fail('expected a ConfigError');
}

describe('config - secrets', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('secretVariablesOf() lists the secrets of each service, and only the gateway and adapter hold the line key', () => {
    assert.deepEqual(secretVariablesOf(CtiGatewayConfig).sort(), ['ADMIN_TOKEN', 'AUTH_TOKEN_SECRET', 'LINE_CREDENTIALS_KEY', 'NATS_NKEY_SEED', 'NATS_PASSWORD']);
    assert.deepEqual(secretVariablesOf(PbxAdapterConfig).sort(), ['LINE_CREDENTIALS_KEY', 'NATS_NKEY_SEED', 'NATS_PASSWORD']);
    assert.deepEqual(secretVariablesOf(MediaConfig).sort(), ['NATS_NKEY_SEED', 'NATS_PASSWORD']);
    assert.ok(variablesOf(MediaConfig).every((v) => !v.startsWith('LINE_CREDENTIALS_KEY')));
    assert.ok(variablesOf(CtiGatewayConfig).includes('ADMIN_TOKEN_FILE'));
    assert.ok(!variablesOf(CtiGatewayConfig).includes('HTTP_PORT_FILE'));
  });

  const refused: Array<{ name: string; schema: typeof CtiGatewayConfig | typeof PbxAdapterConfig | typeof MediaConfig; env: Record<string, string>; variables: string[]; message?: RegExp }> = [
    { name: 'no LINE_CREDENTIALS_KEY (gateway)', schema: CtiGatewayConfig, env: {}, variables: ['LINE_CREDENTIALS_KEY'], message: /LINE_CREDENTIALS_KEY: required: .*openssl rand -base64 32/ },
    { name: 'no LINE_CREDENTIALS_KEY (adapter)', schema: PbxAdapterConfig, env: {}, variables: ['LINE_CREDENTIALS_KEY'], message: /LINE_CREDENTIALS_KEY: required/ },
    { name: 'a 16-byte LINE_CREDENTIALS_KEY', schema: PbxAdapterConfig, env: { LINE_CREDENTIALS_KEY: Buffer.alloc(16).toString('base64') }, variables: ['LINE_CREDENTIALS_KEY'], message: /32 random bytes/ },
    { name: 'a LINE_CREDENTIALS_KEY that is not base64', schema: CtiGatewayConfig, env: { LINE_CREDENTIALS_KEY: 'x'.repeat(42) + '!' }, variables: ['LINE_CREDENTIALS_KEY'] },
    { name: "ADMIN_TOKEN 'change-me'", schema: CtiGatewayConfig, env: { LINE_CREDENTIALS_KEY: key, ADMIN_TOKEN: 'change-me' }, variables: ['ADMIN_TOKEN'], message: /documented example value/ },
    { name: "AUTH_TOKEN_SECRET 'change-me-too'", schema: CtiGatewayConfig, env: { LINE_CREDENTIALS_KEY: key, AUTH_TOKEN_SECRET: 'change-me-too' }, variables: ['AUTH_TOKEN_SECRET'], message: /documented example value/ },
    { name: "ADMIN_TOKEN ' Change-Me ' (case, spaces)", schema: CtiGatewayConfig, env: { LINE_CREDENTIALS_KEY: key, ADMIN_TOKEN: ' Change-Me ' }, variables: ['ADMIN_TOKEN'] },
    { name: "the README's old ADMIN_TOKEN 'secret'", schema: CtiGatewayConfig, env: { LINE_CREDENTIALS_KEY: key, ADMIN_TOKEN: 'secret' }, variables: ['ADMIN_TOKEN'] },
    { name: 'NATS_USER without a password', schema: MediaConfig, env: { NATS_USER: 'media' }, variables: ['NATS_PASSWORD'] },
    { name: 'NATS_PASSWORD without a user', schema: MediaConfig, env: { NATS_PASSWORD: 'pw' }, variables: ['NATS_USER'] },
    { name: 'both a user and an nkey', schema: MediaConfig, env: { NATS_USER: 'media', NATS_PASSWORD: 'pw', NATS_NKEY_SEED: seed }, variables: ['NATS_NKEY_SEED'] },
    { name: 'an nkey that is not a user seed', schema: MediaConfig, env: { NATS_NKEY_SEED: 'UAFSIS47CKIH3IJOBNMM6DIQZYHYF2WJME2GCWFOBUKOJURQLKSSL2GHM' }, variables: ['NATS_NKEY_SEED'], message: /nkey user seed/ },
    { name: 'a client certificate without its key', schema: MediaConfig, env: { NATS_TLS_CERT_FILE: '/x/cert.pem' }, variables: ['NATS_TLS_KEY_FILE'] },
    { name: 'a client key without its certificate', schema: MediaConfig, env: { NATS_TLS_KEY_FILE: '/x/key.pem' }, variables: ['NATS_TLS_CERT_FILE'] },
  ];
  for (const row of refused) {
    it(`loadConfig() with ${row.name} throws ConfigError naming ${row.variables.join(', ')}`, () => {
      const { variables, message } = failing(() => loadConfig('svc', row.schema as typeof CtiGatewayConfig, row.env));
      assert.deepEqual(variables, row.variables);
      if (row.message) assert.match(message, row.message);
      // a refused secret is named, never echoed
      for (const [name, value] of Object.entries(row.env)) if (name !== 'NATS_TLS_CERT_FILE' && name !== 'NATS_TLS_KEY_FILE' && value.length > 8) assert.ok(!message.includes(value), `${name}'s value in the message`);
    });
  }

  it('loadConfig() with NATS_NKEY_SEED and a 32-byte key succeeds', () => {
    const c = loadConfig('pbx-adapter', PbxAdapterConfig, { NATS_NKEY_SEED: seed, LINE_CREDENTIALS_KEY: key, NATS_URL: 'tls://127.0.0.1:4222' });
    assert.equal(c.NATS_NKEY_SEED, seed);
    assert.equal(c.LINE_CREDENTIALS_KEY, key);
  });

  it('loadConfig() reads a secret from <VAR>_FILE, dropping one trailing newline', () => {
    writeFileSync(join(dir, 'token'), 'a-real-admin-token\n', { mode: 0o600 });
    writeFileSync(join(dir, 'key'), `${key}\n`, { mode: 0o600 });
    const c = loadConfig('cti-gateway', CtiGatewayConfig, { ADMIN_TOKEN_FILE: join(dir, 'token'), LINE_CREDENTIALS_KEY_FILE: join(dir, 'key') });
    assert.equal(c.ADMIN_TOKEN, 'a-real-admin-token');
    assert.equal(c.LINE_CREDENTIALS_KEY, key);
  });

  it('loadConfig() with both <VAR> and <VAR>_FILE throws ConfigError naming <VAR>_FILE', () => {
    writeFileSync(join(dir, 'key2'), key);
    assert.deepEqual(failing(() => loadConfig('x', PbxAdapterConfig, { LINE_CREDENTIALS_KEY: key, LINE_CREDENTIALS_KEY_FILE: join(dir, 'key2') })).variables, ['LINE_CREDENTIALS_KEY_FILE']);
  });

  it('loadConfig() with an unreadable or empty <VAR>_FILE throws ConfigError naming the file variable', () => {
    const missing = failing(() => loadConfig('x', PbxAdapterConfig, { LINE_CREDENTIALS_KEY_FILE: join(dir, 'nope') }));
    assert.deepEqual(missing.variables, ['LINE_CREDENTIALS_KEY_FILE']);
    assert.match(missing.message, /ENOENT/);
    writeFileSync(join(dir, 'empty'), '\n');
    assert.match(failing(() => loadConfig('x', PbxAdapterConfig, { LINE_CREDENTIALS_KEY_FILE: join(dir, 'empty') })).message, /is empty/);
  });

  it('loadConfig() with an example token in ADMIN_TOKEN_FILE names the file variable, not the value', () => {
    writeFileSync(join(dir, 'example'), 'change-me\n');
    const { variables, message } = failing(() => loadConfig('x', CtiGatewayConfig, { LINE_CREDENTIALS_KEY: key, ADMIN_TOKEN_FILE: join(dir, 'example') }));
    assert.deepEqual(variables, ['ADMIN_TOKEN_FILE']);
    assert.match(message, /documented example value/);
  });
});
