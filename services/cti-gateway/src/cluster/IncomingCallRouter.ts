import { BusNoReply, type GatewayInstance, type Logger } from '@ucserver/shared';
import type { IncomingCallDecision, IncomingCallRequest } from '../av/SoftphoneServiceTypes.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { PeerSessions } from './PeerSessions.ts';
import type { SessionAnnouncer } from './SessionAnnouncer.ts';

export interface IncomingCallRouterOptions {
  self: GatewayInstance;
  lines: LineStore;
  peers: PeerSessions;
  announcer: SessionAnnouncer;
  /** The local verdict (SoftphoneService.incomingCall): offers the call to a softphone connected here. */
  decide: (request: IncomingCallRequest) => Promise<IncomingCallDecision>;
  /**
   * How long a gateway without the owner's softphone waits before it answers anyway (the one with it
   * answers at once; the pbx-adapter takes the first answer). Default 300 ms.
   */
  yieldMs?: number;
  logger: Logger;
}

/**
 * Which gateway answers the pbx-adapter's "an INVITE arrived for this line" when several share the
 * clients: every gateway hears the request (no queue group); the one with the line owner's newest
 * softphone answers at once (and owns the call); the others stay silent — unless no gateway has a
 * softphone of the owner, where the first of the live gateways by instance id decides (no client:
 * refuse, or ring on per NO_CLIENT_POLICY), and the rest answer the same after `yieldMs` in case its
 * view was stale. A peer whose softphone vanished meanwhile (its run died) is not waited for: after
 * `yieldMs` this gateway decides itself.
 */
export class IncomingCallRouter {
  readonly #o: IncomingCallRouterOptions;
  readonly #yieldMs: number;

  constructor(options: IncomingCallRouterOptions) {
    this.#o = options;
    this.#yieldMs = options.yieldMs ?? 300;
  }

  /** The decision to send, or BusNoReply (thrown) when another gateway answers. */
  async route(request: IncomingCallRequest): Promise<IncomingCallDecision> {
    const { peers, announcer, self, lines, decide } = this.#o;
    if (peers.peers().length === 0) return decide(request);
    const owner = (await lines.getById(request.lineId))?.ownerUserId ?? null;
    const local = owner ? announcer.softphoneSince(owner) : undefined;
    const remote = owner ? peers.softphone(owner) : undefined;
    if (local !== undefined && (!remote || local > remote.since || (local === remote.since && self.instanceId < remote.instanceId))) return decide(request);
    if (remote) {
      await sleep(this.#yieldMs);
      // Still there: that gateway answers (it has answered by now). Gone meanwhile (its run died): decide here.
      if (owner && peers.softphone(owner)) throw new BusNoReply(`the softphone of line ${request.lineId}'s owner is on gateway ${remote.instanceId}`);
      return decide(request);
    }
    // Nobody has a softphone of the owner: the first live gateway decides, the others after the grace.
    const first = [self.instanceId, ...peers.peers()].sort()[0];
    if (first !== self.instanceId) await sleep(this.#yieldMs * 2);
    this.#o.logger.debug({ callId: request.callId, lineId: request.lineId, first }, 'incoming call: no softphone of the owner on any gateway');
    return decide(request);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
