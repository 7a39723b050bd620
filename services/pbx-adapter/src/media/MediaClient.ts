// The media node commands the adapter sends, over the bus (MediaCommands through bus.media(nodeId)). Every
// failure becomes a MediaFailedError carrying the node's error code, so callers choose the SIP answer
// (488 for no common codec, 500 otherwise). close() is best effort and never throws.
import {
  BusRemoteError,
  MediaCommands,
  type BusClient,
  type Command,
  type Logger,
  type ReplyOf,
  type RequestOf,
} from '@ucserver/shared';
import { MediaFailedError } from '../errors.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { MediaClientOptions } from './MediaClientTypes.ts';

type Media = typeof MediaCommands;


export class MediaClient {
  readonly #bus: BusClient;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #timeoutMs: number | undefined;

  constructor(options: MediaClientOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger.child({ component: 'media-client' });
    this.#metrics = options.metrics;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Our SDP offer for an outgoing INVITE (the softphone leg exists already). */
  pbxCreateOffer(nodeId: string, callId: string): Promise<ReplyOf<Media['pbxCreateOffer']>> {
    return this.#request(nodeId, MediaCommands.pbxCreateOffer, { callId });
  }

  /** Our SDP offer for an incoming INVITE without SDP (it goes in our 200); creates the call, next to `near` if given. */
  pbxLateOffer(nodeId: string, callId: string, near?: string): Promise<ReplyOf<Media['pbxLateOffer']>> {
    return this.#request(nodeId, MediaCommands.pbxLateOffer, { callId, ...(near !== undefined ? { near } : {}) });
  }

  /** The PBX's answer (183, 200, or the ACK of a late offer) to our offer; `answered`: in the 2xx to our INVITE. */
  pbxApplyAnswer(nodeId: string, callId: string, sdp: string, answered = false): Promise<ReplyOf<Media['pbxApplyAnswer']>> {
    return this.#request(nodeId, MediaCommands.pbxApplyAnswer, { callId, sdp, ...(answered ? { answered } : {}) });
  }

  /** An offer from the PBX (incoming INVITE, re-INVITE, UPDATE); returns our answer. A new call goes next to `near` if given. */
  pbxOffer(nodeId: string, callId: string, sdp: string, near?: string): Promise<ReplyOf<Media['pbxOffer']>> {
    return this.#request(nodeId, MediaCommands.pbxOffer, { callId, sdp, ...(near !== undefined ? { near } : {}) });
  }

  /** Our re-offer for hold (sendonly) or retrieve (sendrecv); also the offer of a session refresh. */
  pbxHoldOffer(nodeId: string, callId: string, hold: boolean): Promise<ReplyOf<Media['pbxHoldOffer']>> {
    return this.#request(nodeId, MediaCommands.pbxHoldOffer, { callId, hold });
  }

  /** Our re-offer adding video (upgrade) or setting it to port 0 (downgrade); `sdp: null` when nothing changes. */
  pbxVideoOffer(nodeId: string, callId: string, video: boolean): Promise<ReplyOf<Media['pbxVideoOffer']>> {
    return this.#request(nodeId, MediaCommands.pbxVideoOffer, { callId, video });
  }

  /** Closes the call's media; idempotent on the node. Failures are logged, never thrown. */
  async close(nodeId: string, callId: string, cause: string): Promise<void> {
    try {
      await this.#request(nodeId, MediaCommands.close, { callId, cause: cause.slice(0, 128) });
    } catch (err) {
      this.#logger.warn({ callId, nodeId, err: (err as Error).message }, 'closing the call media failed');
    }
  }

  async #request<C extends Command<'media'>>(nodeId: string, cmd: C, payload: RequestOf<C> & { callId: string }): Promise<ReplyOf<C>> {
    try {
      return await this.#bus.media(nodeId).request(cmd, payload, { timeoutMs: this.#timeoutMs });
    } catch (err) {
      this.#metrics.mediaCommandFailures.inc({ command: cmd.verb });
      const remoteCode = err instanceof BusRemoteError ? err.remoteCode : undefined;
      const callId = payload.callId;
      throw new MediaFailedError(`media ${cmd.verb} failed: ${(err as Error).message} [callId:${callId}, nodeId:${nodeId}]`, remoteCode, { cause: err });
    }
  }
}
