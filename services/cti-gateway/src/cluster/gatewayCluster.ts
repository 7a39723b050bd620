// Several cti-gateways share the clients: what each one needs to know of the others' clients and changes
// travels on the bus (gateway.sessions, gateway.changed, gateway.heartbeat), the rest comes from the CALLS
// stream (every gateway's call table hears every call event) and the database. This wires the parts.
import type { BusClient, GatewayInstance, Logger } from '@ucserver/shared';
import type { IncomingCallDecision, IncomingCallRequest } from '../av/SoftphoneServiceTypes.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { ManualPresenceStore } from '../presence/ManualPresenceStore.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { UserStore } from '../users/UserStore.ts';
import { ClusterChanges } from './ClusterChanges.ts';
import { IncomingCallRouter } from './IncomingCallRouter.ts';
import { PeerSessions } from './PeerSessions.ts';
import { SessionAnnouncer } from './SessionAnnouncer.ts';

export interface GatewayClusterDeps {
  bus: BusClient;
  self: GatewayInstance;
  sessions: SessionRegistry;
  users: UserStore;
  lines: LineStore;
  routing: LineRouting;
  manual: ManualPresenceStore;
  /** GATEWAY_HEARTBEAT_INTERVAL_MS: the session list is repeated every 5 of them. */
  heartbeatIntervalMs: number;
  /** A line's routing changed on another gateway (CTI monitors of the line are told). */
  routingChanged: (lineId: string) => void;
  logger: Logger;
}

export interface GatewayCluster {
  /** The users with clients on the other gateways (presence). */
  readonly peers: PeerSessions;
  /** Which gateway answers an incoming call: wraps the local verdict. */
  router(decide: (request: IncomingCallRequest) => Promise<IncomingCallDecision>): IncomingCallRouter;
  close(): void;
}

export function startGatewayCluster(deps: GatewayClusterDeps): GatewayCluster {
  const logger = deps.logger.child({ component: 'gateway-cluster' });
  const peers = new PeerSessions({ self: deps.self });
  const announcer = new SessionAnnouncer({ bus: deps.bus, sessions: deps.sessions, self: deps.self, refreshMs: 5 * deps.heartbeatIntervalMs, logger });
  const changes = new ClusterChanges({ bus: deps.bus, self: deps.self, users: deps.users, lines: deps.lines, routing: deps.routing, manual: deps.manual, routingChanged: deps.routingChanged, logger });
  // A gateway that just started learns our users at once, not at our next round.
  const onNewRun = (): void => announcer.announceAll();
  peers.on('newrun', onNewRun);
  peers.start(deps.bus);
  announcer.start();
  changes.start();
  return {
    peers,
    router: (decide) => new IncomingCallRouter({ self: deps.self, lines: deps.lines, peers, announcer, decide, logger }),
    close() {
      peers.off('newrun', onNewRun);
      changes.close();
      announcer.close();
      peers.close();
    },
  };
}
