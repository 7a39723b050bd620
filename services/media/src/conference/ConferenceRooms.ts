import type { Logger } from '@ucserver/shared';
import { CallStateError, ConferencePartnerError } from '../errors.ts';
import type { ConferenceFeeds } from '../calls/MediaWiringTypes.ts';
import { preloadOpus } from './codecFor.ts';
import { Conference } from './Conference.ts';
import type { ConferenceCall, ConferenceLeg, ConferenceMember, ConferenceRoomsOptions, ConferenceState } from './ConferenceRoomsTypes.ts';

interface Member {
  call: ConferenceCall;
  /** Its legs seated in the mix; none for a call that only hears nothing meanwhile (see the class). */
  legs: Set<ConferenceLeg>;
  onWired: () => void;
  onClose: () => void;
}

interface Room {
  conference: Conference;
  /** Member calls and their seated legs, with the listeners put on each call. */
  calls: Map<string, Member>;
  /** Serialises the room's changes (joins, leaves, re-seats). */
  queue: Promise<unknown>;
}

/**
 * The node's conferences, keyed by the id the controller gives. A member call's legs are seated in the
 * room's mixer and consume their feeds instead of each other (MediaCall.setConferenceFeeds). A call
 * that closes leaves; a leg whose Producer was replaced (re-INVITE with a new SSRC) is seated again.
 *
 * Direct Media: a call linked to another call's softphone leg inside the node has no audio on its PBX
 * leg; its far end is the partner call's softphone leg, which is seated instead (the partner is the far
 * end's own call, on its own line), and hears its feed instead of the link. A member left without a
 * seat (the held call of a Direct Media pair: its far end is mixed from the partner) hears nothing
 * meanwhile, as the held call's softphone does on the PBX path.
 *
 * When fewer than two participants remain, or the two left are one call's softphone and PBX legs, or
 * the softphone legs of two Direct Media partners, the room dissolves and the calls go back to their
 * two-party bridge or link (no transcoding left). Two other participants (the user's softphone on one
 * call, the far end of the other) keep mixing: a two-way mix is their only path between two routers.
 */
export class ConferenceRooms {
  readonly #options: ConferenceRoomsOptions;
  readonly #logger: Logger;
  readonly #rooms = new Map<string, Room>();
  #endedBusyMs = 0;

