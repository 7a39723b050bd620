import type { ClientSession } from '../session/ClientSession.ts';
import type { SoftphoneCall } from './SoftphoneCall.ts';

/** The running softphone calls, by call id: shared by the AV operations, the call events and device control. */
export class SoftphoneCalls {
  readonly #byCallId = new Map<string, SoftphoneCall>();

  get(callId: string): SoftphoneCall | undefined {
    return this.#byCallId.get(callId);
  }

  /** The call a client names by its AV call id (`av-<callId>`), if it is that client's. */
  find(session: ClientSession, avCallId: string): SoftphoneCall | undefined {
    const call = this.#byCallId.get(avCallId.startsWith('av-') ? avCallId.slice(3) : avCallId);
    return call && call.session === session ? call : undefined;
  }

  add(call: SoftphoneCall): void {
    this.#byCallId.set(call.callId, call);
  }

  /** The call ended: later events about it find nothing. */
  forget(call: SoftphoneCall): void {
    call.ended = true;
    this.#byCallId.delete(call.callId);
  }

  /** Calls whose media lives on the node. */
  onNode(nodeId: string): SoftphoneCall[] {
    return [...this.#byCallId.values()].filter((c) => c.mediaNodeId === nodeId);
  }

  /** Calls of one client session. */
  ofSession(session: ClientSession): SoftphoneCall[] {
    return [...this.#byCallId.values()].filter((c) => c.session === session);
  }
}
