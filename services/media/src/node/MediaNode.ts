import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { CaptureInfo, CodecName, IceCandidate, Logger, MediaCallDump, MediaCallLiveQuality, MediaNodeHeartbeat, MediaPath, MediaQuality, SrtpPolicy } from '@ucserver/shared';
import { MediaCall } from '../calls/MediaCall.ts';
import type { MediaCallSample } from '../calls/MediaCallTypes.ts';
import { DirectMedia } from '../directMedia/DirectMedia.ts';
import { offeredTuple, parseNewPbxOffer } from '../directMedia/partnerToBe.ts';
import { captureSubject } from '../capture/captureSubject.ts';
import { ConferenceRooms } from '../conference/ConferenceRooms.ts';
import type { ConferenceLeg, ConferenceState } from '../conference/ConferenceRoomsTypes.ts';
import type { CaptureStore } from '../capture/CaptureStore.ts';
import type { CaptureStartOptions } from '../capture/CaptureStoreTypes.ts';
import { CallNotFoundError, CaptureWriteError, DrainingError } from '../errors.ts';
import type { WorkerPool } from '../workers/WorkerPool.ts';
import type { MediaNodeEvents, MediaNodeOptions } from './MediaNodeTypes.ts';

/** Calls sampled concurrently in one stats round. */
const sampleBatch = 8;
/**
 * How long a command that may overtake its call's creating command waits for it (see #arriving): NATS
 * keeps the order of one publisher's messages only, and the gateway and the pbx-adapter send a call's
 * first commands side by side.
 */
const arrivalWaitMs = 2000;
/** Commands waiting for their call at once, at most; beyond, a command for an unknown call fails at once. */
const maxArrivalWaiters = 1000;
/** Ended calls remembered, so a late command for one fails at once instead of waiting for it. */
const goneCalls = 10_000;
/** The media service's version (its package.json), announced in the heartbeat. */
const mediaVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The media node's domain root: its calls (each on a shared router of the least-loaded worker, or of
 * the call it will likely be linked with), Direct Media between them, and the draining state. A call is created by the first of three commands, which a
 * draining node refuses:
 * - softphoneOffer: the softphone's SDP offer, for an outgoing softphone call (pbxCreateOffer follows);
 * - pbxOffer: the PBX's SDP offer in an incoming INVITE (for a known call it is a re-INVITE);
 * - pbxLateOffer: our own offer for an incoming INVITE without SDP (late offer; the ACK answers it).
 * Every other command for an unknown call fails with CallNotFoundError.
 */
export class MediaNode extends EventEmitter<MediaNodeEvents> {
  readonly nodeId: string;
  readonly pool: WorkerPool;
  readonly addresses: string[];
  readonly #logger: Logger;
  readonly #directMedia: DirectMedia;
  readonly #startedAt = Date.now();
  readonly #calls = new Map<string, MediaCall>();
  /** Commands waiting for their call to be created, by call id. */
  readonly #arrivals = new Map<string, Set<() => void>>();
  #arrivalWaiters = 0;
  /** Calls ended lately (oldest first): a command for one does not wait. */
  readonly #gone = new Set<string>();
  readonly #ssrcWatchdog: MediaNodeOptions['ssrcWatchdog'];
  readonly #captures: CaptureStore | undefined;
  readonly conferences: ConferenceRooms;
  #draining = false;

