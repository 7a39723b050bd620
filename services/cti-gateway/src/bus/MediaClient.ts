// The media node commands the gateway sends for softphone calls, over the bus (MediaCommands through
// bus.media(nodeId)). Every failure becomes a MediaCommandError carrying the node's error code and the
// call's context, so the AV side chooses what the client hears. close() is best effort and never throws.
// With `answerTo`, an outgoing call's SDP answer comes pushed by the node (MediaTopics.softphoneAnswer)
// as soon as the PBX's answer is applied: softphoneAnswer() then takes it from here, and asks the node only
// when it was not pushed (lost, or the call connected first); a push for the PBX's 2xx is 'answered'.
import { EventEmitter } from 'node:events';
import { MediaCommands, MediaTopics, type BusClient, type Command, type IceCandidate, type Logger, type ReplyOf, type RequestOf, type Unsubscribe } from '@ucserver/shared';
import { MediaCommandError } from '../errors.ts';
import type { MediaClientEvents, MediaClientOptions } from './MediaClientTypes.ts';

type Media = typeof MediaCommands;

export class MediaClient extends EventEmitter<MediaClientEvents> {
  readonly #bus: BusClient;
  readonly #logger: Logger;
  readonly #timeoutMs: number | undefined;
  readonly #answerTo: string | undefined;
  readonly #maxPushed: number;
  /** Pushed answers by call id, oldest first; taken by softphoneAnswer() or dropped by close(). */
  readonly #pushed = new Map<string, string>();
  readonly #answers: Unsubscribe | undefined;

  constructor(options: MediaClientOptions) {
    super();
    this.#bus = options.bus;
    this.#logger = options.logger.child({ component: 'media-client' });
    this.#timeoutMs = options.timeoutMs;
    this.#answerTo = options.answerTo;
    this.#maxPushed = options.maxPushedAnswers ?? 10_000;
    this.#answers = this.#answerTo === undefined ? undefined : this.#bus.subscribe(MediaTopics.softphoneAnswer, (e) => {
      this.#keep(e.callId, e.sdp);
      if (e.answered) this.emit('answered', e.callId);
    }, { key: this.#answerTo });
  }

  /** Drops the call's pushed answer, if any (the call ended before it was asked for). */
  forgetAnswer(callId: string): void {
    this.#pushed.delete(callId);
  }

  /** Stops taking pushed answers (softphoneAnswer() asks the node from then on). Idempotent. */
  dispose(): void {
    this.#answers?.unsubscribe();
    this.#pushed.clear();
  }

  /** The softphone's SDP offer of an outgoing call: creates the WebRTC leg; the answer waits for the PBX's codec. */
  softphoneOffer(nodeId: string, callId: string, sdp: string): Promise<ReplyOf<Media['softphoneOffer']>> {
    return this.#request(nodeId, MediaCommands.softphoneOffer, { callId, sdp, ...(this.#answerTo === undefined ? {} : { answerTo: this.#answerTo }) });
  }

  /** The SDP answer to the softphone's offer, once the PBX leg fixed the codec: the pushed one, else the node's reply. */
  async softphoneAnswer(nodeId: string, callId: string): Promise<string> {
    const pushed = this.#pushed.get(callId);
    if (pushed !== undefined) {
      this.#pushed.delete(callId);
      return pushed;
    }
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
    this.forgetAnswer(callId);
    try {
      await this.#request(nodeId, MediaCommands.close, { callId, cause: cause.slice(0, 128) });
    } catch (err) {
      this.#logger.warn({ callId, nodeId, err: (err as Error).message }, 'closing the call media failed');
    }
  }

  /** A pushed answer, kept until asked for; past the bound the oldest goes (its call asks the node). */
  #keep(callId: string, sdp: string): void {
    this.#pushed.delete(callId);
    this.#pushed.set(callId, sdp);
    if (this.#pushed.size > this.#maxPushed) {
      const oldest = this.#pushed.keys().next().value!;
      this.#pushed.delete(oldest);
      this.#logger.debug({ callId: oldest }, 'pushed softphone answer dropped (bound)');
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
