// The commands the gateway sends to the pbx-adapter for one call, over the bus (PbxCommands through
// bus.pbx). Every failure becomes a PbxCommandError carrying the adapter's error code and the call id;
// callers decide whether a client hears of it (CTI call control) or it is only logged (clean-ups).
import { PbxCommands, REDIRECT_COMMAND_TIMEOUT_MS, type BusClient, type Command, type GatewayInstance, type RequestOf } from '@ucserver/shared';
import { PbxCommandError } from '../errors.ts';
import type { PbxCallList, PbxClientOptions, PbxDropReason, PbxMakeCall } from './PbxClientTypes.ts';

export class PbxClient {
  readonly #bus: BusClient;
  readonly #timeoutMs: number | undefined;
  readonly #gateway: GatewayInstance;
  readonly #owned: PbxClientOptions['owned'];

  constructor(options: PbxClientOptions) {
    this.#bus = options.bus;
    this.#timeoutMs = options.timeoutMs;
    this.#gateway = options.gateway;
    this.#owned = options.owned;
  }

  /** Places a call on a line, owned by this gateway run; the SIP outcome arrives as call events. */
  async makeCall(call: PbxMakeCall): Promise<void> {
    await this.#request(PbxCommands.makeCall, { ...call, gateway: this.#gateway });
    this.#owned?.add(call.callId);
  }

  /**
   * Takes over a running call whose softphone re-attached here (issue 18): this run owns it from now on,
   * as if it had placed it.
   */
  async reattach(callId: string): Promise<void> {
    await this.#request(PbxCommands.reattach, { callId, gateway: this.#gateway });
    this.#owned?.add(callId);
  }

  /** One page of the calls the adapter carries now (rejects with the bus error: callers retry). */
  listCalls(offset: number, limit: number): Promise<PbxCallList> {
    return this.#bus.pbx.request(PbxCommands.listCalls, { offset, limit }, { timeoutMs: this.#timeoutMs });
  }

  /** The called client rings (180). */
  alert(callId: string): Promise<void> {
    return this.#request(PbxCommands.alert, { callId });
  }

  /** The called client answered; the media node holds its SDP answer (200). */
  answer(callId: string): Promise<void> {
    return this.#request(PbxCommands.answer, { callId });
  }

  /** Hangs up, cancels or rejects, depending on the call's state. */
  drop(callId: string, reason: PbxDropReason): Promise<void> {
    return this.#request(PbxCommands.drop, { callId, reason });
  }

  /** Holds (true) or retrieves (false) the call. */
  hold(callId: string, hold: boolean): Promise<void> {
    return this.#request(PbxCommands.hold, { callId, hold });
  }

  /** Upgrades the call to video at the PBX (re-INVITE with a video m-line) or downgrades it (m=video 0). */
  video(callId: string, video: boolean): Promise<void> {
    return this.#request(PbxCommands.video, { callId, video });
  }

  /** Sends DTMF digits; `durationMs` per digit, default the adapter's. */
  digits(callId: string, digits: string, durationMs?: number): Promise<void> {
    return this.#request(PbxCommands.digits, { callId, digits, ...(durationMs !== undefined ? { durationMs } : {}) });
  }

  /** Deflects a ringing call or transfers a connected one (waits for the transfer target's first answer). */
  redirect(callId: string, target: string, replacesCallId?: string): Promise<void> {
    return this.#request(PbxCommands.redirect, { callId, target, ...(replacesCallId ? { replacesCallId } : {}) }, Math.max(this.#timeoutMs ?? 0, REDIRECT_COMMAND_TIMEOUT_MS));
  }

  /** Moves the ringing incoming call to our line `lineId` (pickup); the picker's softphone answers it. */
  pickup(callId: string, lineId: string, lineNumber: string): Promise<void> {
    return this.#request(PbxCommands.pickup, { callId, lineId, lineNumber });
  }

  async #request<C extends Command<'pbx'>>(cmd: C, payload: RequestOf<C> & { callId: string }, timeoutMs = this.#timeoutMs): Promise<void> {
    try {
      await this.#bus.pbx.request(cmd, payload, { timeoutMs });
    } catch (err) {
      throw new PbxCommandError(cmd.verb, { callId: payload.callId }, err);
    }
  }
}
