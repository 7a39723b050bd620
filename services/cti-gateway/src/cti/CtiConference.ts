import { randomUUID } from 'node:crypto';
import type { Logger } from '@ucserver/shared';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { ActiveCall, CallRegistry } from '../calls/CallRegistry.ts';
import { ConferenceSplitError, CtiError, CtiRequestError } from '../session/CtiRequestError.ts';
import type { ConferenceNotice } from './conferenceEvents.ts';

/** The media node command a conference needs (MediaClient.conferenceJoin). */
export interface ConferenceMedia {
  conferenceJoin(nodeId: string, conferenceId: string, members: { callId: string; legs: ('softphone' | 'pbx')[] }[]): Promise<{ participants: string[]; dissolved: boolean }>;
}

export interface CtiConferenceDeps {
  pbx: Pick<PbxClient, 'hold'>;
  media: ConferenceMedia | undefined;
  calls: Pick<CallRegistry, 'on' | 'onLine'>;
  /** Tells the line's monitors that the call changed for a conference (reason 4, or 15 when it ends). */
  notify(call: ActiveCall, conferenced: boolean): void;
  /** Tells the line's monitors of the conference itself (asnCtiNotifyConferenceCreated, …PartyRemoved, …Destroyed). */
  announce(notice: ConferenceNotice): void;
  logger: Logger;
}

/**
 * asnCtiConference: a line's user talking on one call and holding another joins the three parties.
 * ENetUC_CTI's asnCtiConference takes the active call (u8sConnectionID1) and the held one
 * (u8sConnectionID2); asnCtiMergeCalls stays what its ASN.1 says ("connect two calls and leave": the
 * attended transfer). The held call is retrieved toward the PBX, then the media node that carries both
 * calls mixes: the user's softphone leg of the active call, and the far ends of both calls (the held
 * call's softphone leg hears nothing): their PBX legs, or on Direct Media their partner calls' softphone
 * legs on that node. Both calls carry the conference id (call type conference
 * controller); when one ends, the media node dissolves the mix and the other is a two-party call again.
 */
export class CtiConference {
  readonly #deps: CtiConferenceDeps;
  readonly #logger: Logger;
  /** Running conferences: their controller (active) call and member calls; removed when one ends. */
  readonly #running = new Map<string, { controller: ActiveCall; members: ActiveCall[] }>();

  constructor(deps: CtiConferenceDeps) {
    this.#deps = deps;
    this.#logger = deps.logger.child({ component: 'cti-conference' });
    deps.calls.on('callchanged', (call, event) => {
      if (event.state === 'disconnected' && call.conferenceId) this.#ended(call);
    });
  }

  /** @returns the conference id. @throws CtiRequestError when the calls cannot be conferenced */
  async start(one: ActiveCall, two: ActiveCall): Promise<string> {
    const media = this.#deps.media;
    if (!media) throw new CtiRequestError(CtiError.generalerror, 'conferences are not available on this server');
    const heldHere = (c: ActiveCall): boolean => c.state === 'held' && c.hold !== 'remote';
    const [active, held] = heldHere(two) && one.state === 'connected' ? [one, two] : heldHere(one) && two.state === 'connected' ? [two, one] : [undefined, undefined];
    if (!active || !held || one.lineId !== two.lineId) {
      throw new CtiRequestError(CtiError.generalerror, 'a conference needs a connected call and a call held here, on the same line');
    }
    if (active.conferenceId || held.conferenceId) throw new CtiRequestError(CtiError.generalerror, 'the call is in a conference already');
    const nodeId = active.mediaNodeId;
    if (!nodeId || !held.mediaNodeId) throw new CtiRequestError(CtiError.generalerror, 'a call has no media yet; it cannot be mixed');
    if (held.mediaNodeId !== nodeId) throw new ConferenceSplitError(`the two calls' media are on media nodes ${nodeId} and ${held.mediaNodeId}; a conference mixes on one node`);
    const conferenceId = `conf-${randomUUID()}`;
    await this.#deps.pbx.hold(held.callId, false);
    try {
      // The same legs on either media path: on Direct Media the node mixes a call's far end from the
      // partner call's softphone leg (its PBX leg carries nothing), or refuses when that call is elsewhere.
      await media.conferenceJoin(nodeId, conferenceId, [{ callId: active.callId, legs: ['softphone', 'pbx'] }, { callId: held.callId, legs: ['pbx'] }]);
    } catch (err) {
      // Back to where the user was: talking to one, the other on hold.
      await this.#deps.pbx.hold(held.callId, true).catch((e: unknown) => this.#logger.warn({ callId: held.callId, err: (e as Error).message }, 'holding the call again failed'));
      throw new CtiRequestError(CtiError.generalerror, `the media node could not mix the calls: ${(err as Error).message}`);
    }
    for (const call of [active, held]) {
      call.conferenceId = conferenceId;
      this.#deps.notify(call, true);
    }
    this.#running.set(conferenceId, { controller: active, members: [held, active] });
    this.#deps.announce({ kind: 'created', controller: active, members: [held, active] });
    this.#logger.info({ conferenceId, active: active.callId, held: held.callId, nodeId }, 'conference started');
    return conferenceId;
  }

  /**
   * A member hung up: the media node dissolved the mix; the calls left are two-party again. The monitors
   * hear that the party left, then that the conference ended (a three-party conference ends with it).
   */
  #ended(call: ActiveCall): void {
    const conferenceId = call.conferenceId!;
    const running = this.#running.get(conferenceId);
    this.#running.delete(conferenceId);
    if (running) this.#deps.announce({ kind: 'partyRemoved', controller: running.controller, member: call });
    call.conferenceId = undefined;
    for (const other of this.#deps.calls.onLine(call.lineId)) {
      if (other.conferenceId !== conferenceId || other.state === 'disconnected') continue;
      other.conferenceId = undefined;
      this.#deps.notify(other, false);
    }
    if (running) this.#deps.announce({ kind: 'destroyed', controller: running.controller, members: running.members.filter((m) => m !== call) });
    this.#logger.info({ conferenceId, callId: call.callId }, 'conference member left');
  }
}
