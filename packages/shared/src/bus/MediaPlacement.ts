import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { InvalidStateError, UcsError } from '../errors.ts';
import type { BusClient } from './BusClient.ts';
import { BusOutageGuard } from './BusOutageGuard.ts';
import type { Unsubscribe } from './BusClientTypes.ts';
import { MediaErrorCodes, MediaTopics, type MediaNodeHeartbeat } from './media.ts';

export interface MediaPlacementOptions {
  /** A connected bus; placement subscribes to `MediaTopics.heartbeat` on it. */
  bus: BusClient;
  logger?: Logger;
  /** A node silent for this many of its own heartbeat intervals is dropped. Default 3. */
  expiryIntervals?: number;
  /** How often silent nodes are looked for. Default 500 ms. */
  sweepIntervalMs?: number;
  /** Clock (ms since epoch), injectable for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * The service's view of its own bus (BUS_OUTAGE_GRACE_MS): no node expires while the bus is down, and
   * after a reconnect silence counts from the reconnect. Default: a guard of its own on `bus`, made by
   * start(); a placement never started (fed through observe()) judges by the clock alone.
   */
  outage?: Pick<BusOutageGuard, 'silent'>;
}

/** What placement knows about one node: its latest heartbeat and when that arrived (ms since epoch). */
export type MediaNodeInfo = MediaNodeHeartbeat & { lastSeen: number };

export interface MediaPickOptions {
  /**
   * An address from a PBX SDP (c=). When a live, non-draining node announces it, that node is chosen,
   * so a call whose PBX side already points at a node stays on it (and can use Direct Media).
   */
  preferAddress?: string;
  /**
   * A node the caller would like: the node of the call this one will likely be linked with (the other
   * leg of a conversation through the PBX, named by the INVITE's media mark). Chosen when it is live
   * and not draining, before `preferAddress`: an address may be shared (rtpengine on a media node's
   * host, nodes side by side), the other leg's node is where the conversation is.
   */
  preferNode?: string;
}

export interface MediaPlacementEvents {
  /** A node was heard from for the first time (or again after it went down). */
  nodeup: [node: MediaNodeInfo];
  /**
   * A node was dropped: silent for `expiryIntervals` heartbeats ('expired'), or it restarted (its
   * `startedAt` changed, so every call it carried is gone) and comes back with a `nodeup` at once.
   */
  nodedown: [nodeId: string, reason: 'expired' | 'restarted'];
}

/** No live, non-draining media node with a worker is known. */
export class NoMediaNodeError extends UcsError {
  static readonly code = MediaErrorCodes.UCS_ERR_MEDIA_NO_NODE;
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_NO_NODE, message);
  }
}

/**
 * Chooses the media node for a new call from the nodes' heartbeats (used by the cti-gateway and the
 * pbx-adapter). Keeps the latest heartbeat per node, drops nodes silent for three of their intervals,
 * and prefers the node the caller names (the other leg's, so a conversation's two legs share a host),
 * else a node that owns an address the PBX already uses. Silence while the service's own bus
 * is down is no evidence (BusOutageGuard): a NATS outage expires no node.
 */
export class MediaPlacement extends EventEmitter<MediaPlacementEvents> {
  readonly #bus: BusClient;
  readonly #logger: Logger | undefined;
  readonly #expiryIntervals: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  readonly #nodes = new Map<string, MediaNodeInfo>();
  /**
   * Nodes a request found nobody listening at (no responders: the process is gone, or cut off from the
   * bus), left out of new calls until a heartbeat of theirs comes after that: a dead node's calls end by
   * expiry as before (a node only reconnecting keeps them), but new calls stop trying it at once.
   */
  readonly #unreachable = new Set<string>();
  #subscription: Unsubscribe | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #outage: Pick<BusOutageGuard, 'silent'> | undefined;
  #ownGuard: BusOutageGuard | undefined;
  #startedAt: number | undefined;
  #nextNode: Promise<void> | undefined;

  constructor(options: MediaPlacementOptions) {
    super();
    this.#bus = options.bus;
    this.#logger = options.logger?.child({ component: 'media-placement' });
    this.#expiryIntervals = options.expiryIntervals ?? 3;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 500;
    this.#now = options.now ?? Date.now;
    this.#outage = options.outage;
  }

