// DTMF from our side of a connected call: one SIP INFO (application/dtmf-relay) per digit, in order,
// one request outstanding at a time; a sequence waits for the previous one to finish. Apart from
// SipCall, which keeps the dialog and its lifecycle.
import { CallStateError, SipRequestFailedError } from '../errors.ts';
import { DTMF_RELAY_TYPE, dtmfRelayBody, splitDigits } from './dtmf.ts';
import type { NegotiatingCall } from './InDialogNegotiationTypes.ts';

export class DtmfSender {
  readonly #call: Pick<NegotiatingCall, 'id' | 'confirmed' | 'dialog' | 'request'>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(call: Pick<NegotiatingCall, 'id' | 'confirmed' | 'dialog' | 'request'>) {
    this.#call = call;
  }

  /** Sends `digits` after any sequence still being sent; rejects when an INFO is refused or the call ends. */
  send(digits: string, durationMs: number): Promise<void> {
    const call = this.#call;
    const run = this.#queue.then(async () => {
      for (const digit of splitDigits(digits)) {
        if (!call.confirmed || !call.dialog) throw new CallStateError(`call ended while sending digits [callId:${call.id}]`);
        const info = call.dialog.createRequest('INFO', { body: dtmfRelayBody(digit, durationMs), contentType: DTMF_RELAY_TYPE });
        const response = await call.request(info);
        if (response.status >= 300) throw new SipRequestFailedError('INFO', response.status, response.reason, `callId:${call.id}`);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
