import { EventEmitter } from 'node:events';
import type { MediaCallLiveQuality, MediaQualityReport } from '@ucserver/shared';

/** The latest figures of one call, and the node and time they came from. */
export interface LiveCallQuality extends MediaCallLiveQuality {
  nodeId: string;
  at: number;
}

export interface LiveQualityEvents {
  /** A node reported; the figures of its calls changed. */
  report: [nodeId: string];
}

/**
 * The live quality of running calls, fed by the media nodes' `media.quality` reports (one per node per
 * sampling round, in parts when large). A call missing from its node's next round has ended there and
 * is dropped; so are the calls of a node gone down (forgetNode).
 */
export class LiveQuality extends EventEmitter<LiveQualityEvents> {
  readonly #calls = new Map<string, LiveCallQuality>();

  get(callId: string): LiveCallQuality | undefined {
    return this.#calls.get(callId);
  }

  /** Records one report (or part of one); the round's last part drops the node's calls it did not list. */
  apply(report: MediaQualityReport): void {
    for (const c of report.calls) this.#calls.set(c.callId, { ...c, nodeId: report.nodeId, at: report.at });
    if (!report.more) {
      for (const [callId, c] of this.#calls) if (c.nodeId === report.nodeId && c.at < report.at) this.#calls.delete(callId);
    }
    this.emit('report', report.nodeId);
  }

  forgetNode(nodeId: string): void {
    for (const [callId, c] of this.#calls) if (c.nodeId === nodeId) this.#calls.delete(callId);
  }

  forget(callId: string): void {
    this.#calls.delete(callId);
  }
}
