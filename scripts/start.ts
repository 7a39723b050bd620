// `npm start`: the three services as local processes with embedded defaults (PGlite under .data/,
// NATS at NATS_URL). If nothing answers at NATS_URL and nats-server is on PATH, one is started with
// JetStream under .data/nats and authentication: on first start, one NATS nkey user per service (and
// `admin`, for the nats CLI) is generated under .data/nats/users/ (0600); at every start the server's
// users and permissions are regenerated from the bus access table for BUS_PREFIX, and each service gets
// only its own seed (NATS_NKEY_SEED_FILE). With a NATS server of your own at NATS_URL, the services use
// the NATS_* credentials of this environment. LINE_CREDENTIALS_KEY (the key sealing SIP passwords between
// the gateway and the pbx-adapter) comes from the environment, or is generated on first start into
// .data/secrets/line-credentials-key; media never gets it. UCS_DATA_DIR moves .data elsewhere.
// Ctrl-C stops everything; exit code is non-zero if a service failed.
// All services get this process's environment; since they share HTTP_PORT's name, per-service ports can be
// set with UCS_HTTP_PORT_CTI_GATEWAY, UCS_HTTP_PORT_MEDIA and UCS_HTTP_PORT_PBX_ADAPTER.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@ucserver/shared';
import { ensureSecretFile, generateSealingKeyText, natsServerConfig, provisionSecrets } from '@ucserver/shared/internal';

const root = fileURLToPath(new URL('..', import.meta.url));
const services = ['cti-gateway', 'media', 'pbx-adapter'] as const;
type Service = (typeof services)[number];
const dataDir = resolve(root, process.env.UCS_DATA_DIR || '.data');
const shown = (path: string): string => relative(process.cwd(), path) || path;
const natsUrl = new URL((process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',')[0]!.trim());
const children = new Map<string, ChildProcess>();
let stopping = false;
let failed = false;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the rest`);
      failed = true;
      stop();
    } else if (children.size === 0) {
      process.exit(failed ? 1 : 0);
    }
  });
  child.on('error', (err) => console.error(`[start] ${name}: ${err.message}`));
  return child;
}

function stop(): void {
  if (stopping && children.size === 0) process.exit(failed ? 1 : 0);
  stopping = true;
  // Services first (they drain over NATS), nats-server last.
  for (const [name, child] of children) if (name !== 'nats-server') child.kill('SIGTERM');
  const natsChild = children.get('nats-server');
  const waitServices = setInterval(() => {
    if ([...children.keys()].every((n) => n === 'nats-server')) {
      clearInterval(waitServices);
      if (natsChild) natsChild.kill('SIGTERM');
      else process.exit(failed ? 1 : 0);
    }
  }, 100);
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(1);
  }, 15_000).unref();
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const host = natsUrl.hostname || '127.0.0.1';
const port = Number(natsUrl.port || 4222);
/** What each service gets on top of this process's environment. */
const serviceEnv: Record<Service, NodeJS.ProcessEnv> = { 'cti-gateway': {}, media: {}, 'pbx-adapter': {} };

if (!(await reachable(host, port))) {
  const natsDir = join(dataDir, 'nats');
  const users = join(natsDir, 'users');
  const seed = (user: string): string => join(users, `${user}.nk`);
  let report;
  try {
    report = provisionSecrets(
      { nkeySeeds: { 'cti-gateway': seed('cti-gateway'), media: seed('media'), 'pbx-adapter': seed('pbx-adapter'), admin: seed('admin') }, lineCredentialsKey: [], authorization: join(natsDir, 'auth.conf') },
      { prefix: process.env.BUS_PREFIX || 'ucs' },
    );
  } catch (err) {
    console.error(`[start] ${err instanceof ConfigError ? err.message : String(err)}`);
    process.exit(1);
  }
  if (report.created.length > 0) console.error(`[start] first start: generated NATS credentials (nkey seeds, 0600) for ${services.join(', ')} and admin in ${shown(users)}`);
  const conf = join(natsDir, 'nats-server.conf');
  writeFileSync(conf, natsServerConfig({ listen: `${host}:${port}`, storeDir: natsDir, authorizationInclude: 'auth.conf' }));
  console.error(`[start] nothing answers at ${natsUrl.href}; starting nats-server (${shown(conf)}: JetStream under ${shown(natsDir)}, a NATS user per service)`);
  run('nats-server', 'nats-server', ['-c', conf]);
  for (let i = 0; i < 50 && !(await reachable(host, port)); i++) await new Promise((r) => setTimeout(r, 100));
  // Our server knows only these users: whatever NATS credentials this environment holds are for another.
  for (const name of services) serviceEnv[name] = { NATS_NKEY_SEED_FILE: seed(name), NATS_NKEY_SEED: '', NATS_USER: '', NATS_PASSWORD: '', NATS_PASSWORD_FILE: '' };
}

if (!process.env.LINE_CREDENTIALS_KEY && !process.env.LINE_CREDENTIALS_KEY_FILE) {
  const file = join(dataDir, 'secrets', 'line-credentials-key');
  if (ensureSecretFile(file, generateSealingKeyText).created) console.error(`[start] first start: generated LINE_CREDENTIALS_KEY in ${shown(file)} (0600)`);
  for (const name of ['cti-gateway', 'pbx-adapter'] as const) serviceEnv[name].LINE_CREDENTIALS_KEY_FILE = file;
}
// The media node has no use for the key that opens SIP passwords.
serviceEnv.media = { ...serviceEnv.media, LINE_CREDENTIALS_KEY: '', LINE_CREDENTIALS_KEY_FILE: '' };

for (const name of services) {
  const httpPort = process.env[`UCS_HTTP_PORT_${name.toUpperCase().replace(/-/g, '_')}`];
  run(name, process.execPath, ['--conditions=ucs-source', `services/${name}/src/index.ts`], { ...process.env, ...serviceEnv[name], ...(httpPort ? { HTTP_PORT: httpPort } : {}) });
}
