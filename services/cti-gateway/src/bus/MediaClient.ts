// The media node commands the gateway sends for softphone calls, over the bus (MediaCommands through
// bus.media(nodeId)). Every failure becomes a MediaCommandError carrying the node's error code and the
// call's context, so the AV side chooses what the client hears. close() is best effort and never throws.
import { MediaCommands, type BusClient, type Command, type IceCandidate, type Logger, type ReplyOf, type RequestOf } from '@ucserver/shared';
import { MediaCommandError } from '../errors.ts';
import type { MediaClientOptions } from './MediaClientTypes.ts';

type Media = typeof MediaCommands;

export class MediaClient {
  readonly #bus: BusClient;
  readonly #logger: Logger;
  readonly #timeoutMs: number | undefined;

  constructor(options: MediaClientOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger.child({ component: 'media-client' });
    this.#timeoutMs = options.timeoutMs;
  }

  /** The softphone's SDP offer of an outgoing call: creates the WebRTC leg; the answer waits for the PBX's codec. */
  softphoneOffer(nodeId: string, callId: string, sdp: string): Promise<ReplyOf<Media['softphoneOffer']>> {
    return this.#request(nodeId, MediaCommands.softphoneOffer, { callId, sdp });
  }

  /** The SDP answer to the softphone's offer, once the PBX leg fixed the codec. */
  async softphoneAnswer(nodeId: string, callId: string): Promise<string> {
    return (await this.#request(nodeId, MediaCommands.softphoneAnswer, { callId })).sdp;
  }

  /** The node's SDP offer to a called softphone. */
  async softphoneCreateOffer(nodeId: string, callId: string): Promise<string> {
    return (await this.#request(nodeId, MediaCommands.softphoneCreateOffer, { callId })).sdp;
  }

  /** The called softphone's SDP answer. */
  async softphoneApplyAnswer(nodeId: string, callId: string, sdp: string): Promise<void> {
    await this.#request(nodeId, MediaCommands.softphoneApplyAnswer, { callId, sdp });
  }

  /** A trickled ICE candidate of the softphone; `null` is end-of-candidates. */
  async softphoneCandidate(nodeId: string, callId: string, candidate: IceCandidate | null): Promise<void> {
    await this.#request(nodeId, MediaCommands.softphoneCandidate, { callId, candidate });
  }

  /** A connected softphone's new offer (ICE restart); resolves to the node's answer. */
  async softphoneReoffer(nodeId: string, callId: string, sdp: string): Promise<string> {
    return (await this.#request(nodeId, MediaCommands.softphoneReoffer, { callId, sdp })).sdp;
  }

  /** The node's re-offer to a connected softphone whose video no longer matches the call's; null when it matches. */
  async softphoneCreateReoffer(nodeId: string, callId: string): Promise<{ sdp: string | null }> {
    return this.#request(nodeId, MediaCommands.softphoneCreateReoffer, { callId });
  }

  /** The softphone's answer to that re-offer (null: declined or none); whether the softphone carries video now. */
  async softphoneApplyReanswer(nodeId: string, callId: string, sdp: string | null): Promise<{ video: boolean }> {
    return this.#request(nodeId, MediaCommands.softphoneApplyReanswer, { callId, sdp });
  }

  /** Mixes the members' legs in a conference on the node that carries all of them. */
  conferenceJoin(nodeId: string, conferenceId: string, members: { callId: string; legs: ('softphone' | 'pbx')[] }[]): Promise<ReplyOf<Media['conferenceJoin']>> {
    return this.#request(nodeId, MediaCommands.conferenceJoin, { conferenceId, members }, members[0]?.callId ?? conferenceId);
  }

  /** Closes the call's media; idempotent on the node. Failures are logged, never thrown. */
  async close(nodeId: string, callId: string, cause: string): Promise<void> {
    try {
      await this.#request(nodeId, MediaCommands.close, { callId, cause: cause.slice(0, 128) });
    } catch (err) {
      this.#logger.warn({ callId, nodeId, err: (err as Error).message }, 'closing the call media failed');
    }
  }

  /** `callId` names the call in the error's context (a conference request has its first member's). */
  async #request<C extends Command<'media'>>(nodeId: string, cmd: C, payload: RequestOf<C>, callId = (payload as { callId?: string }).callId ?? ''): Promise<ReplyOf<C>> {
    try {
      return await this.#bus.media(nodeId).request(cmd, payload, { timeoutMs: this.#timeoutMs });
    } catch (err) {
      throw new MediaCommandError(cmd.verb, { callId, nodeId }, err);
    }
  }
}
