import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig, serviceConfigs, variablesOf } from '@ucserver/shared';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const composeFile = `${root}docker-compose.yml`;

interface ComposeService {
  environment?: Record<string, string | number>;
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

describe('docker-compose.yml', () => {
  it('docker-compose config -q accepts the file', async () => {
    await new Promise<void>((resolve, reject) => {
      execFile('docker-compose', ['-f', composeFile, 'config', '-q'], (err, _stdout, stderr) => (err ? reject(new Error(`docker-compose config failed: ${stderr || err.message}`)) : resolve()));
    });
  });

  for (const [name, schema] of Object.entries(serviceConfigs)) {
    it(`${name}: every environment variable exists in its config schema and the values parse`, () => {
      const service = compose.services[name];
      assert.ok(service, `service ${name} is defined`);
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(v)]));
      const known = new Set(variablesOf(schema));
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      assert.deepEqual(unknown, [], `${name} sets variables its schema does not read`);
      assert.doesNotThrow(() => loadConfig(name, schema, env));
    });
  }

  it('every ucserver service has a healthcheck and waits for healthy dependencies', () => {
    for (const name of [...Object.keys(serviceConfigs), 'nats', 'postgres', 'prometheus', 'grafana']) {
      const service = compose.services[name];
      assert.ok(service?.healthcheck, `${name} has a healthcheck`);
      for (const [dep, cond] of Object.entries(service.depends_on ?? {})) {
        assert.equal(cond.condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
      }
    }
  });

  it('media can be scaled: no container_name and no fixed host ports', () => {
    const media = compose.services.media;
    assert.equal(media?.container_name, undefined);
    assert.equal(media?.ports, undefined);
  });
});
