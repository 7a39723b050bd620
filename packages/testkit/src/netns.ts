// Every end-to-end test file runs in a fresh network namespace with only `lo` up: the test process
// re-executes itself under `unshare -n` before it declares any test, so nats-server, the services, the
// PBX and Chromium (all its children) can only reach 127.0.0.1 and nothing outside the machine. A
// TestNetwork (multi-host tests) builds its bridge inside that namespace, so its hosts reach nothing
// else either.
import { spawn, spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

const MARK = 'UCS_E2E_NETNS';

/** The interface names this process sees. */
export function interfaceNames(): string[] {
  return Object.keys(networkInterfaces());
}

/** Throws unless only the loopback interface exists (Chromium must never see a real network). */
export function assertIsolated(): void {
  const names = interfaceNames();
  if (names.some((n) => n !== 'lo')) {
    throw new Error(`e2e: expected a network namespace with only 'lo', found: ${names.join(', ')}`);
  }
}

/**
 * Re-executes the current test file inside `unshare -n` (new network namespace, `ip link set lo up`)
 * and exits with its exit code; inside the namespace it returns at once. The node:test runner's
 * protocol passes through: the re-executed process inherits stdout and the test-runner environment.
 * Call it at the top of a test file, before any `test()`.
 */
export async function enterNetworkNamespace(): Promise<void> {
  if (process.env[MARK]) {
    // re-executed (or a child of a re-executed process): inside the namespace, provided only lo exists
    assertIsolated();
    return;
  }
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status}`);
    process.stderr.write(`e2e: cannot create a network namespace with only 'lo' ('unshare -n' + 'ip link set lo up' failed: ${why}). The e2e suite needs root or CAP_SYS_ADMIN and iproute2; Chromium must never run outside such a namespace.\n`);
    process.exit(1);
  }
  const args = [
    '-n', '--',
    'sh', '-c', 'ip link set lo up && export UCS_E2E_NETNS=1 && exec "$@"', 'sh',
    process.execPath, ...process.execArgv, ...process.argv.slice(1),
  ];
  const child = spawn('unshare', args, { stdio: 'inherit', env: { ...process.env } });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  const code = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`e2e: cannot create a network namespace with 'unshare -n' (${err.message}); run as root or with CAP_SYS_ADMIN\n`);
      resolve(1);
    });
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  process.exit(code);
}
