import { SoftphoneCall } from './SoftphoneCall.ts';
import type { IncomingCallDecision, IncomingCallRequest, IncomingCallVerdictDeps } from './SoftphoneServiceTypes.ts';

/**
 * The answer to the pbx-adapter's "an INVITE arrived for this line" (CtiCommands.incomingCall): refuse an
 * unknown or disabled line and a line on do-not-disturb; offer the call to the owner's softphone with the
 * media node's SDP offer; with no softphone connected, NO_CLIENT_POLICY decides (ring on, or refuse).
 */
export class IncomingCallVerdict {
  readonly #deps: IncomingCallVerdictDeps;

  constructor(deps: IncomingCallVerdictDeps) {
    this.#deps = deps;
  }

  async decide(req: IncomingCallRequest): Promise<IncomingCallDecision> {
    const line = await this.#deps.lines.getById(req.lineId);
    if (!line || !line.enabled) return { accept: false, reason: 'unknown-line' };
    if (this.#deps.dnd.has(line.id)) return { accept: false, reason: 'dnd' };
    const session = this.#deps.sessions.softphoneOf(line.ownerUserId);
    if (!session) {
      return this.#deps.config.NO_CLIENT_POLICY === 'ring' ? { accept: true } : { accept: false, reason: 'no-client' };
    }
    const sdp = await this.#deps.media.softphoneCreateOffer(req.mediaNodeId, req.callId);
    const call = new SoftphoneCall({ callId: req.callId, session, direction: 'inbound', mediaNodeId: req.mediaNodeId, lineNumber: line.number, remoteNumber: req.from });
    this.#deps.softphoneCalls.add(call);
    call.sendOffer(sdp);
    this.#deps.logger.info({ callId: call.callId, lineId: line.id, from: req.from }, 'incoming call offered to softphone');
    return { accept: true };
  }
}
