import { SoftphoneCall } from './SoftphoneCall.ts';
import { routeIncoming } from './routingRules.ts';
import type { IncomingCallDecision, IncomingCallRequest, IncomingCallVerdictDeps } from './SoftphoneServiceTypes.ts';

/**
 * The answer to the pbx-adapter's "an INVITE arrived for this line" (CtiCommands.incomingCall): refuse an
 * unknown or disabled line; apply the line's routing (routingRules: an unconditional forward or DND with
 * a busy forward redirects, DND alone refuses busy); offer the call to the owner's softphone with the
 * media node's SDP offer, tracking its busy and no-answer forwards; with no softphone connected,
 * NO_CLIENT_POLICY decides (ring on, or refuse).
 */
export class IncomingCallVerdict {
  readonly #deps: IncomingCallVerdictDeps;

  constructor(deps: IncomingCallVerdictDeps) {
    this.#deps = deps;
  }

  async decide(req: IncomingCallRequest): Promise<IncomingCallDecision> {
    const line = await this.#deps.lines.getById(req.lineId);
    if (!line || !line.enabled) return { accept: false, reason: 'unknown-line' };
    const { config } = this.#deps;
    const route = routeIncoming(await this.#deps.routing.get(line.id), {
      hops: req.forwardHops,
      maxHops: config.FORWARD_MAX_HOPS,
      defaultNoAnswerS: config.FORWARD_NO_ANSWER_DEFAULT_S,
    });
    if (route.kind === 'redirect') {
      this.#deps.logger.info({ callId: req.callId, lineId: line.id, target: route.target, mode: route.mode, hops: req.forwardHops }, 'incoming call forwarded');
      return { accept: false, reason: 'redirect', target: route.target, mode: route.mode };
    }
    if (route.kind === 'refuse') return { accept: false, reason: route.reason };
    const pending = { busyTarget: route.busyTarget, noAnswer: route.noAnswer };
    const session = this.#deps.sessions.softphoneOf(line.ownerUserId);
    if (!session) {
      if (config.NO_CLIENT_POLICY !== 'ring') return { accept: false, reason: 'no-client' };
      this.#deps.forwarding.track(req.callId, pending);
      return { accept: true };
    }
    const sdp = await this.#deps.media.softphoneCreateOffer(req.mediaNodeId, req.callId);
    const call = new SoftphoneCall({ callId: req.callId, session, direction: 'inbound', mediaNodeId: req.mediaNodeId, lineNumber: line.number, remoteNumber: req.from });
    this.#deps.softphoneCalls.add(call);
    call.sendOffer(sdp);
    this.#deps.forwarding.track(req.callId, pending);
    this.#deps.logger.info({ callId: call.callId, lineId: line.id, from: req.from }, 'incoming call offered to softphone');
    return { accept: true };
  }
}
