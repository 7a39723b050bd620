import { GatewayTopics, type BusClient, type BusConnectionState, type Topic, type GatewayChange, type GatewayInstance, type Logger, type Unsubscribe } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { ManualPresenceStore } from '../presence/ManualPresenceStore.ts';
import type { UserStore } from '../users/UserStore.ts';

export interface ClusterChangesOptions {
  bus: BusClient;
  self: GatewayInstance;
  users: UserStore;
  lines: LineStore;
  routing: LineRouting;
  manual: ManualPresenceStore;
  /** A line's DND and forwards changed on another gateway: tell this gateway's CTI monitors of the line. */
  routingChanged: (lineId: string) => void;
  logger: Logger;
}

type Kind = GatewayChange['kind'];

/** Changes kept to announce once our bus is back (one per kind and id; the oldest goes beyond this). */
const PENDING_MAX = 1000;

/**
 * Keeps the gateways that share the clients in step about what one of them changed in the database
 * (`gateway.changed`): every change of the local stores — a line's routing, a user's absent state or
 * note, a user, the lines — is announced; a peer's announcement makes the local store re-read (caches
 * dropped) and raise the same event locally, so presence subscribers, CTI monitors, buddy lists and the
 * admin console here see it as if it had happened here. Events raised for a peer's change are not
 * announced again (no echo).
 *
 * The line and routing caches (LineStore, LineRouting: a call reads neither from the database) rest on
 * these notices: while they can reach us (our bus up, this listening) the caches are `noticed` and keep
 * entries until a change drops them; when our bus goes, and again when it is back, they are emptied (a
 * notice sent meanwhile never comes) and serve entries for 5 s at most while it is down. What this gateway
 * changes while its bus is down is announced once it is back.
 */
export class ClusterChanges {
  readonly #o: ClusterChangesOptions;
  readonly #logger: Logger;
  #applying = false;
  readonly #offs: Array<() => void> = [];
  #sub: Unsubscribe | undefined;
  /** Announcements made while our bus was down, by kind and id. */
  readonly #pending = new Map<string, { kind: Kind; id: string; detail: string | undefined }>();

