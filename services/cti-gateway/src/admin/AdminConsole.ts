import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { GatewayTopics, LineCommands, MediaCommands, MediaTopics, PbxTopics, type Unsubscribe } from '@ucserver/shared';
import { MediaCommandError, NotFoundError, UnavailableError } from '../errors.ts';
import { CtiGateways } from './CtiGateways.ts';
import { PbxAdapters } from './PbxAdapters.ts';
import type { AdminChange, AdminConsoleBus, AdminConsoleEvents, AdminConsoleOptions, ComponentHealth, SystemHealth } from './AdminConsoleTypes.ts';

/** How long the System page waits for the pbx-adapter's answer. */
const PROBE_TIMEOUT_MS = 1500;

/**
 * The admin console's live side: tells the SSE stream what changed (calls, line registrations, media
 * nodes — all fed from the bus, never polled), and carries out the operator's actions that need the
 * bus (hang up a call, drain a node) and the System page's health probe.
 */
export class AdminConsole extends EventEmitter<AdminConsoleEvents> {
  readonly #options: AdminConsoleOptions;
  /** Every pbx-adapter heard (active and standbys), from their heartbeats. */
  readonly #adapters = new PbxAdapters();
  /** Every cti-gateway sharing the clients (this one included), from their heartbeats. */
  readonly #gateways: CtiGateways;
  #live: AdminConsoleBus | undefined;
  readonly #stops: Array<() => void> = [];

  constructor(options: AdminConsoleOptions) {
    super();
    this.setMaxListeners(0);
    this.#options = options;
    this.#gateways = new CtiGateways(options.instance.instanceId);
    const { calls, registrations, routing, quality } = options;
    const onCall = (): void => void this.emit('changed', 'calls');
    calls.on('callchanged', (call) => {
      if (call.state === 'disconnected') quality.forget(call.callId);
      onCall();
    });
    calls.on('mediapath', onCall);
    quality.on('report', onCall);
    registrations.on('changed', () => void this.emit('changed', 'lines'));
    routing.on('changed', () => void this.emit('changed', 'lines'));
  }

