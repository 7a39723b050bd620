import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { check } from './check.ts';
import { freePort } from './freePorts.ts';
import { ManagedProcess } from './ManagedProcess.ts';

const run = promisify(execFile);
const HOST = '127.0.0.1';

/** The newest PostgreSQL server binaries Debian installed (`/usr/lib/postgresql/<major>/bin`). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = majors.map((m) => join(root, m, 'bin')).find((d) => existsSync(join(d, 'postgres')));
  if (!dir) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: install the test peers (scripts/test-peers.sh)');
  return dir;
}

/**
 * A private PostgreSQL server on loopback (its own data directory, port and socket), for runs inside a
 * network namespace where the machine's server at 127.0.0.1:5432 is out of reach (bench/call-setup).
 * PostgreSQL refuses to run as root, so initdb and the server run as the `postgres` user (setpriv: no
 * intermediate process, so stop() signals the server itself). Trust auth on loopback only.
 */
export class PostgresServer {
  readonly dir: string;
  readonly port: number;
  #process: ManagedProcess | undefined;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@${HOST}:${this.port}/${database}`;
  }

  static async start(options: { settings?: Record<string, string> } = {}): Promise<PostgresServer> {
    const bin = binDir();
    const dir = mkdtempSync(join(tmpdir(), 'ucs-postgres-'));
    const server = new PostgresServer(dir, await freePort());
    const asPostgres = (cmd: string): [string, string[]] => ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', join(bin, cmd)]];
    chmodSync(dir, 0o700);
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({ uid: Number(u.stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) }));
    chownSync(dir, uid, gid);
    const data = join(dir, 'data');
    const [initCmd, initArgs] = asPostgres('initdb');
    await run(initCmd, [...initArgs, '-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync'], { cwd: dir });
    const settings = { listen_addresses: HOST, port: String(server.port), unix_socket_directories: dir, ...options.settings };
    const [cmd, args] = asPostgres('postgres');
    server.#process = ManagedProcess.spawn('postgres', cmd, [...args, '-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { cwd: dir, logFile: server.logFile });
    await check(async () => {
      const exited = await Promise.race([server.#process!.exited, Promise.resolve(undefined)]);
      if (exited) throw new Error(`postgres exited at start (${exited.error?.message ?? `code ${exited.code}`}): ${server.#process!.tail(20)}`);
      const client = new pg.Client({ connectionString: server.url() });
      try {
        await client.connect();
        return true;
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 20_000, { name: 'private postgres accepts connections', intervalMs: 100 });
    return server;
  }

  /** Creates an empty database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`invalid database name '${name}'`);
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** The server's log (stderr): with `log_statement=all` every statement the clients sent. */
  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  /** The server's (postmaster's) process id; its backends are its children. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  async stop(): Promise<void> {
    // SIGINT: PostgreSQL's "fast shutdown" (no wait for clients).
    await this.#process?.stop({ signal: 'SIGINT', graceMs: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
