// Hosts for multi-host tests, as network namespaces joined by a bridge (issue 18). The bridge lives in
// the test process's own network namespace (enterNetworkNamespace first: only `lo` may exist there), so
// the hosts reach each other and the test, and nothing else: no namespace has a route beyond the /24,
// and the test's namespace has no link to the machine's network.
import { spawnSync } from 'node:child_process';
import type { TestHost, TestNetworkOptions } from './TestNetworkTypes.ts';

const BRIDGE = 'ucsbr0';
const NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;
/** Host addresses .10 … .250 of the /24. */
const FIRST_HOST = 10;
const MAX_HOSTS = 240;

/** Every network not yet disposed, deleted when this process exits (a crashed test leaves no namespace). */
const live = new Set<TestNetwork>();
let exitHook = false;

/** Runs `ip args…`; throws with ip's own message on failure. */
function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** The named network namespaces (`ip netns list`: "name" or "name (id: N)"). */
function namespaces(): string[] {
  return ip(['netns', 'list']).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The links of the current network namespace. */
function links(): string[] {
  return ip(['-o', 'link', 'show']).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
}

/**
 * A bridge in the test's network namespace and, per host, a named network namespace with a veth pair
 * (eth0 in the host with the address given, the other end on the bridge). Processes run in a host with
 * ManagedProcess's `netns` option (or {@link TestNetwork.exec}). `dispose()` deletes every namespace;
 * an exit hook does it too when a test dies before.
 */
export class TestNetwork {
  readonly subnet: string;
  /** The test process's own address on the bridge (what the hosts see the test's clients come from). */
  readonly address: string;
  readonly #prefix: string;
  readonly #hosts = new Map<string, TestHost>();
  #disposed = false;

  private constructor(prefix: string, subnet: string) {
    this.#prefix = prefix;
    this.subnet = subnet;
    this.address = `${subnet}.1`;
  }

  /** Builds the bridge (after sweeping stale namespaces of this prefix); throws outside an isolated namespace. */
  static create(options: TestNetworkOptions = {}): TestNetwork {
    const prefix = options.prefix ?? 'ucs-tn-';
    const subnet = options.subnet ?? '10.231.0';
    if (!/^[a-z0-9-]{1,16}$/.test(prefix)) throw new TypeError(`TestNetwork: invalid prefix '${prefix}' (a-z0-9-, at most 16)`);
    if (!/^10\.(\d{1,3})\.(\d{1,3})$/.test(subnet) || subnet.split('.').some((o) => Number(o) > 255)) {
      throw new TypeError(`TestNetwork: subnet '${subnet}' must be the first three octets of a 10.x.y.0/24`);
    }
    const present = links();
    if (present.some((l) => l !== 'lo')) {
      throw new Error(`TestNetwork: the test must run in its own network namespace with only 'lo' (enterNetworkNamespace()), found: ${present.join(', ')}`);
    }
    TestNetwork.sweep(prefix);
    const network = new TestNetwork(prefix, subnet);
    ip(['link', 'add', BRIDGE, 'type', 'bridge']);
    ip(['addr', 'add', `${network.address}/24`, 'dev', BRIDGE]);
    ip(['link', 'set', BRIDGE, 'up']);
    live.add(network);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const n of live) n.#teardown();
      });
    }
    return network;
  }

  /** Deletes the namespaces named `<prefix><pid>-…` whose process is gone; returns their names. */
  static sweep(prefix = 'ucs-tn-'): string[] {
    const stale = namespaces().filter((n) => {
      if (!n.startsWith(prefix)) return false;
      const pid = Number(/^(\d+)-/.exec(n.slice(prefix.length))?.[1]);
      return Number.isInteger(pid) && pid > 0 && !alive(pid);
    });
    for (const n of stale) ip(['netns', 'delete', n]);
    return stale;
  }

  /** Adds a host: its namespace, lo up, eth0 with the next address of the /24, linked to the bridge. */
  addHost(name: string): TestHost {
    if (this.#disposed) throw new Error('TestNetwork: disposed');
    if (!NAME.test(name)) throw new TypeError(`TestNetwork: invalid host name '${name}' (a-z0-9-, at most 24)`);
    if (this.#hosts.has(name)) throw new Error(`TestNetwork: host '${name}' exists`);
    if (this.#hosts.size >= MAX_HOSTS) throw new RangeError(`TestNetwork: at most ${MAX_HOSTS} hosts`);
    const index = this.#hosts.size;
    const host: TestHost = { name, netns: `${this.#prefix}${process.pid}-${name}`, address: `${this.subnet}.${FIRST_HOST + index}` };
    const [outer, inner] = [`tn${index}`, `tnp${index}`];
    ip(['netns', 'add', host.netns]);
    this.#hosts.set(name, host);
    try {
      ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
      ip(['link', 'set', inner, 'netns', host.netns]);
      ip(['-n', host.netns, 'link', 'set', inner, 'name', 'eth0']);
      ip(['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      ip(['-n', host.netns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', host.netns, 'link', 'set', 'lo', 'up']);
      ip(['link', 'set', outer, 'master', BRIDGE, 'up']);
    } catch (err) {
      this.#hosts.delete(name);
      spawnSync('ip', ['netns', 'delete', host.netns]);
      spawnSync('ip', ['link', 'delete', outer]);
      throw err;
    }
    return host;
  }

  host(name: string): TestHost {
    const h = this.#hosts.get(name);
    if (!h) throw new RangeError(`TestNetwork: no host '${name}' (have ${[...this.#hosts.keys()].join(', ')})`);
    return h;
  }

  get hosts(): TestHost[] {
    return [...this.#hosts.values()];
  }

  /** Runs a short command in a host and returns its exit status and output (bounded by `timeoutMs`). */
  exec(host: TestHost, command: string, args: string[] = [], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', host.netns, command, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '') };
  }

  /**
   * Deletes every host namespace (their veth pairs go with them) and the bridge. Stop the processes in
   * the hosts first: a namespace lives on while a process is in it. Idempotent.
   */
  async dispose(): Promise<void> {
    this.#teardown();
  }

  #teardown(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    live.delete(this);
    for (const h of this.#hosts.values()) spawnSync('ip', ['netns', 'delete', h.netns], { timeout: 10_000 });
    spawnSync('ip', ['link', 'delete', BRIDGE], { timeout: 10_000 });
  }
}
