import { EventEmitter } from 'node:events';
import type { Producer, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import { InvalidStateError, type Logger, type MediaPath } from '@ucserver/shared';
import type { DirectMedia } from '../directMedia/DirectMedia.ts';
import type { DirectMediaParty } from '../directMedia/DirectMediaTypes.ts';
import { TupleRegistry } from '../directMedia/TupleRegistry.ts';
import type { PbxDescription, PbxVideoSection } from '../sdp/pbxSdp.ts';
import type { PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { PbxLeg } from './PbxLeg.ts';
import type { PbxRemote } from './PbxLegTypes.ts';
import type { PbxDirection } from './PbxNegotiationTypes.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import type { SoftphoneDirection } from './SoftphoneNegotiationTypes.ts';
import type { ConferenceFeeds, MediaWiringEvents, MediaWiringOptions } from './MediaWiringTypes.ts';

/**
 * The media wiring of one call: brings its legs in line with what the call wants. A pass turns the PBX
 * leg on or off (off while it points at one of our own tuples or the call is on Direct Media), sets what
 * the softphone hears (the PBX leg's Producer, or the Direct Media partner's microphone) and what the PBX
 * gets (the softphone's microphone), paused as the PBX and softphone directions say, and derives the media path.
 * Requests coalesce: one loop runs passes until none is pending. Changes come from the call's commands
 * (retargetPbx, reconcile) and from events of the legs and of Direct Media partners.
 */
export class MediaWiring extends EventEmitter<MediaWiringEvents> {
  readonly #party: DirectMediaParty;
  readonly #directMedia: DirectMedia;
  readonly #pbxDirection: PbxDirection;
  readonly #softphoneDirection: SoftphoneDirection;
  readonly #logger: Logger;
  #softphone: SoftphoneLeg | undefined;
  #pbx: PbxLeg | undefined;
  /** The PBX video leg, while the PBX side carries video (it follows the audio leg on or off). */
  #pbxVideo: PbxLeg<PbxVideoCodec> | undefined;
  #path: MediaPath | null = null;
  /**
   * Set when the Direct Media partner closed (its call ended, our PBX dialog did not change): the PBX
   * remote we point at is that partner's former tuple. The call keeps its path and sends nothing until
   * an SDP re-targets it elsewhere. Holds the TupleRegistry key of that remote.
   */
  #partnerGoneFrom: string | undefined;
  /** In a conference: what the legs send instead of each other (see ConferenceRooms). */
  #conference: ConferenceFeeds | undefined;
  #dirty = false;
  #reconciling: Promise<void> | undefined;
  #stopped = false;
  #closed = false;

  constructor(options: MediaWiringOptions) {
    super();
    this.#party = options.party;
    this.#directMedia = options.directMedia;
    this.#pbxDirection = options.pbxDirection;
    this.#softphoneDirection = options.softphoneDirection;
    this.#logger = options.logger;
  }

  /** The media path as last derived; null until the PBX leg has a remote. */
  get path(): MediaPath | null {
    return this.#path;
  }

  /** On Direct Media: the partner call's softphone Producer (what arrives over the link). */
  get partnerProducer(): Producer | undefined {
    return this.#directMedia.linkOf(this.#party)?.peerOf(this.#party).softphoneProducer;
  }

  /** No more passes run (the call is closing). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Wires the softphone leg; its downlink closing on its own (the source went away) asks for a pass. */
  attachSoftphone(leg: SoftphoneLeg): void {
    this.#softphone = leg;
    leg.on('@downlinkclose', () => this.#reconcileInBackground('softphone downlink closed'));
  }

  /**
   * Wires the PBX leg and records its tuple (at each of `addresses`) for Direct Media; a new Producer
   * of the PBX's audio asks for a pass.
   */
  attachPbx(leg: PbxLeg, addresses: string[]): void {
    this.#pbx = leg;
    leg.on('producer', () => this.#reconcileInBackground('PBX producer ready'));
    this.#directMedia.register(this.#party, addresses, leg.local.port);
  }

  /** Wires the PBX video leg (undefined: none any more); a new Producer of the PBX's video asks for a pass. */
  attachPbxVideo(leg: PbxLeg<PbxVideoCodec> | undefined): void {
    this.#pbxVideo = leg;
    leg?.on('producer', () => this.#reconcileInBackground('PBX video producer ready'));
  }

  /**
   * Points the PBX video leg at the PBX's video m-line; after retargetPbx() for the same SDP, whose audio
   * decides: while the audio points at one of our own tuples (Direct Media) video is linked inside the
   * node and the video leg stays unconnected, like the audio one.
   * @throws InvalidStateError without an attached PBX video leg; AllocationError from the leg
   */
  async retargetPbxVideo(section: PbxVideoSection, srtp: SrtpParameters | undefined, srtpSuite: SrtpCryptoSuite | undefined): Promise<void> {
    const leg = this.#pbxVideo;
    if (!leg) throw new InvalidStateError(`retargetPbxVideo() without a PBX video leg [callId:${this.#party.id}]`);
    const audio = this.#pbx?.remote;
    const direct = audio !== undefined && this.#directMedia.isLocal(audio.address, audio.port);
    const connect = !direct && !section.nullAddress && !this.#directMedia.isLocal(section.address, section.port);
    const { address, port, rtcpAddress, rtcpPort, rtcpMux, ssrc } = section;
    await leg.configure({ remote: { address, port, rtcpAddress, rtcpPort, rtcpMux, srtp, ssrc }, srtpSuite, connect });
    if (connect) await leg.relearn();
  }

  /**
   * Points the PBX leg at the address of the PBX's SDP (or, for one of our own tuples, leaves it
   * unconnected for Direct Media) and re-evaluates Direct Media; the calls whose link changed, other
   * than this one, get a pass.
   * @throws InvalidStateError without an attached PBX leg; AllocationError from the leg
   */
  async retargetPbx(description: PbxDescription, srtp: SrtpParameters | undefined, srtpSuite: SrtpCryptoSuite | undefined): Promise<void> {
    const leg = this.#pbx;
    if (!leg) throw new InvalidStateError(`retargetPbx() without a PBX leg [callId:${this.#party.id}]`);
    const remote: PbxRemote = {
      address: description.address,
      port: description.port,
      rtcpAddress: description.rtcpAddress,
      rtcpPort: description.rtcpPort,
      rtcpMux: description.rtcpMux,
      srtp,
      ssrc: description.ssrc,
    };
    const ownTuple = this.#directMedia.isLocal(remote.address, remote.port);
    const connect = !ownTuple && !description.nullAddress;
    if (this.#partnerGoneFrom !== undefined && this.#partnerGoneFrom !== TupleRegistry.key(remote.address, remote.port)) this.#partnerGoneFrom = undefined;
    await leg.configure({ remote, srtpSuite, connect });
    // Every SDP the PBX applies (offer, or answer to our own re-INVITE) may come with a new SSRC: the far
    // end may have re-created its stream (transfer, media re-anchoring, a re-created transport after
    // hold): check its next packet.
    if (connect) await leg.relearn();
    const affected = this.#directMedia.update(this.#party);
    await Promise.all(affected.filter((c) => c !== this.#party).map((c) => c.requestReconcile()));
  }

  /**
   * The Direct Media partner closed. That is not a re-target of our PBX leg (the PBX has not changed our
   * dialog's SDP), so the call keeps its path — nothing is announced — until an SDP re-targets it or it
   * closes. Meanwhile it drops the partner's audio and sends nothing to the partner's former tuple.
   */
  partnerClosed(): Promise<void> {
    const remote = this.#pbx?.remote;
    if (remote) this.#partnerGoneFrom = TupleRegistry.key(remote.address, remote.port);
    return this.reconcile();
  }

  /** The Direct Media partner, else the call whose PBX tuple our PBX leg points at (the partner to be). */
  videoPartner(): DirectMediaParty | undefined {
    return this.#directMedia.linkOf(this.#party)?.peerOf(this.#party) ?? this.#directMedia.tupleOwnerOf(this.#party);
  }

  /** The call's microphone appeared: a Direct Media partner may be waiting for it, and gets a pass. */
  reconcilePartner(): void {
    const partner = this.#directMedia.linkOf(this.#party)?.peerOf(this.#party);
    partner?.requestReconcile().catch((err: unknown) => this.#logger.warn({ peerCallId: partner.id, err: (err as Error).message }, 'Direct Media partner wiring failed'));
  }

  /** Conference feeds for the legs (undefined: the two-party bridge again); applied by the next pass. */
  setConference(feeds: ConferenceFeeds | undefined): Promise<void> {
    this.#conference = feeds;
    return this.reconcile();
  }

  /** Asks for a pass; concurrent requests coalesce into one more pass. Resolves when the loop ends. */
  reconcile(): Promise<void> {
    this.#dirty = true;
    this.#reconciling ??= this.#loop();
    return this.#reconciling;
  }

  /** Runs no more passes (the call is closing; its legs stay as they are until they close). Idempotent. */
  stop(): void {
    this.#stopped = true;
  }

  /** Stops, and leaves Direct Media: a partner the call was linked to learns it through partnerClosed(). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stop();
    for (const call of this.#directMedia.remove(this.#party)) {
      call.partnerClosed().catch((err: unknown) => this.#logger.warn({ peerCallId: call.id, err: (err as Error).message }, 'Direct Media partner could not drop the closed link'));
    }
  }

  /** A pass after an event (not a command); a failure is logged, and the next event retries. */
  #reconcileInBackground(reason: string): void {
    if (this.#stopped) return;
    this.reconcile().catch((err: unknown) => this.#logger.warn({ reason, err: (err as Error).message }, 'media wiring failed after an event'));
  }

  /**
   * Runs passes until no request is pending. A failed pass does not drop requests made meanwhile; the
   * loop rejects (for the callers awaiting it) only when its last pass failed.
   */
  async #loop(): Promise<void> {
    let failure: unknown;
    try {
      while (this.#dirty && !this.#stopped) {
        this.#dirty = false;
        try {
          await this.#pass();
          failure = undefined;
        } catch (err) {
          if (this.#stopped) return;
          failure = err;
          this.#logger.error({ err }, 'media wiring failed');
        }
      }
    } finally {
      this.#reconciling = undefined;
    }
    if (failure !== undefined) throw failure;
  }

  /** One pass: PBX leg on or off, what the softphone hears, what the PBX gets, and the path. */
  async #pass(): Promise<void> {
    const sp = this.#softphone;
    const pbx = this.#pbx;
    const link = this.#directMedia.linkOf(this.#party);
    const remote = pbx?.remote;
    const remoteIsOwnTuple = remote !== undefined && this.#directMedia.isLocal(remote.address, remote.port);
    const partnerGone = this.#partnerGoneFrom !== undefined && !link;
    const active = pbx !== undefined && pbx.connected && !remoteIsOwnTuple && !link && !partnerGone;
    // What the softphone hears pauses when the PBX does not send or the softphone does not receive (its
    // own SDP hold, a=sendonly); what the PBX gets pauses when we may not send or the softphone does not.
    const recvAllowed = this.#pbxDirection.recvAllowed && this.#softphoneDirection.softphoneReceives;
    const pbxVideo = this.#pbxVideo;
    await pbx?.setActive(active);
    await pbxVideo?.setActive(active);
    const conference = this.#conference;
    if (conference) {
      // In a conference each leg hears its mix feed (or nothing, when it is not a participant); the mixer
      // carries no video.
      await sp?.setDownlink(conference.softphone, !this.#softphoneDirection.softphoneReceives);
      await sp?.setVideoDownlink(undefined, true);
      await pbx?.setUplink(active ? conference.pbx : undefined, !this.#pbxDirection.sendAllowed);
      await pbxVideo?.setUplink(undefined, true);
    } else if (sp) {
      if (link) {
        const peer = link.peerOf(this.#party);
        await sp.setDownlink(await link.sourceFor(this.#party), !recvAllowed || !peer.sendAllowed);
        // Video is linked like audio and pauses with it (hold); a new Consumer asks for a key frame.
        if (sp.hasVideo) await sp.setVideoDownlink(await link.sourceFor(this.#party, 'video'), !recvAllowed || !peer.sendAllowed);
      } else {
        await sp.setDownlink(active ? pbx?.producer : undefined, !recvAllowed);
        // The PBX's video, paused with the audio; a new or resumed Consumer asks the PBX for a key frame
        // (PLI/FIR through the PBX video Producer's RTCP feedback).
        await sp.setVideoDownlink(active ? pbxVideo?.producer : undefined, !recvAllowed);
      }
    }
    if (!conference) {
      const uplinkPaused = !this.#pbxDirection.sendAllowed || !this.#softphoneDirection.softphoneSends;
      await pbx?.setUplink(active ? sp?.producer : undefined, uplinkPaused);
      await pbxVideo?.setUplink(active ? sp?.videoProducer : undefined, uplinkPaused);
    }
    if (link) this.#partnerGoneFrom = undefined;
    // A partner that closed does not change the path: it changes when an SDP re-targets the call.
    const path: MediaPath | null = partnerGone ? this.#path : link ? 'direct' : remote ? 'pbx' : null;
    if (path !== null && path !== this.#path) {
      this.#path = path;
      this.#logger.info({ path }, 'media path');
      this.emit('path', path);
    }
    this.emit('wired');
  }
}
