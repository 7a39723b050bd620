import type { CtiCommands } from '@ucserver/shared';
import type { z } from 'zod';
import type { MediaClient } from '../bus/MediaClient.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import { SoftphoneCall } from './SoftphoneCall.ts';
import type { SoftphonePartDeps, SoftphoneServiceDeps } from './SoftphoneServiceTypes.ts';

type IncomingCall = (typeof CtiCommands)['incomingCall'];
export type IncomingCallRequest = z.output<IncomingCall['request']>;
export type IncomingCallReply = z.input<IncomingCall['reply']>;

export interface IncomingCallVerdictDeps extends SoftphonePartDeps {
  media: MediaClient;
  lines: LineStore;
  sessions: SessionRegistry;
  config: Pick<SoftphoneServiceDeps['config'], 'NO_CLIENT_POLICY'>;
  dnd: ReadonlySet<string>;
}

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

  async decide(req: IncomingCallRequest): Promise<IncomingCallReply> {
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