  constructor(options: ClusterChangesOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'cluster-changes' });
  }

  start(): void {
    const { bus, users, lines, routing, manual } = this.#o;
    const onRouting = (lineId: string): void => this.#announce('routing', lineId);
    const onManual = (userId: string): void => this.#announce('manual', userId);
    const onUser = (row: UserRow, kind: 'created' | 'updated' | 'removed'): void => this.#announce(kind === 'removed' ? 'user-removed' : 'user', row.id, row.login);
    const onRevoked = (row: UserRow, reason: string): void => this.#announce('revoked', row.id, reason);
    const onLines = (lineId: string): void => this.#announce('lines', lineId);
    const onUpsert = (line: { lineId: string }): void => onLines(line.lineId);
    routing.on('changed', onRouting);
    manual.on('changed', onManual);
    users.on('userchanged', onUser);
    users.on('credentialsrevoked', onRevoked);
    lines.on('upsert', onUpsert);
    lines.on('remove', onLines);
    this.#offs.push(
      () => routing.off('changed', onRouting),
      () => manual.off('changed', onManual),
      () => users.off('userchanged', onUser),
      () => users.off('credentialsrevoked', onRevoked),
      () => lines.off('upsert', onUpsert),
      () => lines.off('remove', onLines),
    );
    this.#sub = bus.subscribe(GatewayTopics.changed, (change) => this.apply(change).catch((err: unknown) => {
      this.#logger.warn({ err: (err as Error).message, kind: change.kind, id: change.id }, 'change of another gateway not applied');
    }));
    const onState = (state: BusConnectionState): void => {
      this.#noticed(state === 'connected');
      if (state === 'connected') this.#flush();
    };
    bus.on('state', onState);
    this.#offs.push(() => bus.off('state', onState));
    // A notice dropped on a full backlog may have been the one that invalidates an entry: start over.
    const onDropped = (_subject: string, topic: Topic | undefined): void => {
      if (topic !== GatewayTopics.changed) return;
      this.#logger.warn('a change notice of another gateway was dropped: the line, routing and presence caches start over');
      this.#o.lines.forget();
      this.#o.routing.forget();
      this.#o.manual.forget();
    };
    bus.on('dropped', onDropped);
    this.#offs.push(() => bus.off('dropped', onDropped));
    // From now on the notices reach us: what the caches read before we listened is read again.
    this.#noticed(bus.connected);
  }

  /** The caches keep entries until a notice drops them only while notices can reach us; either way they start over. */
  #noticed(on: boolean): void {
    this.#o.lines.noticed = on;
    this.#o.routing.noticed = on;
  }

  /** Applies a peer's change here (its own echo is ignored). */
  async apply(change: GatewayChange): Promise<void> {
    const { self, users, lines, routing, manual } = this.#o;
    if (change.instanceId === self.instanceId && change.startedAt === self.startedAt) return;
    switch (change.kind) {
      case 'routing': {
        routing.forget(change.id);
        const state = await routing.get(change.id);
        this.#local(() => routing.emit('changed', change.id, state));
        this.#o.routingChanged(change.id);
        return;
      }
      case 'manual':
        manual.forget(change.id);
        this.#local(() => manual.emit('changed', change.id));
        return;
      case 'user': {
        const row = await users.getById(change.id);
        lines.forget();
        if (row) this.#local(() => users.emit('userchanged', row, 'updated'));
        return;
      }
      case 'user-removed':
        lines.forget();
        manual.forget(change.id);
        this.#local(() => users.emit('userchanged', goneUser(change), 'removed'));
        return;
      case 'revoked': {
        const row = (await users.getById(change.id)) ?? goneUser(change);
        const reason = change.detail === 'account disabled' ? 'account disabled' : 'password changed';
        this.#local(() => users.emit('credentialsrevoked', row, reason));
        return;
      }
      case 'lines':
        lines.forget();
        return;
    }
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#sub?.unsubscribe();
    this.#noticed(false);
  }

  #announce(kind: Kind, id: string, detail?: string): void {
    if (this.#applying) return;
    if (!this.#o.bus.connected || !this.#publish(kind, id, detail)) this.#keep(kind, id, detail);
  }

  /** A change the others could not hear now: announced when our bus is back (their caches still hold the old row). */
  #keep(kind: Kind, id: string, detail: string | undefined): void {
    const key = `${kind}\u0000${id}`;
    this.#pending.delete(key);
    if (this.#pending.size >= PENDING_MAX) {
      const [oldestKey, oldest] = this.#pending.entries().next().value!;
      this.#pending.delete(oldestKey);
      this.#logger.warn({ kind: oldest.kind, id: oldest.id }, 'too many changes while the bus is down: the other gateways do not hear of this one');
    }
    this.#pending.set(key, { kind, id, detail });
    if (this.#pending.size === 1) this.#logger.warn({ kind, id }, 'bus down: the other gateways hear of this change when it is back');
  }

  #flush(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      if (!this.#publish(p.kind, p.id, p.detail)) this.#keep(p.kind, p.id, p.detail);
    }
  }

  #publish(kind: Kind, id: string, detail: string | undefined): boolean {
    const { bus, self } = this.#o;
    try {
      bus.publish(GatewayTopics.changed, { ...self, kind, id, ...(detail === undefined ? {} : { detail: detail.slice(0, 256) }) });
      return true;
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message, kind, id }, 'change not announced to the other gateways (yet)');
      return false;
    }
  }

  /** Runs the local emit of a peer's change without announcing it again (emit is synchronous). */
  #local(emit: () => void): void {
    this.#applying = true;
    try {
      emit();
    } finally {
      this.#applying = false;
    }
  }
}

/** A removed user as the listeners need it: its id and login (the row is gone; no secret crosses the bus). */
function goneUser(change: GatewayChange): UserRow {
  return { id: change.id, login: change.detail ?? change.id, displayName: change.detail ?? change.id } as UserRow;
}
