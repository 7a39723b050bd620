import type { CallList } from './CallList.ts';
import type { EnetucConnection } from './EnetucConnection.ts';
import { EnetucError } from './EnetucError.ts';
import { endMedia, isEnded, moveTo } from './phoneCalls.ts';
import type { ReattachResult } from './protocol.ts';
import type { PhoneCall } from './SoftphoneTypes.ts';

/**
 * How long a call outlives the loss of the connection to the server while the page reconnects: its
 * WebRTC media runs to the media node, not through the gateway, so it goes on meanwhile. Past this the
 * call ends here (the server ends it too, once the gateway's loss grace runs out).
 */
export const REATTACH_WINDOW_MS = 60_000;

export interface AvReattachDeps {
  calls: CallList;
  /** The model changed. */
  changed(): void;
  /** Which tone plays may have changed. */
  updateTones(): void;
}

/**
 * Issue 18, the page's side: when the connection to the server is lost (the gateway died, the load
 * balancer sends us to another), the answered calls whose media runs keep their peer connection; after
 * the next login they are presented to the new session (asnUcsReattachAVCall, ucserver's own operation),
 * which takes them over from what the bus keeps. A call the server refuses (ended meanwhile, or not ours)
 * ends here with the reason; one never presented ends after REATTACH_WINDOW_MS.
 */
export class AvReattach {
  readonly #deps: AvReattachDeps;
  /** Calls waiting to be re-attached, by key, with the timer that ends them. */
  readonly #waiting = new Map<string, number>();

  constructor(deps: AvReattachDeps) {
    this.#deps = deps;
  }

  /** Calls waiting for a session to re-attach them. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** The connection is lost: keeps `call` for re-attaching if its media runs; false when it must end. */
  keep(call: PhoneCall): boolean {
    const av = call.av;
    if (!av?.peer || av.ended || !av.callId || !call.id || (call.state !== 'connected' && call.state !== 'held')) return false;
    if (av.peer.connectionState === 'failed' || av.peer.connectionState === 'closed') return false;
    // Counted from the first loss: a reconnect that fails again does not extend the window.
    if (!this.#waiting.has(call.key)) this.#waiting.set(call.key, window.setTimeout(() => this.#end(call, 'not re-attached in time'), REATTACH_WINDOW_MS));
    return true;
  }

  /** Presents every kept call to the new session; resolves once each is re-attached or ended. */
  async reattach(conn: EnetucConnection): Promise<void> {
    const keys = [...this.#waiting.keys()];
    await Promise.all(keys.map(async (key) => {
      const call = this.#deps.calls.get(key);
      const av = call?.av;
      if (!call || !av || av.ended || isEnded(call)) {
        this.#forget(key);
        return;
      }
      const direction = av.peer?.currentDirection;
      try {
        const r = await conn.invoke<ReattachResult>('asnUcsReattachAVCall', {
          u8sCTIConnectionID: call.id,
          u8sCallID: av.callId,
          bHeld: direction === 'sendonly' || direction === 'inactive',
          bVideo: av.peer?.hasVideo ?? false,
        });
        this.#forget(key);
        av.callId = r.callAndConnectionID.u8sCallID;
        av.ownEndpoint = r.callAndConnectionID.u8sEndpointID;
        av.remoteEndpoint = r.endpointIDRemote || av.remoteEndpoint;
        this.#deps.changed();
      } catch (err) {
        // Lost again before the answer: the call waits for the next session (its timer still runs).
        if (conn.closed) return;
        const text = err instanceof EnetucError ? err.text : (err as Error).message;
        this.#end(call, `re-attach refused: ${text}`);
      }
    }));
  }

  /** Ends every kept call (log out). */
  clear(reason: string): void {
    for (const key of [...this.#waiting.keys()]) {
      const call = this.#deps.calls.get(key);
      if (call) this.#end(call, reason);
      else this.#forget(key);
    }
  }

  #end(call: PhoneCall, cause: string): void {
    this.#forget(call.key);
    endMedia(call);
    call.cause ??= cause;
    moveTo(call, 'destroyed');
    this.#deps.updateTones();
    this.#deps.changed();
  }

  #forget(key: string): void {
    window.clearTimeout(this.#waiting.get(key));
    this.#waiting.delete(key);
  }
}
