import { dialTarget } from '../cti/ctiMapping.ts';
import type { ArgumentOf, EventHandlers } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import type { SoftphoneCall } from './SoftphoneCall.ts';
import type { AvTransferDeps } from './SoftphoneServiceTypes.ts';

type TransferArgument = ArgumentOf<'asnAVTransferStart'>;

/** SIP statuses the results carry (iTransferResult). */
const ACCEPTED = 202;
const OK = 200;
const BAD_REQUEST = 400;
const NO_SUCH_CALL = 481;
const SERVER_ERROR = 500;

/** The SIP status of a failed transfer as the pbx-adapter reports it ("REFER failed: 404 ..."), else 500. */
export function transferStatusOf(err: unknown): number {
  const m = /REFER failed: (\d{3})\b/.exec((err as Error | undefined)?.message ?? '');
  return m ? Number(m[1]) : SERVER_ERROR;
}

/**
 * The softphone's transfer messages (ENetUC_AV asnAVTransferGetID / asnAVTransferStart, events both ways)
 * mapped onto the transfers CTI already does: GetID answers with the consultation call's id (the CTI
 * connection id); Start with that id as `u8sTransferTargetID` is the attended transfer of asnCtiMergeCalls
 * (REFER with Replaces to the consultation call's far end), without it a blind transfer to
 * `u8sUriTransferTo` (REFER, as asnCtiRedirectCall). The result carries the outcome as a SIP status: 202
 * once the transfer is under way (the call then ends 'redirected' as usual), or the failure's status (404
 * from the target, 481 for a call the client does not have, 400 for a target that is no number).
 */
export class AvTransfer {
  readonly #deps: AvTransferDeps;

  constructor(deps: AvTransferDeps) {
    this.#deps = deps;
  }

  events(): Partial<EventHandlers<ClientSession>> {
    return {
      asnAVTransferGetID: (arg, session) => {
        const call = this.#deps.softphoneCalls.find(session, arg.u8sCallID);
        const talking = call && this.#talking(call.callId);
        this.#reply(session, 'asnAVTransferGetIDResult', arg, call, talking ? OK : NO_SUCH_CALL, talking ? call.callId : undefined);
      },
      asnAVTransferStart: async (arg, session) => {
        const call = this.#deps.softphoneCalls.find(session, arg.u8sCallID);
        if (!call || !this.#talking(call.callId)) {
          this.#reply(session, 'asnAVTransferStartResult', arg, call, NO_SUCH_CALL);
          return;
        }
        this.#reply(session, 'asnAVTransferStartResult', arg, call, await this.#start(arg, session, call));
      },
    };
  }

  /** Runs the transfer; resolves to the result's SIP status. */
  async #start(arg: TransferArgument, session: ClientSession, call: SoftphoneCall): Promise<number> {
    const { pbx, calls, logger } = this.#deps;
    let target: string | undefined;
    let replaces: string | undefined;
    if (arg.u8sTransferTargetID) {
      const consulted = this.#deps.softphoneCalls.find(session, arg.u8sTransferTargetID);
      const active = consulted && calls.get(consulted.callId);
      if (!consulted || !active || consulted.callId === call.callId || !this.#talking(consulted.callId) || active.lineId !== calls.get(call.callId)?.lineId) return NO_SUCH_CALL;
      target = active.remoteNumber;
      replaces = consulted.callId;
    } else {
      target = dialTarget(arg.u8sUriTransferTo);
      if (!target) return BAD_REQUEST;
    }
    try {
      await pbx.redirect(call.callId, target, replaces);
      logger.info({ callId: call.callId, target, replaces }, 'softphone transfer under way');
      return ACCEPTED;
    } catch (err) {
      logger.info({ err, callId: call.callId, target }, 'softphone transfer failed');
      return transferStatusOf(err);
    }
  }

  /**
   * The call is connected or held (a ringing call is not transferred by the softphone). An outgoing call
   * whose softphone was connected on the media node's pushed answer counts as connected before the
   * pbx-adapter's `connected` arrives (AvCallEvents): the PBX has answered it then.
   */
  #talking(callId: string): boolean {
    const state = this.#deps.calls.get(callId)?.state;
    if (state === 'connected' || state === 'held') return true;
    const call = this.#deps.softphoneCalls.get(callId);
    return state !== 'disconnected' && call?.direction === 'outbound' && call.answered && !call.ended;
  }

  #reply(session: ClientSession, name: 'asnAVTransferGetIDResult' | 'asnAVTransferStartResult', arg: TransferArgument, call: SoftphoneCall | undefined, status: number, targetId?: string): void {
    session.sendEvent(name, {
      u8sCallID: arg.u8sCallID,
      endpointIDTo: call?.clientEndpoint ?? arg.endpointIDFrom,
      endpointIDFrom: call?.remoteEndpoint ?? arg.endpointIDTo,
      iTransferResult: status,
      u8sUriTransferTo: arg.u8sUriTransferTo,
      u8sUriTransferFrom: arg.u8sUriTransferFrom,
      ...(targetId !== undefined ? { u8sTransferTargetID: targetId } : {}),
    });
  }
}