  constructor(options: ConferenceRoomsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'conferences' });
    preloadOpus();
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** Participants mixed across every room. */
  get participantCount(): number {
    let n = 0;
    for (const room of this.#rooms.values()) n += room.conference.size;
    return n;
  }

  /** Seconds the node's Node.js thread spent mixing (decode, mix, encode, send), ended rooms included. */
  get mixSeconds(): number {
    let ms = this.#endedBusyMs;
    for (const room of this.#rooms.values()) ms += room.conference.mixerStats.busyMs;
    return ms / 1000;
  }

  /** The room's Conference (its mixer), for metrics and tests. */
  conference(conferenceId: string): Conference | undefined {
    return this.#rooms.get(conferenceId)?.conference;
  }

  /**
   * Seats the members' legs in the conference (created on first use) and switches their calls to the
   * mix. A call already seated gets the legs added; a call on Direct Media gets its partner's softphone
   * leg seated for its `pbx` leg (see #plan).
   * @throws CallStateError (a leg has no audio yet, a call is closed, too many rooms or participants),
   *   ConferencePartnerError (a call on Direct Media without its partner here), NoCommonCodecError
   *   (G.722), AllocationError
   */
  join(conferenceId: string, members: ConferenceMember[]): Promise<ConferenceState> {
    let room = this.#rooms.get(conferenceId);
    if (!room) {
      if (this.#rooms.size >= this.#options.maxConferences) return Promise.reject(new CallStateError(`${this.#rooms.size} conferences run on this node already [conferenceId:${conferenceId}]`));
      room = { conference: new Conference({ id: conferenceId, maxParticipants: this.#options.maxParticipants, logger: this.#logger }), calls: new Map(), queue: Promise.resolve() };
      this.#rooms.set(conferenceId, room);
    }
    const r = room;
    return this.#serial(r, async () => {
      const added: string[] = [];
      let plan: Map<ConferenceCall, Set<ConferenceLeg>>;
      try {
        plan = this.#plan(conferenceId, members);
        for (const [call, legs] of plan) {
          for (const leg of legs) this.#check(conferenceId, call, leg);
        }
        for (const [call, legs] of plan) {
          if (this.#track(r, call)) added.push(call.id);
          for (const leg of legs) await this.#seat(r, call, leg);
        }
      } catch (err) {
        // A room that never had anyone (its first join failed) is not left behind, nor a call this join
        // added without a seat.
        if (r.conference.size === 0) this.#dissolve(conferenceId, r, 'join failed');
        for (const id of added) if (r.calls.get(id)?.legs.size === 0) this.#forget(r, id);
        throw err;
      }
      for (const call of plan.keys()) await this.#applyFeeds(r, call);
      this.#logger.info({ conferenceId, participants: r.conference.participantIds, silent: [...plan].filter(([, legs]) => legs.size === 0).map(([c]) => c.id) }, 'conference joined');
      return this.#state(conferenceId, r);
    });
  }

  /** Takes a call's legs out; the rest mix on, or the room dissolves (see the class). */
  leave(conferenceId: string, callId: string): Promise<ConferenceState> {
    const room = this.#rooms.get(conferenceId);
    if (!room) return Promise.resolve({ conferenceId, participants: [], dissolved: true });
    return this.#serial(room, () => this.#leave(conferenceId, room, callId, 'left'));
  }

  /** Dissolves every room (the node is closing). */
  closeAll(): void {
    for (const [id, room] of [...this.#rooms]) this.#dissolve(id, room, 'node closing');
  }

  /**
   * The legs to seat per call: the members' own, except that the `pbx` leg of a call on Direct Media is
   * its partner's softphone leg; such a call stays a member without that seat (it hears nothing).
   * @throws ConferencePartnerError for a call on Direct Media without a partner call on this node
   */
  #plan(conferenceId: string, members: ConferenceMember[]): Map<ConferenceCall, Set<ConferenceLeg>> {
    const plan = new Map<ConferenceCall, Set<ConferenceLeg>>();
    const add = (call: ConferenceCall, leg?: ConferenceLeg): void => {
      let legs = plan.get(call);
      if (!legs) plan.set(call, (legs = new Set()));
      if (leg) legs.add(leg);
    };
    for (const { call, legs } of members) {
      add(call);
      for (const leg of legs) {
        if (leg !== 'pbx' || call.path !== 'direct') {
          add(call, leg);
          continue;
        }
        const partner = this.#options.partnerOf?.(call);
        if (!partner || partner.closed) throw new ConferencePartnerError(`the call is on Direct Media and its partner call is not on this node: its far end cannot be mixed here [conferenceId:${conferenceId}, callId:${call.id}]`);
        add(partner, 'softphone');
      }
    }
    return plan;
  }

  #check(conferenceId: string, call: ConferenceCall, leg: ConferenceLeg): void {
    const where = `[conferenceId:${conferenceId}, callId:${call.id}, leg:${leg}]`;
    if (call.closed) throw new CallStateError(`the call is closed ${where}`);
    if (!call.router || !this.#source(call, leg)) throw new CallStateError(`the leg has no audio to mix yet ${where}`);
  }

  #source(call: ConferenceCall, leg: ConferenceLeg) {
    return leg === 'softphone' ? call.softphoneProducer : call.pbxProducer;
  }

  /** Makes `call` a member of the room (listening for its re-wiring and close); true when it was not yet. */
  #track(room: Room, call: ConferenceCall): boolean {
    if (room.calls.has(call.id)) return false;
    const conferenceId = room.conference.id;
    const onWired = (): void => {
      void this.#serial(room, () => this.#reseat(room, call)).catch((err: unknown) => this.#logger.warn({ conferenceId, callId: call.id, err: (err as Error).message }, 'conference re-seat failed'));
    };
    const onClose = (): void => {
      void this.#serial(room, () => this.#leave(conferenceId, room, call.id, 'call closed')).catch((err: unknown) => this.#logger.warn({ conferenceId, callId: call.id, err: (err as Error).message }, 'conference leave failed'));
    };
    room.calls.set(call.id, { call, legs: new Set(), onWired, onClose });
    call.on('wired', onWired);
    call.on('close', onClose);
    return true;
  }

  async #seat(room: Room, call: ConferenceCall, leg: ConferenceLeg): Promise<void> {
    const id = `${call.id}/${leg}`;
    if (room.conference.feedOf(id)) return;
    await room.conference.add({ id, router: call.router!, source: this.#source(call, leg)! });
    room.calls.get(call.id)!.legs.add(leg);
  }

  /** A seated leg whose Producer changed (new SSRC, re-created leg) is seated again with the new one. */
  async #reseat(room: Room, call: ConferenceCall): Promise<void> {
    const member = room.calls.get(call.id);
    if (!member || room.conference.closed || call.closed) return;
    let changed = false;
    for (const leg of member.legs) {
      const id = `${call.id}/${leg}`;
      const source = this.#source(call, leg);
      if (!source || source.closed || room.conference.sourceOf(id) === source) continue;
      room.conference.remove(id);
      await room.conference.add({ id, router: call.router!, source });
      changed = true;
    }
    if (changed) await this.#applyFeeds(room, call);
  }

  async #leave(conferenceId: string, room: Room, callId: string, why: string): Promise<ConferenceState> {
    const member = room.calls.get(callId);
    if (member) {
      for (const leg of member.legs) room.conference.remove(`${callId}/${leg}`);
      this.#forget(room, callId);
      if (!member.call.closed) await member.call.setConferenceFeeds(undefined);
      this.#logger.info({ conferenceId, callId, why, participants: room.conference.participantIds }, 'conference left');
    }
    const remaining = [...room.calls.values()];
    if (this.#bridgeable(room)) {
      this.#dissolve(conferenceId, room, why);
      await Promise.all(remaining.filter((m) => !m.call.closed).map((m) => m.call.setConferenceFeeds(undefined)));
    }
    return this.#state(conferenceId, room);
  }

  /**
   * The participants left need no mixer: fewer than two, one call's own softphone and PBX legs (its
   * bridge), or the softphone legs of two calls linked by Direct Media (their link).
   */
  #bridgeable(room: Room): boolean {
    const size = room.conference.size;
    if (size < 2) return true;
    if (size > 2) return false;
    const seated = [...room.calls.values()].filter((m) => m.legs.size > 0);
    if (seated.length === 1) return true;
    const [x, y] = seated as [Member, Member];
    return x.legs.has('softphone') && y.legs.has('softphone') && this.#options.partnerOf?.(x.call) === y.call;
  }

  async #applyFeeds(room: Room, call: ConferenceCall): Promise<void> {
    const feeds: ConferenceFeeds = {};
    const softphone = room.conference.feedOf(`${call.id}/softphone`);
    const pbx = room.conference.feedOf(`${call.id}/pbx`);
    if (softphone) feeds.softphone = softphone;
    if (pbx) feeds.pbx = pbx;
    await call.setConferenceFeeds(feeds);
  }

  #dissolve(conferenceId: string, room: Room, why: string): void {
    if (this.#rooms.get(conferenceId) !== room) return;
    this.#rooms.delete(conferenceId);
    this.#endedBusyMs += room.conference.mixerStats.busyMs;
    for (const callId of [...room.calls.keys()]) this.#forget(room, callId);
    room.conference.close();
    this.#logger.info({ conferenceId, why }, 'conference dissolved');
  }

  #forget(room: Room, callId: string): void {
    const member = room.calls.get(callId);
    if (!member) return;
    room.calls.delete(callId);
    member.call.off('wired', member.onWired);
    member.call.off('close', member.onClose);
  }

  #state(conferenceId: string, room: Room): ConferenceState {
    return { conferenceId, participants: room.conference.participantIds, dissolved: room.conference.closed };
  }

  #serial<T>(room: Room, fn: () => Promise<T>): Promise<T> {
    const task = room.queue.then(fn);
    room.queue = task.then(() => undefined, () => undefined);
    return task;
  }
}
