import type { ClientSession } from '../session/ClientSession.ts';
import type { EventHandlers, InvokeHandlers } from '../protocol/mod.ts';
import { AvCallEvents } from './AvCallEvents.ts';
import { AvOperations } from './AvOperations.ts';
import { AvTransfer } from './AvTransfer.ts';
import { CallForwarding } from './CallForwarding.ts';
import { CallPickup } from './CallPickup.ts';
import { IncomingCallVerdict } from './IncomingCallVerdict.ts';
import { SoftphoneCalls } from './SoftphoneCalls.ts';
import { SoftphoneDeviceControl } from './SoftphoneDeviceControl.ts';
import { SoftphoneReattach } from './SoftphoneReattach.ts';
import { SoftphoneRenegotiation } from './SoftphoneRenegotiation.ts';
import type { IncomingCallDecision, IncomingCallRequest, SoftphoneServiceDeps } from './SoftphoneServiceTypes.ts';

/**
 * The ENetUC AV (WebRTC softphone) side, built from its parts around one table of softphone calls: the
 * client's requests (AvOperations), the AV events that follow the calls (AvCallEvents), the verdict on
 * an incoming call (IncomingCallVerdict) and third-party control of the softphone for CTI (`devices`).
 * Media nodes and the pbx-adapter are reached through the MediaClient and PbxClient it is given.
 */
export class SoftphoneService {
  /** Third-party call control of softphones, for the CtiService. */
  readonly devices: SoftphoneDeviceControl;
  /** The softphone side of a pickup, for the CtiService. */
  readonly pickup: CallPickup;
  readonly #operations: AvOperations;
  readonly #transfer: AvTransfer;
  readonly #events: AvCallEvents;
  readonly #verdict: IncomingCallVerdict;
  readonly #forwarding: CallForwarding;
  readonly #renegotiation: SoftphoneRenegotiation;
  readonly #reattach: SoftphoneReattach;

  constructor(deps: SoftphoneServiceDeps) {
    const part = { softphoneCalls: new SoftphoneCalls(), logger: deps.logger.child({ component: 'softphone' }) };
    const { media, pbx, lines, sessions } = deps;
    this.devices = new SoftphoneDeviceControl(sessions, part);
    const renegotiation = (this.#renegotiation = new SoftphoneRenegotiation({ ...part, media }));
    const forwarding = (this.#forwarding = new CallForwarding({ pbx, calls: deps.calls, logger: part.logger }));
    this.#operations = new AvOperations({ ...part, media, pbx, lines, placement: deps.placement, config: deps.config, remote: this.devices, forwarding, calls: deps.calls, renegotiation });
    this.#events = new AvCallEvents({ ...part, media, pbx, calls: deps.calls, sessions, placement: deps.placement });
    this.#transfer = new AvTransfer({ ...part, pbx, calls: deps.calls });
    this.pickup = new CallPickup({ ...part, media, pbx, sessions, forwarding });
    this.#reattach = new SoftphoneReattach({ ...part, pbx, lines, calls: deps.calls });
    this.#verdict = new IncomingCallVerdict({ ...part, media, lines, sessions, config: deps.config, routing: deps.routing, forwarding });
  }

  /** The asnAV* operations a client may send. */
  operations(): { invokes: Partial<InvokeHandlers<ClientSession>>; events: Partial<EventHandlers<ClientSession>> } {
    const { invokes, events } = this.#operations.operations();
    return { invokes: { ...invokes, asnUcsReattachAVCall: (arg, session) => this.#reattach.reattach(arg, session) }, events: { ...events, ...this.#transfer.events() } };
  }

  /** The pbx-adapter's CtiCommands.incomingCall: accept (offering the call to the softphone) or refuse. */
  incomingCall(request: IncomingCallRequest): Promise<IncomingCallDecision> {
    return this.#verdict.decide(request);
  }

  /** The pbx-adapter's CtiCommands.renegotiate: a PBX re-INVITE changed the call's video; re-offer to its softphone. */
  renegotiate(callId: string): Promise<{ video: boolean }> {
    return this.#renegotiation.renegotiate(callId);
  }

  close(): void {
    this.#events.close();
    this.#forwarding.close();
  }
}