  /** Binds the bus parts (in start()): node heartbeats and quality reports start to flow. */
  attach(live: AdminConsoleBus): void {
    this.#live = live;
    const { bus, placement } = live;
    const subs: Unsubscribe[] = [
      bus.subscribe(MediaTopics.quality, (report) => this.#options.quality.apply(report)),
      bus.subscribe(MediaTopics.heartbeat, () => void this.emit('changed', 'nodes')),
      bus.subscribe(PbxTopics.heartbeat, (hb) => this.#adapters.heard(hb)),
      bus.subscribe(GatewayTopics.heartbeat, (hb) => this.#gateways.heard(hb)),
    ];
    const down = (nodeId: string): void => {
      this.#options.quality.forgetNode(nodeId);
      this.emit('changed', 'nodes');
    };
    placement.on('nodedown', down);
    this.#stops.push(() => subs.forEach((s) => s.unsubscribe()), () => placement.off('nodedown', down));
  }

  detach(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#live = undefined;
  }

  /** Hangs up a running call (the pbx-adapter sends BYE/CANCEL; the softphone ends with it). */
  async hangUp(callId: string): Promise<void> {
    const call = this.#options.calls.get(callId);
    if (!call || call.state === 'disconnected') throw new NotFoundError('running call', callId);
    await this.#bus('hang up a call').pbx.drop(callId, 'normal');
  }

  /** Drains a media node (or makes it take calls again); the calls it still carries. */
  async drainNode(nodeId: string, draining: boolean): Promise<{ draining: boolean; calls: number }> {
    const live = this.#bus('drain a media node');
    if (!live.placement.nodes().some((n) => n.nodeId === nodeId)) throw new NotFoundError('live media node', nodeId);
    const reply = await live.bus.media(nodeId).request(MediaCommands.drain, { draining }).catch((err: unknown) => {
      throw new MediaCommandError(MediaCommands.drain.verb, { nodeId }, err);
    });
    live.placement.observe({ ...live.placement.nodes().find((n) => n.nodeId === nodeId)!, draining: reply.draining, calls: reply.calls, at: Date.now() });
    this.emit('changed', 'nodes');
    return reply;
  }

  async system(): Promise<SystemHealth> {
    const { config, database, instance, version } = this.#options;
    const now = Date.now();
    const since = (startedAt: number): Pick<ComponentHealth, 'startedAt' | 'uptimeS'> => ({ startedAt: new Date(startedAt).toISOString(), uptimeS: Math.round((now - startedAt) / 1000) });
    const timed = async <T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string; ms: number }> => {
      const t0 = performance.now();
      try {
        const value = await fn();
        return { value, ms: Math.round((performance.now() - t0) * 10) / 10 };
      } catch (err) {
        return { error: (err as Error).message, ms: Math.round(performance.now() - t0) };
      }
    };
    const live = this.#live;
    const components: ComponentHealth[] = [
      { name: 'cti-gateway', ok: true, detail: `${instance.instanceId} on ${hostname()}, Node ${process.version}`, version, ...since(instance.startedAt) },
    ];
    const nats = live?.bus.connected ? await timed(() => live.bus.connection.rtt()) : undefined;
    components.push({
      name: 'NATS',
      ok: Boolean(live?.bus.connected) && !nats?.error,
      detail: live?.bus.connected ? `${live.bus.connection.getServer()}, prefix ${config.BUS_PREFIX}${nats?.error ? `: ${nats.error}` : ''}` : 'not connected',
      ...(nats && !nats.error ? { latencyMs: nats.ms } : {}),
    });
    const db = await timed(() => database.ping());
    components.push({ name: 'Database', ok: db.value === true, detail: database.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL', latencyMs: db.ms });
    if (live) {
      const pbx = await timed(() => live.bus.lines.request(LineCommands.registrations, {}, { timeoutMs: PROBE_TIMEOUT_MS }));
      const adapter = pbx.value?.service;
      components.push({
        name: 'pbx-adapter',
        ok: !pbx.error,
        detail: pbx.error ? `no answer: ${pbx.error}` : `answers, ${pbx.value!.states.length} line registrations`,
        latencyMs: pbx.ms,
        ...(adapter ? { version: adapter.version, ...since(adapter.startedAt) } : {}),
      });
      // Every adapter by its heartbeat: the active one, standbys, a fenced one (the probe above reaches the active only).
      for (const a of this.#adapters.list()) {
        components.push({
          name: `pbx-adapter ${a.sip}`,
          ok: a.ok,
          detail: `${a.role}${a.role === 'active' ? '' : `, lease held by ${a.leaseHolder ?? 'nobody'}`}, on ${a.host}, heartbeat ${a.heartbeatAgeMs} ms ago`,
          version: a.version,
          ...since(a.startedAt),
        });
      }
      // The other gateways sharing the clients (this one is the first row).
      for (const g of this.#gateways.list().filter((x) => !x.self)) {
        components.push({
          name: `cti-gateway ${g.instanceId}`,
          ok: g.ok,
          detail: `${g.clients ?? '?'} client${g.clients === 1 ? '' : 's'}${g.journal ? (g.ok ? ', writes the journal' : ', was writing the journal') : ''}${g.host ? `, on ${g.host}` : ''}, heartbeat ${g.heartbeatAgeMs} ms ago`,
          ...(g.version ? { version: g.version } : {}),
          ...since(g.startedAt),
        });
      }
      for (const n of live.placement.nodes()) {
        components.push({
          name: `media ${n.nodeId}`,
          ok: n.workersAlive > 0,
          detail: `${n.workersAlive}/${n.workers} workers, ${n.calls} calls${n.draining ? ', draining' : ''}, heartbeat ${Math.max(0, now - n.lastSeen)} ms ago`,
          ...(n.version ? { version: n.version } : {}),
          ...since(n.startedAt),
        });
      }
    } else {
      components.push({ name: 'pbx-adapter', ok: false, detail: 'unknown: the gateway has no bus' });
    }
    const links = [
      { name: 'OpenAPI (admin API)', url: '/docs' },
      { name: 'Prometheus metrics of this gateway', url: '/metrics' },
      ...(config.ADMIN_PROMETHEUS_URL ? [{ name: 'Prometheus', url: config.ADMIN_PROMETHEUS_URL }] : []),
      ...(config.ADMIN_GRAFANA_URL ? [{ name: 'Grafana', url: config.ADMIN_GRAFANA_URL }] : []),
    ];
    const pbxAdapters = this.#adapters.list().map((a) => ({ ...a, startedAt: new Date(a.startedAt).toISOString(), lastSeen: new Date(a.lastSeen).toISOString() }));
    const gateways = this.#gateways.list().map((g) => ({ ...g, startedAt: new Date(g.startedAt).toISOString(), lastSeen: new Date(g.lastSeen).toISOString() }));
    return { at: new Date(now).toISOString(), components, pbxAdapters, gateways, links };
  }

  #bus(what: string): AdminConsoleBus {
    if (!this.#live?.bus.connected) throw new UnavailableError(`cannot ${what}: the gateway is not connected to the bus`);
    return this.#live;
  }
}

export type { AdminChange };
