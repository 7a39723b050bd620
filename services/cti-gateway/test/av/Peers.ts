// The media node and the pbx-adapter, played on the bus by a peer client that follows the shared
// contract and records every request: the softphone and CTI flows are tested at the NATS boundary.
import {
  CallTopics,
  MediaCommands,
  MediaTopics,
  PbxCommands,
  UcsError,
  type BusClient,
  type CallEvent,
} from '@ucserver/shared';
import { check } from '@ucserver/testkit';

export const NODE = 'node-test';
export const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n';
export const ANSWER = 'v=0\r\no=- 7 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:111 opus/48000/2\r\n';

type Payload = Record<string, unknown>;

/** Plays one media node and the pbx-adapter on the bus, recording every request; refuses what it is told to. */
export class Peers {
  readonly requests: Array<{ verb: string; payload: Payload }> = [];
  readonly bus: BusClient;
  readonly #refusals: Array<{ verb: string; when: (p: Payload) => boolean; error: UcsError }> = [];
  readonly #stalls: Array<{ verb: string; when: (p: Payload) => boolean; ms: number }> = [];
  #timer: NodeJS.Timeout;
  #seq = new Map<string, number>();

  constructor(bus: BusClient) {
    this.bus = bus;
    const media = bus.media(NODE);
    media.serve(MediaCommands.softphoneOffer, this.#answer('softphone.offer', (r) => {
      if (!r.sdp.includes('m=audio')) throw Object.assign(new Error('no audio m-line'), { code: 'UCS_ERR_MEDIA_NO_AUDIO' });
      return { legId: `leg-${r.callId}`, codecs: ['opus' as const] };
    }));
    media.serve(MediaCommands.softphoneAnswer, this.#answer('softphone.answer', () => ({ sdp: ANSWER })));
    media.serve(MediaCommands.softphoneCreateOffer, this.#answer('softphone.create-offer', (r) => ({ legId: `leg-${r.callId}`, sdp: OFFER })));
    media.serve(MediaCommands.softphoneApplyAnswer, this.#answer('softphone.apply-answer', () => ({})));
    media.serve(MediaCommands.softphoneCandidate, this.#answer('softphone.candidate', () => ({})));
    media.serve(MediaCommands.softphoneReoffer, this.#answer('softphone.reoffer', (r) => {
      if (r.sdp.includes('a=x-new-session')) throw new UcsError('UCS_ERR_MEDIA_SDP_INVALID', 'softphone re-offer has a new DTLS fingerprint');
      // As the media node answers: a hold re-offer with the mirrored direction, anything else as a restart.
      const held = /^a=(sendonly|inactive)\r?$/m.exec(r.sdp)?.[1];
      return { sdp: held ? `${ANSWER}a=${held === 'sendonly' ? 'recvonly' : 'inactive'}\r\n` : `${ANSWER}a=x-restarted\r\n` };
    }));
    media.serve(MediaCommands.close, this.#answer('media.close', () => ({ quality: null })));
    media.serve(MediaCommands.conferenceJoin, this.#answer('conference.join', (r) => ({ conferenceId: r.conferenceId, participants: r.members.flatMap((m) => m.legs.map((leg) => `${m.callId}/${leg}`)), dissolved: false })));
    for (const [name, cmd] of Object.entries(PbxCommands)) {
      bus.pbx.serve(cmd, this.#answer(`pbx.${name}`, () => ({})));
    }
    const beat = (): void => bus.publish(MediaTopics.heartbeat, { nodeId: NODE, addresses: ['127.0.0.1'], workers: 1, workersAlive: 1, calls: 0, legs: 0, load: 0, draining: false, startedAt: 1, at: Date.now(), intervalMs: 500 });
    beat();
    this.#timer = setInterval(beat, 500);
  }

  /** From now on, requests `verb` (e.g. `pbx.makeCall`, `softphone.answer`) that match `when` fail with `error`. */
  refuse(verb: string, when: (p: Payload) => boolean, error: UcsError): void {
    this.#refusals.push({ verb, when, error });
  }

  /** From now on, requests `verb` that match `when` are answered only after `ms` (a busy node). */
  stall(verb: string, when: (p: Payload) => boolean, ms: number): void {
    this.#stalls.push({ verb, when, ms });
  }

  /** Publishes the next call event of a call, as the pbx-adapter does (durably). */
  async event(e: Omit<CallEvent, 'seq' | 'at'>): Promise<void> {
    const seq = (this.#seq.get(e.callId) ?? 0) + 1;
    this.#seq.set(e.callId, seq);
    await this.bus.publishDurable(CallTopics.event, { ...e, seq, at: Date.now() });
  }

  waitFor(verb: string, match: (p: Payload) => boolean = () => true): Promise<Payload> {
    return check(() => this.requests.find((r) => r.verb === verb && match(r.payload))?.payload, 5000, { name: `request ${verb}` });
  }

  /** Stops heartbeating: placement declares the node down after three intervals. */
  silence(): void {
    clearInterval(this.#timer);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** A handler that records the request, applies the refusals and stalls, then replies. */
  #answer<R extends Payload, T>(verb: string, reply: (request: R) => T): (request: R) => T | Promise<T> {
    return (request) => {
      this.requests.push({ verb, payload: request });
      const refusal = this.#refusals.find((r) => r.verb === verb && r.when(request));
      if (refusal) throw refusal.error;
      const stall = this.#stalls.find((r) => r.verb === verb && r.when(request));
      if (stall) return new Promise<T>((resolve) => setTimeout(() => resolve(reply(request)), stall.ms));
      return reply(request);
    };
  }
}