  /** Subscribes to heartbeats and starts expiring silent nodes. Idempotent. */
  start(): void {
    if (this.#closed) throw new InvalidStateError('media placement closed');
    if (this.#subscription) return;
    if (!this.#outage) this.#outage = this.#ownGuard = new BusOutageGuard({ bus: this.#bus, graceMs: Number.POSITIVE_INFINITY, now: this.#now });
    this.#startedAt = this.#now();
    this.#subscription = this.#bus.subscribe(MediaTopics.heartbeat, (hb) => this.observe(hb));
    this.#timer = setInterval(() => this.sweep(), this.#sweepIntervalMs);
    this.#timer.unref();
  }

  /** Records one heartbeat (called for every heartbeat received; public for tests and tools). */
  observe(heartbeat: MediaNodeHeartbeat): void {
    if (this.#closed) return;
    const known = this.#nodes.get(heartbeat.nodeId);
    this.#unreachable.delete(heartbeat.nodeId);
    const info: MediaNodeInfo = { ...heartbeat, lastSeen: this.#now() };
    this.#nodes.set(heartbeat.nodeId, info);
    if (known && known.startedAt !== heartbeat.startedAt) {
      this.#logger?.warn({ nodeId: heartbeat.nodeId }, 'media node restarted');
      this.emit('nodedown', heartbeat.nodeId, 'restarted');
      this.emit('nodeup', info);
    } else if (!known) {
      this.#logger?.info({ nodeId: heartbeat.nodeId, addresses: heartbeat.addresses }, 'media node up');
      this.emit('nodeup', info);
    }
  }

  /** Drops nodes silent for `expiryIntervals` of their heartbeat interval, emitting `nodedown`. */
  sweep(): void {
    const now = this.#now();
    for (const [nodeId, node] of this.#nodes) {
      if (!this.#expired(node, now)) continue;
      this.#nodes.delete(nodeId);
      this.#unreachable.delete(nodeId);
      this.#logger?.warn({ nodeId, silentMs: now - node.lastSeen }, 'media node expired');
      this.emit('nodedown', nodeId, 'expired');
    }
  }

  /**
   * The node for a new call: `preferNode` if it is live and not draining; else the least loaded of the
   * live, non-draining nodes owning `preferAddress`; else the least-loaded live, non-draining node
   * (ties: fewer calls, then node id).
   * @throws NoMediaNodeError when no node qualifies.
   */
  pick(options: MediaPickOptions = {}): string {
    const now = this.#now();
    const usable = [...this.#nodes.values()].filter((n) => !this.#expired(n, now) && !n.draining && n.workersAlive > 0 && !this.#unreachable.has(n.nodeId));
    usable.sort((a, b) => a.load - b.load || a.calls - b.calls || a.nodeId.localeCompare(b.nodeId));
    const { preferAddress, preferNode } = options;
    const best = usable.find((n) => n.nodeId === preferNode)
      ?? (preferAddress === undefined ? undefined : usable.find((n) => n.addresses.includes(preferAddress)))
      ?? usable[0];
    if (!best) {
      throw new NoMediaNodeError(`no live media node can take a call [known:${this.#nodes.size}${preferAddress ? `, preferAddress:${preferAddress}` : ''}${preferNode ? `, preferNode:${preferNode}` : ''}]`);
    }
    return best.nodeId;
  }

  /** A request to `nodeId` found no responder: no new call goes there until it heartbeats again. */
  unreachable(nodeId: string): void {
    if (!this.#nodes.has(nodeId) || this.#unreachable.has(nodeId)) return;
    this.#unreachable.add(nodeId);
    this.#logger?.warn({ nodeId }, 'media node does not answer: no new calls until its next heartbeat');
  }

  /**
   * pick(), except that a placement which has heard no node at all since its start waits up to
   * `firstNodeWaitMs` after that start for the first heartbeat: a service that just (re)started must not
   * refuse the calls of its first heartbeat interval (a restarted pbx-adapter answered an INVITE 503
   * 0.5 s after its start, 4 ms before the media node's heartbeat arrived). Any other case fails at once.
   */
  async pickSoon(options: MediaPickOptions = {}, firstNodeWaitMs = 5000): Promise<string> {
    try {
      return this.pick(options);
    } catch (err) {
      const left = this.#startedAt === undefined ? 0 : this.#startedAt + firstNodeWaitMs - this.#now();
      if (!(err instanceof NoMediaNodeError) || this.#nodes.size > 0 || left <= 0 || this.#closed) throw err;
      // One listener for all waiting calls (a burst of INVITEs right after a start), renewed per node up.
      this.#nextNode ??= new Promise<void>((resolve) => this.once('nodeup', () => {
        this.#nextNode = undefined;
        resolve();
      }));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#nextNode, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
      return this.pick(options);
    }
  }

  /** Every node not yet expired, draining ones included (for the admin API), ordered by node id. */
  nodes(): MediaNodeInfo[] {
    const now = this.#now();
    return [...this.#nodes.values()].filter((n) => !this.#expired(n, now)).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  node(nodeId: string): MediaNodeInfo | undefined {
    const node = this.#nodes.get(nodeId);
    return node && !this.#expired(node, this.#now()) ? node : undefined;
  }

  /** Unsubscribes and forgets every node. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#subscription?.unsubscribe();
    this.#ownGuard?.close();
    this.#nodes.clear();
  }

  /** Silent for `expiryIntervals` of its own interval, as far as our bus could have heard it. */
  #expired(node: MediaNodeInfo, now: number): boolean {
    if (this.#outage) return this.#outage.silent(node.lastSeen, node.intervalMs, this.#expiryIntervals, now);
    return now - node.lastSeen > this.#expiryIntervals * node.intervalMs;
  }
}
