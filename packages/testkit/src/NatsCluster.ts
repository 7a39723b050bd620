import { check } from './check.ts';
import { freePort } from './freePorts.ts';
import type { NatsClusterOptions } from './NatsClusterTypes.ts';
import { NatsServer } from './NatsServer.ts';

/**
 * A NATS cluster of private nats-servers on loopback (or one per TestNetwork host), each with JetStream
 * and its own store, joined by routes on fixed ports (so a killed server comes back into the same
 * cluster). For tests of what the services do when one server of the cluster dies.
 */
export class NatsCluster {
  readonly servers: readonly NatsServer[];

  private constructor(servers: NatsServer[]) {
    this.servers = servers;
  }

  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const hosts = options.hosts;
    const size = hosts?.length ?? options.size ?? 3;
    // A server per TestNetwork host has the host's port space to itself: the usual route port there.
    const routes: Array<{ host: string; port: number }> = hosts ? hosts.map((h) => ({ host: h.address, port: 6222 })) : [];
    while (routes.length < size) {
      const port = await freePort({ tcp: true, udp: false });
      if (!routes.some((r) => r.port === port)) routes.push({ host: '127.0.0.1', port });
    }
    const routeUrls = routes.map((r) => `nats://${r.host}:${r.port}`).join(',');
    const started = await Promise.allSettled(routes.map((route, i) => NatsServer.start({
      ...(hosts ? { host: route.host, netns: hosts[i]!.netns } : {}),
      args: ['--server_name', `n${i + 1}`, '--cluster_name', options.name ?? 'ucs', '--cluster', `nats://${route.host}:${route.port}`, '--routes', routeUrls, ...(options.args ?? [])],
    })));
    const failed = started.find((r) => r.status === 'rejected');
    // One server that did not start: the others are stopped, or their processes would outlive the test.
    if (failed) {
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
      throw failed.reason;
    }
    const servers = started.map((r) => (r as PromiseFulfilledResult<NatsServer>).value);
    const cluster = new NatsCluster(servers);
    try {
      await cluster.#waitForMeta();
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** All client URLs, comma-separated (what NATS_URL takes). */
  get urls(): string {
    return this.servers.map((s) => s.url).join(',');
  }

  /** The server with this name (`n1` …). */
  server(name: string): NatsServer {
    const s = this.servers[Number(name.slice(1)) - 1];
    if (!s) throw new RangeError(`no server '${name}' in a cluster of ${this.servers.length}`);
    return s;
  }

  /** Waits until JetStream's meta group has a leader (streams can be created only then). */
  async #waitForMeta(): Promise<void> {
    await check(() => this.servers.some((s) => /metadata leader/i.test(s.log)) || undefined, 20_000, { name: 'JetStream meta leader elected' });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }
}
