// A dialog a call has left (the transferee's old dialog after a completed transfer, or one we do not
// keep): it answers the peer's BYE with 200 and anything else with 481, and after `waitMs` without that
// BYE it sends its own. Either way the dialog is then terminated and forgotten by the endpoint.
import type { Logger } from '@ucserver/shared';
import { nextHop, type Dialog, type ServerTransaction, type SipRequest, type SipResponse } from '../sip/mod.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { DialogHandler } from '../userAgent/SipEndpointTypes.ts';

export class RetiredDialog implements DialogHandler {
  readonly #dialog: Dialog;
  readonly #endpoint: Pick<SipEndpoint, 'addDialog' | 'removeDialog' | 'reply' | 'request'>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(dialog: Dialog, endpoint: Pick<SipEndpoint, 'addDialog' | 'removeDialog' | 'reply' | 'request'>, logger: Logger) {
    this.#dialog = dialog;
    this.#endpoint = endpoint;
    this.#logger = logger;
  }

  /** Takes the dialog's requests from now on; BYEs it after `waitMs` unless the peer does first. */
  retire(waitMs: number): void {
    this.#endpoint.addDialog(this.#dialog.key, this);
    if (waitMs <= 0) this.#bye();
    else this.#timer = setTimeout(() => this.#bye(), waitMs);
  }

  handleRequest(request: SipRequest, tx: ServerTransaction): void {
    if (request.method !== 'BYE' || this.#done) {
      this.#endpoint.reply(tx, 481);
      return;
    }
    this.#endpoint.reply(tx, 200);
    this.#finish();
  }

  handleAck(): void {}

  handleStrayResponse(_response: SipResponse): void {}

  #bye(): void {
    if (this.#done) return;
    try {
      const bye = this.#dialog.createRequest('BYE');
      this.#endpoint.request(bye, nextHop(bye)).catch((err: unknown) => this.#logger.info({ err: (err as Error).message }, 'BYE of a left dialog not answered'));
    } catch (err) {
      this.#logger.info({ err: (err as Error).message }, 'cannot BYE a left dialog');
    }
    this.#finish();
  }

  #finish(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#dialog.terminate();
    // Retransmitted BYEs still find us for a while (their transaction answers them anyway).
    setTimeout(() => this.#endpoint.removeDialog(this.#dialog.key, this), 32_000).unref();
  }
}
