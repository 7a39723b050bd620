import { EventEmitter } from 'node:events';
import { CallStateError } from '../errors.ts';
import { mixMinusOne } from './mix.ts';
import type { MixParticipant } from './MixParticipant.ts';
import { frameMs, frameSamples } from './ConferenceCodecTypes.ts';
import type { MixSink, MixerEvents, MixerOptions, MixerStats } from './MixerTypes.ts';

/**
 * Ticks made up at once after the event loop was late (200 ms: within the jitter buffers' 16 packets);
 * beyond that the clock jumps and those frames are not sent (a bounded burst).
 */
const maxCatchUp = 10;

/**
 * The mix of one conference: every 20 ms each participant's next frame is taken, each gets the sum of
 * the others (N-1, clip-safe) encoded in its own codec and handed to its sink. The clock is a timer
 * corrected against the monotonic clock, so the frame rate does not drift with timer lateness.
 */
export class Mixer extends EventEmitter<MixerEvents> {
  readonly #maxParticipants: number;
  readonly #participants = new Map<string, { participant: MixParticipant; sink: MixSink }>();
  readonly #sum = new Int32Array(frameSamples);
  readonly #stats: MixerStats = { ticks: 0, skippedTicks: 0, busyMs: 0 };
  readonly #manual: boolean;
  #timer: NodeJS.Timeout | undefined;
  #nextAt = 0;
  #closed = false;

  constructor(options: MixerOptions) {
    super();
    if (!(options.maxParticipants >= 2)) throw new RangeError(`a mix needs room for 2 participants at least (got ${options.maxParticipants})`);
    this.#maxParticipants = options.maxParticipants;
    this.#manual = options.manualClock ?? false;
  }

  get maxParticipants(): number {
    return this.#maxParticipants;
  }

  get size(): number {
    return this.#participants.size;
  }

  get stats(): Readonly<MixerStats> {
    return this.#stats;
  }

  get closed(): boolean {
    return this.#closed;
  }

  participant(id: string): MixParticipant | undefined {
    return this.#participants.get(id)?.participant;
  }

  /** @throws CallStateError when the mix is full, closed, or has the id already */
  add(participant: MixParticipant, sink: MixSink): void {
    if (this.#closed) throw new CallStateError(`the conference is closed [participant:${participant.id}]`);
    if (this.#participants.has(participant.id)) throw new CallStateError(`already in the conference [participant:${participant.id}]`);
    if (this.#participants.size >= this.#maxParticipants) throw new CallStateError(`the conference is full (${this.#maxParticipants} participants) [participant:${participant.id}]`);
    this.#participants.set(participant.id, { participant, sink });
    if (!this.#manual && !this.#timer) this.#start();
  }

  /** Takes a participant out (closing it); the others mix on. Returns whether it was in. */
  remove(id: string): boolean {
    const entry = this.#participants.get(id);
    if (!entry) return false;
    this.#participants.delete(id);
    entry.participant.close();
    if (this.#participants.size === 0) this.#stop();
    return true;
  }

  /** One 20 ms frame for everyone. */
  tick(): void {
    const started = performance.now();
    const entries = [...this.#participants.values()];
    const inputs = entries.map((e) => e.participant.take());
    mixMinusOne(inputs, entries.map((e) => e.participant.feed), this.#sum);
    for (const { participant, sink } of entries) {
      try {
        sink(participant.emit());
      } catch (err) {
        this.emit('error', err as Error);
      }
    }
    this.#stats.ticks += 1;
    this.#stats.busyMs += performance.now() - started;
  }

  /** Stops the clock and closes every participant. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    for (const { participant } of this.#participants.values()) participant.close();
    this.#participants.clear();
  }

  #start(): void {
    this.#nextAt = performance.now() + frameMs;
    this.#schedule();
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, this.#nextAt - performance.now()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (this.#closed || this.#participants.size === 0) return;
    let due = Math.floor((performance.now() - this.#nextAt) / frameMs) + 1;
    if (due > maxCatchUp) {
      this.#stats.skippedTicks += due - maxCatchUp;
      this.#nextAt += (due - maxCatchUp) * frameMs;
      due = maxCatchUp;
    }
    for (let i = 0; i < due; i++) {
      try {
        this.tick();
      } catch (err) {
        this.emit('error', err as Error);
      }
      this.#nextAt += frameMs;
    }
    if (!this.#closed && this.#participants.size > 0) this.#schedule();
  }
}