  constructor(options: MediaNodeOptions) {
    super();
    this.nodeId = options.nodeId;
    this.pool = options.pool;
    this.addresses = options.addresses;
    this.#logger = options.logger;
    this.#directMedia = new DirectMedia({ logger: options.logger });
    this.#ssrcWatchdog = options.ssrcWatchdog;
    this.#captures = options.captures;
    this.conferences = new ConferenceRooms({
      maxParticipants: options.conference?.maxParticipants ?? 6,
      maxConferences: options.conference?.maxRooms ?? 50,
      partnerOf: (call) => this.#directPartner(call.id),
      logger: options.logger,
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  get calls(): ReadonlyMap<string, MediaCall> {
    return this.#calls;
  }

  call(callId: string): MediaCall | undefined {
    return this.#calls.get(callId);
  }

  /** With `answerTo` (a gateway's instance id), 'softphoneanswer' brings the answer once the codec is fixed. */
  softphoneOffer(callId: string, sdp: string, answerTo?: string): Promise<{ legId: string; codecs: CodecName[] }> {
    return this.#create(callId, (call) => call.softphoneOffer(sdp, answerTo));
  }

  softphoneAnswer(callId: string): Promise<{ sdp: string }> {
    return this.#existing(callId, 'softphoneAnswer').softphoneAnswer();
  }

  /** May come before the pbxOffer that creates the call (the gateway asks while the adapter offers): waits for it. */
  async softphoneCreateOffer(callId: string): Promise<{ legId: string; sdp: string }> {
    return (await this.#arriving(callId, 'softphoneCreateOffer')).softphoneCreateOffer();
  }

  softphoneApplyAnswer(callId: string, sdp: string): Promise<void> {
    return this.#existing(callId, 'softphoneApplyAnswer').softphoneApplyAnswer(sdp);
  }

  softphoneCandidate(callId: string, candidate: IceCandidate | null): Promise<void> {
    return this.#existing(callId, 'softphoneCandidate').softphoneCandidate(candidate);
  }

  softphoneReoffer(callId: string, sdp: string): Promise<{ sdp: string }> {
    return this.#existing(callId, 'softphoneReoffer').softphoneReoffer(sdp);
  }

  softphoneCreateReoffer(callId: string): Promise<{ sdp: string | null }> {
    return this.#existing(callId, 'softphoneCreateReoffer').softphoneCreateReoffer();
  }

  softphoneApplyReanswer(callId: string, sdp: string | null): Promise<{ video: boolean }> {
    return this.#existing(callId, 'softphoneApplyReanswer').softphoneApplyReanswer(sdp);
  }

  pbxVideoOffer(callId: string, video: boolean): Promise<{ sdp: string | null }> {
    return this.#existing(callId, 'pbxVideoOffer').pbxVideoOffer(video);
  }

  /** May come before the softphoneOffer that creates the call (the gateway offers while the adapter calls): waits for it. */
  async pbxCreateOffer(callId: string, srtp: SrtpPolicy): Promise<{ legId: string; sdp: string }> {
    return (await this.#arriving(callId, 'pbxCreateOffer')).pbxCreateOffer(srtp);
  }

  /** An incoming INVITE without SDP: creates the call with a PBX leg (next to call `near`, if given) and returns our offer. */
  pbxLateOffer(callId: string, srtp: SrtpPolicy, near?: string): Promise<{ legId: string; sdp: string }> {
    return this.#create(callId, (c) => c.pbxLateOffer(srtp), near === undefined ? undefined : this.#calls.get(near));
  }

  /** `answered`: the answer came in the PBX's 2xx (not early media); the pushed softphone answer says so. */
  pbxApplyAnswer(callId: string, sdp: string, answered = false): Promise<{ codec: CodecName; mediaPath: MediaPath }> {
    return this.#existing(callId, 'pbxApplyAnswer').pbxApplyAnswer(sdp, answered);
  }

  /**
   * An incoming INVITE for an unknown call creates it; for a known call it is a re-INVITE. A new call
   * whose offer points at another call's PBX tuple (a pass-through PBX: Direct Media to be) goes next to
   * that call: its worker, and its router when the payload types agree, so the link needs no pipe.
   * Otherwise a new call goes next to `near` (the pbx-adapter's hint: the other leg of the conversation
   * through the PBX, from the INVITE's media mark), when this node carries it.
   */
  pbxOffer(callId: string, sdp: string, near?: string): Promise<{ legId: string; sdp: string; codec: CodecName; mediaPath: MediaPath; softphoneRenegotiate?: boolean }> {
    const call = this.#calls.get(callId);
    if (call) return call.pbxOffer(sdp);
    const offer = parseNewPbxOffer(sdp);
    const tuple = offeredTuple(offer);
    const owner = tuple && this.#directMedia.ownerOf(tuple.address, tuple.port);
    const next = owner ? this.#calls.get(owner.id) : near === undefined ? undefined : this.#calls.get(near);
    return this.#create(callId, (c) => c.pbxOffer(sdp, offer), next);
  }

  pbxHoldOffer(callId: string, hold: boolean): Promise<{ sdp: string }> {
    return this.#existing(callId, 'pbxHoldOffer').pbxHoldOffer(hold);
  }

  /** Mixes the legs of calls on this node (see ConferenceRooms). */
  conferenceJoin(conferenceId: string, members: { callId: string; legs: ConferenceLeg[] }[]): Promise<ConferenceState> {
    return this.conferences.join(conferenceId, members.map((m) => ({ call: this.#existing(m.callId, 'conferenceJoin'), legs: m.legs })));
  }

  conferenceLeave(conferenceId: string, callId: string): Promise<ConferenceState> {
    return this.conferences.leave(conferenceId, callId);
  }

  /**
   * The call whose softphone leg `callId` is linked to by Direct Media: the call of this node that owns
   * the Producer the link brings (links exist only between calls of one node).
   */
  #directPartner(callId: string): MediaCall | undefined {
    const producer = this.#calls.get(callId)?.directPartnerProducer;
    if (!producer) return undefined;
    for (const call of this.#calls.values()) if (call.id !== callId && call.softphoneProducer === producer) return call;
    return undefined;
  }

  /** Closes a call; null when it is unknown or already closed (closing twice is fine). */
  async close(callId: string, cause = 'normal'): Promise<MediaQuality | null> {
    const call = this.#calls.get(callId);
    if (!call) return null;
    await this.#captures?.callClosing(callId);
    return call.close(cause);
  }

  dump(callId: string): MediaCallDump {
    return this.#existing(callId, 'dump').dump();
  }

  /** Starts capturing a call (see CaptureStore); the call may be ringing. */
  captureStart(callId: string, options: CaptureStartOptions): Promise<CaptureInfo> {
    const call = this.#existing(callId, 'captureStart');
    return this.captures.start(captureSubject(call), options);
  }

  captureStop(callId: string): Promise<CaptureInfo> {
    return this.captures.stop(callId, 'requested');
  }

  get captures(): CaptureStore {
    if (!this.#captures) throw new CaptureWriteError('capture is not configured on this media node');
    return this.#captures;
  }

  /** Samples every call's stats (for metrics); failures of single calls are logged and skipped. */
  async sample(): Promise<MediaCallSample[]> {
    // A few calls at a time: every call costs its worker six stats requests, and a burst of thousands
    // holds up the worker's packet loop long enough to show as jitter and socket-buffer loss.
    const calls = [...this.#calls.values()];
    const samples: MediaCallSample[] = [];
    for (let i = 0; i < calls.length; i += sampleBatch) {
      const results = await Promise.allSettled(calls.slice(i, i + sampleBatch).map((c) => c.sample()));
      for (const r of results) {
        if (r.status === 'fulfilled') samples.push(r.value);
        else this.#logger.debug({ err: (r.reason as Error).message }, 'call stats sample failed');
      }
    }
    return samples;
  }

  /** Each call's worker, codec, path and quality so far (after a sampling round: the live report). */
  liveQuality(): MediaCallLiveQuality[] {
    return [...this.#calls.values()].map((c) => ({ callId: c.id, worker: c.worker.index, codec: c.codecName ?? null, path: c.path, quality: c.quality }));
  }

  get callCount(): number {
    return this.#calls.size;
  }

  /** Takes new calls again after a drain (an operator's undo; a node shutting down stays drained). */
  resume(): void {
    if (!this.#draining) return;
    this.#draining = false;
    this.#logger.info('draining stopped: taking calls again');
    this.emit('draining');
  }

  /** Calls and legs by media path (null: no PBX remote yet). */
  pathCounts(): { calls: Record<MediaPath | 'none', number>; legs: Record<MediaPath | 'none', number> } {
    const calls = { pbx: 0, direct: 0, none: 0 };
    const legs = { pbx: 0, direct: 0, none: 0 };
    for (const call of this.#calls.values()) {
      const key = call.path ?? 'none';
      calls[key] += 1;
      legs[key] += call.legCount;
    }
    return { calls, legs };
  }

  heartbeat(intervalMs: number): MediaNodeHeartbeat {
    let legs = 0;
    for (const call of this.#calls.values()) legs += call.legCount;
    return {
      nodeId: this.nodeId,
      addresses: this.addresses,
      workers: this.pool.size,
      workersAlive: this.pool.workers.length,
      calls: this.#calls.size,
      legs,
      load: Math.round(this.pool.load * 1000) / 1000,
      draining: this.#draining,
      workerStats: this.pool.workers.map((w) => ({ index: w.index, pid: w.pid, calls: w.callCount, routers: w.routerCount, cpu: Math.round(w.cpu * 1000) / 1000 })),
      startedAt: this.#startedAt,
      version: mediaVersion,
      at: Date.now(),
      intervalMs,
    };
  }

  /**
   * Stops taking new calls, lets running ones end for up to `timeoutMs`, then closes the rest (each
   * publishes its summary through `callclose`).
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      this.#logger.info({ calls: this.#calls.size, timeoutMs }, 'draining');
      this.emit('draining');
    }
    if (this.#calls.size > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.once('@empty', done);
      });
    }
    // Calls still running now end because of us, not because of their parties: report them as failed so
    // the gateway and the pbx-adapter hang them up instead of leaving both ends connected to nothing.
    await this.closeAll('media node shutting down', { failed: true });
  }

  async closeAll(cause: string, options: { failed?: boolean } = {}): Promise<void> {
    this.conferences.closeAll();
    if (options.failed) for (const id of this.#calls.keys()) this.emit('callfailed', id, cause);
    await Promise.all([...this.#calls.values()].map((c) => c.close(cause)));
  }

  #existing(callId: string, command: string): MediaCall {
    const call = this.#calls.get(callId);
    if (!call) throw new CallNotFoundError(callId, command);
    return call;
  }

  /**
   * The call, once its creating command has arrived: at most arrivalWaitMs, and not at all for a call
   * that ended here lately or when maxArrivalWaiters commands wait already (CallNotFoundError). A command
   * that waited is queued behind the creating one, as if it had come second.
   */
  async #arriving(callId: string, command: string): Promise<MediaCall> {
    const known = this.#calls.get(callId);
    if (known) return known;
    if (this.#gone.has(callId) || this.#arrivalWaiters >= maxArrivalWaiters) throw new CallNotFoundError(callId, command);
    this.#arrivalWaiters += 1;
    try {
      await new Promise<void>((resolve) => {
        const waiters = this.#arrivals.get(callId) ?? new Set<() => void>();
        this.#arrivals.set(callId, waiters);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          if (waiters.size === 0 && this.#arrivals.get(callId) === waiters) this.#arrivals.delete(callId);
          resolve();
        };
        const timer = setTimeout(done, arrivalWaitMs);
        waiters.add(done);
      });
    } finally {
      this.#arrivalWaiters -= 1;
    }
    return this.#existing(callId, command);
  }

  /** Runs a call-creating command; a call whose first command fails is discarded without a trace. */
  async #create<T>(callId: string, command: (call: MediaCall) => Promise<T>, near?: MediaCall): Promise<T> {
    const existing = this.#calls.get(callId);
    if (existing) return command(existing);
    if (this.#draining) throw new DrainingError(callId);
    const nearby = near && !near.closed && !near.worker.closed ? near : undefined;
    const call = new MediaCall({
      id: callId,
      worker: nearby?.worker ?? this.pool.pick(),
      preferRouter: nearby?.router,
      directMedia: this.#directMedia,
      logger: this.#logger,
      ssrcWatchdog: this.#ssrcWatchdog,
    });
    this.#calls.set(callId, call);
    // Commands that overtook this one run after it: it is queued on the call before they wake.
    const waiting = this.#arrivals.get(callId);
    let announced = false;
    call.on('path', (path) => this.emit('callpath', callId, path));
    call.on('wired', () => this.#captures?.sync(callId));
    call.on('failed', (cause) => this.emit('callfailed', callId, cause));
    call.on('answer', (sdp, to, answered) => this.emit('softphoneanswer', callId, to, sdp, answered));
    call.on('close', (quality, cause, video) => {
      if (this.#calls.get(callId) === call) this.#calls.delete(callId);
      this.#gone.add(callId);
      if (this.#gone.size > goneCalls) this.#gone.delete(this.#gone.values().next().value!);
      this.#captures?.callEnded(callId);
      if (announced) this.emit('callclose', callId, quality, cause, video);
      if (this.#calls.size === 0) this.emit('@empty');
    });
    const run = command(call);
    if (waiting) for (const wake of [...waiting]) wake();
    try {
      const result = await run;
      announced = true;
      return result;
    } catch (err) {
      if (call.legCount === 0) await call.close('creation failed');
      else announced = true;
      throw err;
    }
  }
}
