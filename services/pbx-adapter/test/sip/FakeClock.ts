// Deterministic Clock for protocol timer tests: time only moves when advance() is called.
import type { Clock, TimerHandle } from '../../src/sip/mod.ts';

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly queue = new Map<number, Scheduled>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.queue.set(id, { id, at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.queue.delete(handle as number);
  }

  /** Number of scheduled timers. */
  get pending(): number {
    return this.queue.size;
  }

  /** Move time forward by `ms`, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const s of this.queue.values()) {
        if (s.at <= target && (!next || s.at < next.at || (s.at === next.at && s.id < next.id))) next = s;
      }
      if (!next) break;
      this.queue.delete(next.id);
      this.time = next.at;
      next.callback();
    }
    this.time = target;
  }
}
