// sdp: SDP through the AV operations on a logged-in TCP connection. One input is one softphone call
// attempt: asnAVMakeCallV2 to line 101 (rings: NO_CLIENT_POLICY=ring) with a mutated or valid browser
// offer, which is owed a result or an error; when the call is placed, a mutated re-offer
// (asnAVCallMessageV2 REINVITE/RENEGOTIATE_OFFER), which is owed an answer or a decline (or the call's
// drop), and mutated trickle candidates; then the call is dropped and a probe invoke must be answered.
import { browserOffers, mutatedCandidate, mutatedSdp } from '../inputs/sdpInputs.ts';
import { Rng } from '../rng.ts';
import { excerptBytes, type FuzzTarget, type OutcomeRecord } from '../types.ts';
import { CtiConnection, type ServerMessage } from './CtiConnection.ts';

export interface SdpTargetOptions {
  seed: number;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The number the calls go to (a line that rings). */
  dial: string;
  /** Bound for each answer (make-call goes through media, the bus and the PBX). */
  answerTimeoutMs: number;
}

const REINVITE_OFFER = 9;
const RENEGOTIATE_OFFER = 6;
const ANSWERS = new Set([7, 8, 10]);

function argOf(m: ServerMessage): Record<string, unknown> {
  return ((m.raw['invoke'] as Record<string, unknown> | undefined)?.['argument'] ?? {}) as Record<string, unknown>;
}

/** The AV call an event is about: `u8sCallID`, or asnAVDropCall's `dropTarget`. */
export function avCallIdOf(m: ServerMessage): string | undefined {
  const arg = argOf(m);
  if (typeof arg['u8sCallID'] === 'string') return arg['u8sCallID'];
  const target = arg['dropTarget'] as Record<string, unknown> | undefined;
  if (typeof target?.['u8sCallID'] === 'string') return target['u8sCallID'];
  const conn = target?.['connectionID'] as Record<string, unknown> | undefined;
  return typeof conn?.['u8sCallID'] === 'string' ? conn['u8sCallID'] : undefined;
}

export class SdpTarget implements FuzzTarget {
  readonly name = 'sdp' as const;
  readonly #o: SdpTargetOptions;
  #conn: CtiConnection | undefined;

  constructor(options: SdpTargetOptions) {
    this.#o = options;
  }

  async open(): Promise<void> {
    await this.#connection();
  }

  async #connection(): Promise<CtiConnection> {
    if (this.#conn && !this.#conn.closed) return this.#conn;
    const conn = await CtiConnection.tcp(this.#o.host, this.#o.port);
    await conn.login(this.#o.user, this.#o.password);
    this.#conn = conn;
    return conn;
  }

  async run(index: number): Promise<OutcomeRecord> {
    const rng = Rng.forInput(this.#o.seed, this.name, index);
    const validOffer = rng.chance(0.5);
    const offer = validOffer ? { sdp: rng.pick(browserOffers()), mutation: 'valid offer' } : mutatedSdp(rng);
    const reoffer = mutatedSdp(rng);
    const conn = await this.#connection();
    conn.clear();
    const t = this.#o.answerTimeoutMs;
    const base = { target: this.name, index, excerpt: excerptBytes(offer.sdp) } as const;
    let mutation = `make-call: ${offer.mutation}`;

    const make = conn.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'sip:100@ucserver', u8sUriTo: `sip:${this.#o.dial}@ucserver`, u8sContentType: 'application/sdp', u8sBody: offer.sdp });
    const r = await conn.waitFor((m) => m.id === make && m.kind !== 'invoke', t);
    if (r === 'closed') return this.#closed({ ...base, mutation });
    if (r === 'timeout') return this.#unanswered({ ...base, mutation }, `no answer to asnAVMakeCallV2 within ${t} ms`);
    if (r.kind === 'result') {
      const callId = String(((r.raw['result'] as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['result']?.['result']?.['callAndConnectionID']?.['u8sCallID']) ?? '');
      mutation += `; re-offer: ${reoffer.mutation}`;
      const ofCall = (m: ServerMessage): boolean => m.kind === 'invoke' && avCallIdOf(m) === callId;
      conn.invoke('asnAVCallMessageV2', {
        u8sCallID: callId, endpointIDTo: 'x', endpointIDFrom: 'y', messageType: rng.pick([REINVITE_OFFER, RENEGOTIATE_OFFER]), u8sUriTo: `sip:${this.#o.dial}@ucserver`,
        u8sContentType: 'application/sdp', u8sBody: reoffer.sdp,
      }, 99_999);
      const a = await conn.waitFor((m) => ofCall(m) && ((m.operationName === 'asnAVCallMessageV2' && ANSWERS.has(Number(argOf(m)['messageType']))) || m.operationName === 'asnAVDropCall'), t);
      if (a === 'closed') return this.#closed({ ...base, mutation });
      if (a === 'timeout') {
        this.#drop(conn, callId);
        return this.#unanswered({ ...base, mutation }, `no answer, decline or drop for the re-offer of call ${callId} within ${t} ms`);
      }
      for (let i = rng.int(0, 3); i > 0; i--) {
        conn.invoke('asnAVCallMessageV2', { u8sCallID: callId, endpointIDTo: 'x', endpointIDFrom: 'y', messageType: 2, u8sUriTo: 'sip:x@y', iceCandidate: mutatedCandidate(rng) }, 99_999);
      }
      this.#drop(conn, callId);
    }
    const probe = conn.invoke('asnSubscribeServices', {});
    const p = await conn.waitFor((m) => m.id === probe && m.kind !== 'invoke', t);
    if (p === 'closed') return this.#closed({ ...base, mutation });
    if (p === 'timeout') return this.#unanswered({ ...base, mutation }, `the probe after the call got no answer within ${t} ms`);
    return { ...base, mutation, outcome: 'answered' };
  }

  #drop(conn: CtiConnection, callId: string): void {
    conn.invoke('asnAVDropCall', { dropTarget: { u8sCallID: callId }, u8sCause: 'fuzz', iAvDropReason: 0 }, 99_999);
  }

  #closed(base: Omit<OutcomeRecord, 'outcome'>): OutcomeRecord {
    this.#conn = undefined;
    return { ...base, outcome: 'closed' };
  }

  #unanswered(base: Omit<OutcomeRecord, 'outcome'>, detail: string): OutcomeRecord {
    this.#conn?.destroy();
    this.#conn = undefined;
    return { ...base, outcome: 'unanswered', detail };
  }

  async close(): Promise<void> {
    this.#conn?.destroy();
    this.#conn = undefined;
  }
}
