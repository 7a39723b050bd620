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
 * sampling round). A call missing from its node's next report has ended there and is dropped; so are
 * the calls of a node gone down (forgetNode).
 */
export class LiveQuality extends EventEmitter<LiveQualityEvents> {
  readonly #calls = new Map<string, LiveCallQuality>();

  get(callId: string): LiveCallQuality | undefined {
    return this.#calls.get(callId);
  }

  apply(report: MediaQualityReport): void {
    const seen = new Set<string>();
    for (const c of report.calls) {
      seen.add(c.callId);
      this.#calls.set(c.callId, { ...c, nodeId: report.nodeId, at: report.at });
    }
    for (const [callId, c] of this.#calls) if (c.nodeId === report.nodeId && !seen.has(callId)) this.#calls.delete(callId);
    this.emit('report', report.nodeId);
  }

  forgetNode(nodeId: string): void {
    for (const [callId, c] of this.#calls) if (c.nodeId === nodeId) this.#calls.delete(callId);
  }

  forget(callId: string): void {
    this.#calls.delete(callId);
  }
}
