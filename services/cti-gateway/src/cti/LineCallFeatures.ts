import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { AsnCtiCallFeature } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { callInformation, linePhoneNumber } from './ctiMapping.ts';

/** Calls whose last sent features are remembered at most (live calls; a call never seen ending is dropped oldest first). */
const MAX_TRACKED = 100_000;

/**
 * The features each live call was last reported with, so that a change of a *sibling* call (the line's other
 * call put on hold, retrieved, gone) that changes this call's features without changing its state reaches
 * the line's monitors as asnCtiNotifyLineCallFeaturesChanged (ENetUC_CTI: "some changes do not change the call
 * state itself … in this case asnCtiNotifyLineCallFeaturesChanged will be sent").
 */
export class LineCallFeatures {
  readonly #sent = new Map<string, number>();

  /** A call's information was sent with these features (a disconnected call is forgotten). */
  sent(call: ActiveCall, features: number): void {
    if (call.state === 'disconnected') {
      this.#sent.delete(call.callId);
      return;
    }
    if (!this.#sent.has(call.callId) && this.#sent.size >= MAX_TRACKED) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(call.callId, features);
  }

  /** The line's other live calls whose features differ now from what was last sent (and remembers them). */
  changedSiblings(changed: ActiveCall, lineCalls: readonly ActiveCall[]): AsnCtiCallFeature[] {
    const list: AsnCtiCallFeature[] = [];
    for (const c of lineCalls) {
      if (c.callId === changed.callId || c.state === 'disconnected') continue;
      const features = callInformation(c, 'current', lineCalls).iFeatures;
      if (this.#sent.get(c.callId) === features) continue;
      this.sent(c, features);
      list.push({ u8sConnectionID: c.callId, iFeatures: features });
    }
    return list;
  }

  /** The line's other calls whose features this change altered (swap, merge, conference), to the line's monitors. */
  notifySiblings(changed: ActiveCall, lineCalls: readonly ActiveCall[], monitors: Iterable<{ session: ClientSession; crossRefId: string }>): void {
    const callFeaturesList = this.changedSiblings(changed, lineCalls);
    if (callFeaturesList.length === 0) return;
    for (const m of monitors) {
      m.session.sendEvent('asnCtiNotifyLineCallFeaturesChanged', { u8sLineMonitorCrossRefID: m.crossRefId, u8sLinePhoneNumber: linePhoneNumber(changed.lineNumber), callFeaturesList });
    }
  }
}
