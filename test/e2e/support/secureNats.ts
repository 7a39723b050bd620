// NATS for an E2eStack as a deployment runs it (E2eStackOptions.natsSecurity): one nkey user per service
// with the permissions of the bus access table, generated the way `npm start` does it (provisionSecrets),
// an operators' user (admin) for tests that must see everything, and optionally TLS from a CA made for the
// run with infra/nats/make-tls.sh. Monitoring (/connz) on its own loopback port, so a test can see who
// connected how.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { natsServerConfig, provisionSecrets, type NatsUser } from '@ucserver/shared/internal';
import { freePort } from '@ucserver/testkit';
import { repoRoot } from './paths.ts';

export interface SecureNatsOptions {
  /** The server's directory: config, users, JetStream store, certificates. */
  dir: string;
  prefix: string;
  port: number;
  tls: boolean;
}

export interface SecureNats {
  /** nats-server's arguments (the config file and the monitoring port). */
  readonly args: string[];
  readonly url: string;
  readonly monitorUrl: string;
  /** The CA the server's certificate chains to, with TLS. */
  readonly caFile: string | undefined;
  seedFile(user: NatsUser): string;
  seed(user: NatsUser): string;
  publicKey(user: NatsUser): string;
  /** What a service needs to connect as itself. */
  env(service: Exclude<NatsUser, 'admin'>): Record<string, string>;
}

export async function prepareSecureNats(options: SecureNatsOptions): Promise<SecureNats> {
  const { dir, prefix, port } = options;
  const seedFile = (user: NatsUser): string => join(dir, 'users', `${user}.nk`);
  provisionSecrets(
    { nkeySeeds: { 'cti-gateway': seedFile('cti-gateway'), media: seedFile('media'), 'pbx-adapter': seedFile('pbx-adapter'), admin: seedFile('admin') }, lineCredentialsKey: [], authorization: join(dir, 'auth.conf') },
    { prefix },
  );
  let tls: { certFile: string; keyFile: string } | undefined;
  let caFile: string | undefined;
  if (options.tls) {
    const certs = join(dir, 'tls');
    execFileSync('sh', [join(repoRoot, 'infra/nats/make-tls.sh'), certs, 'localhost', '127.0.0.1'], { stdio: 'ignore' });
    tls = { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server-key.pem') };
    caFile = join(certs, 'ca.pem');
  }
  const config = join(dir, 'nats.conf');
  writeFileSync(config, natsServerConfig({ listen: `127.0.0.1:${port}`, storeDir: dir, authorizationInclude: 'auth.conf', tls }));
  const monitorPort = await freePort({ tcp: true });
  const seed = (user: NatsUser): string => readFileSync(seedFile(user), 'utf8').trim();
  return {
    args: ['-c', config, '-m', String(monitorPort)],
    url: `${tls ? 'tls' : 'nats'}://127.0.0.1:${port}`,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    caFile,
    seedFile,
    seed,
    publicKey: (user) => fromSeed(new TextEncoder().encode(seed(user))).getPublicKey(),
    env: (service) => ({ NATS_NKEY_SEED_FILE: seedFile(service), ...(caFile ? { NATS_TLS_CA_FILE: caFile } : {}) }),
  };
}
