// `npm start`: the three services as local processes with embedded defaults (PGlite under .data/,
// NATS at NATS_URL). If nothing answers at NATS_URL and nats-server is on PATH, one is started with
// JetStream under .data/nats. Ctrl-C stops everything; exit code is non-zero if a service failed.
// All services get this process's environment; since they share HTTP_PORT's name, per-service ports can be
// set with UCS_HTTP_PORT_CTI_GATEWAY, UCS_HTTP_PORT_MEDIA and UCS_HTTP_PORT_PBX_ADAPTER.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const services = ['cti-gateway', 'media', 'pbx-adapter'] as const;
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
if (!(await reachable(host, port))) {
  console.error(`[start] nothing answers at ${natsUrl.href}; starting nats-server with JetStream under .data/nats`);
  mkdirSync(`${root}/.data/nats`, { recursive: true });
  run('nats-server', 'nats-server', ['-a', host, '-p', String(port), '-js', '-sd', `${root}/.data/nats`]);
  for (let i = 0; i < 50 && !(await reachable(host, port)); i++) await new Promise((r) => setTimeout(r, 100));
}
for (const name of services) {
  const port = process.env[`UCS_HTTP_PORT_${name.toUpperCase().replace(/-/g, '_')}`];
  run(name, process.execPath, ['--conditions=ucs-source', `services/${name}/src/index.ts`], port ? { ...process.env, HTTP_PORT: port } : process.env);
}
