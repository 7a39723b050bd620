import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { exampleSecrets, loadConfig, secretVariablesOf, serviceConfigs, variablesOf, type EnvSchema } from '@ucserver/shared';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const composeFile = `${root}docker-compose.yml`;

interface ComposeService {
  environment?: Record<string, string | number>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  container_name?: string;
  ports?: string[];
  profiles?: string[];
}

const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

/** `${VAR:-default}` as compose would substitute it with VAR unset. */
function substitute(value: string | number): string {
  return String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** Stand-ins for the files secrets-init writes (`<VAR>_FILE` of a secret), so the values can be parsed here. */
const secretsDir = mkdtempSync(join(tmpdir(), 'ucs-compose-'));
const sample: Record<string, string> = {
  LINE_CREDENTIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
  NATS_NKEY_SEED: 'SUAFSIS47CKIH3IJOBNMM6DIQZYHYF2WJME2GCWFOBUKOJURQLKSSL2GHM',
};
function withSecretFiles(schema: EnvSchema, env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  for (const variable of secretVariablesOf(schema)) {
    if (out[`${variable}_FILE`] === undefined) continue;
    const file = join(secretsDir, variable);
    writeFileSync(file, sample[variable] ?? 'a-generated-token-0123456789');
    out[`${variable}_FILE`] = file;
  }
  return out;
}

function composeConfig(files: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile('docker-compose', files.flatMap((f) => ['-f', f]).concat(['config', '-q']), (err, _stdout, stderr) => (err ? reject(new Error(`docker-compose config failed: ${stderr || err.message}`)) : resolve()));
  });
}

describe('docker-compose.yml', () => {
  after(() => rmSync(secretsDir, { recursive: true, force: true }));

  it('docker-compose config -q accepts the file', async () => {
    await composeConfig([composeFile]);
  });

  it('docker-compose config -q accepts it with the NATS TLS override', async () => {
    await composeConfig([composeFile, `${root}infra/nats/compose.tls.yml`]);
  });

  for (const [name, schema] of Object.entries(serviceConfigs)) {
    it(`${name}: every environment variable exists in its config schema and the values parse`, () => {
      const service = compose.services[name];
      assert.ok(service, `service ${name} is defined`);
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(v)]));
      const known = new Set(variablesOf(schema));
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      assert.deepEqual(unknown, [], `${name} sets variables its schema does not read`);
      assert.doesNotThrow(() => loadConfig(name, schema, withSecretFiles(schema, env)));
    });
  }

  it('every ucserver service has a healthcheck and waits for healthy dependencies and for secrets-init to finish', () => {
    for (const name of [...Object.keys(serviceConfigs), 'nats-1', 'nats-2', 'nats-3', 'postgres', 'prometheus', 'grafana']) {
      const service = compose.services[name];
      assert.ok(service?.healthcheck, `${name} has a healthcheck`);
      for (const [dep, cond] of Object.entries(service.depends_on ?? {})) {
        assert.equal(cond.condition, dep === 'secrets-init' ? 'service_completed_successfully' : 'service_healthy', `${name} waits for ${dep}`);
      }
    }
    for (const name of [...Object.keys(serviceConfigs), 'nats-1', 'nats-2', 'nats-3']) {
      assert.equal(compose.services[name]?.depends_on?.['secrets-init']?.condition, 'service_completed_successfully', `${name} starts after secrets-init succeeded`);
    }
  });

  it('no service carries a secret in its environment: secrets come from files secrets-init wrote', () => {
    for (const [name, schema] of Object.entries(serviceConfigs)) {
      const env = compose.services[name]?.environment ?? {};
      for (const variable of secretVariablesOf(schema)) {
        assert.equal(env[variable], undefined, `${name} sets ${variable} inline`);
      }
      for (const [variable, value] of Object.entries(env)) {
        assert.ok(!exampleSecrets.includes(substitute(value).toLowerCase()), `${name}: ${variable} defaults to an example secret`);
      }
    }
    assert.doesNotMatch(readFileSync(composeFile, 'utf8'), /:-change-me/, 'no ${VAR:-change-me} default is left');
  });

  it('each service mounts only its own secrets volume, read-only; media gets no line credentials key', () => {
    // The standby pbx-adapter is the same service (same NATS user, same line key): the same volume.
    const own: Record<string, string> = { 'cti-gateway': 'cti-gateway-secrets', media: 'media-secrets', 'pbx-adapter': 'pbx-adapter-secrets', 'pbx-adapter-standby': 'pbx-adapter-secrets' };
    for (const [name, volume] of Object.entries(own)) {
      const secrets = (compose.services[name]?.volumes ?? []).filter((v) => v.includes('secrets'));
      assert.deepEqual(secrets, [`${volume}:/run/ucs-secrets:ro`], `${name}'s secrets`);
    }
    assert.ok(!Object.keys(compose.services.media?.environment ?? {}).some((v) => v.startsWith('LINE_CREDENTIALS_KEY')));
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'secrets-init') continue;
      for (const v of service.volumes ?? []) if (v.includes('secrets')) assert.ok(v.startsWith(`${own[name]}:`), `${name} mounts ${v}`);
    }
  });

  it('publishes only the client ports on every address; NATS and the monitoring ports not at all', () => {
    const published: Record<string, string[]> = {};
    for (const [name, service] of Object.entries(compose.services)) if (service.ports) published[name] = service.ports.map(String);
    assert.deepEqual(published, {
      'cti-gateway': ['7222:7222', '7224:7224', '7225:7225'],
      'pbx-adapter': ['5062:5062/udp', '5062:5062/tcp'],
      'pbx-adapter-standby': ['5064:5062/udp', '5064:5062/tcp'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3000:3000'],
    });
    const natsConf = readFileSync(`${root}infra/nats/nats.conf`, 'utf8');
    assert.match(natsConf, /^http: 127\.0\.0\.1:8222$/m, 'NATS monitoring on the container\'s loopback only');
    assert.match(natsConf, /^include \.\/auth\/auth\.conf$/m, 'NATS takes its users from the generated authorization');
    assert.doesNotMatch(natsConf, /no_auth_user|allow_non_tls/);
  });

  it('media can be scaled: no container_name and no fixed host ports', () => {
    const media = compose.services.media;
    assert.equal(media?.container_name, undefined);
    assert.equal(media?.ports, undefined);
  });
});
