import { excerpt } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { LineView } from '../lines/LineStore.ts';
import { groupsAllowingPickup } from '../pickup/pickupRules.ts';
import type { AsnCtiPickupCallArgument } from '../protocol/mod.ts';
import { CtiError, CtiRequestError, PickupDeniedError } from '../session/CtiRequestError.ts';
import { lineNumberFrom } from './ctiMapping.ts';
import type { CtiPickupDeps } from './CtiServiceTypes.ts';

/**
 * asnCtiPickupCall: a user takes a call ringing on a colleague's line. The call is named by its
 * connection id, or by the colleague (u8sContactID: a line number, tel:/sip: URI, or a login: their
 * oldest ringing call); it goes to the picker's line u8sPhoneNumber (default: their first line). Only
 * a user sharing a pickup group with the ringing line may (PickupDeniedError otherwise); the softphone
 * side then moves the call and rings the picker's softphone, which answers it.
 */
export class CtiPickup {
  readonly #deps: CtiPickupDeps;

  constructor(deps: CtiPickupDeps) {
    this.#deps = deps;
  }

  /** `resolveLine`: the picker's own line as CTI resolves a client's line descriptor (ownership checked). */
  async pickup(arg: AsnCtiPickupCallArgument, user: UserRow, resolveLine: (descriptor: string) => Promise<LineView>): Promise<ActiveCall> {
    const to = arg.u8sPhoneNumber.trim() ? await resolveLine(arg.u8sPhoneNumber) : await this.#firstLineOf(user);
    const call = await this.#ringingCall(arg);
    const ringing = await this.#deps.lines.getById(call.lineId);
    if (!ringing) throw new CtiRequestError(CtiError.invalidline, `the line of call '${call.callId}' no longer exists`);
    if (ringing.id === to.id) throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' rings on line ${to.number} already: answer it`);
    const groups = groupsAllowingPickup(await this.#deps.groups.members(), { userId: user.id, lineId: to.id }, { lineId: ringing.id, ownerUserId: ringing.ownerUserId });
    if (groups.length === 0) {
      this.#deps.logger.info({ callId: call.callId, picker: user.login, line: ringing.number }, 'pickup refused: no shared pickup group');
      throw new PickupDeniedError(`${user.login} may not pick up calls of line ${ringing.number}: they share no pickup group`);
    }
    await this.#deps.softphones.pickup(call, to, user);
    this.#deps.logger.info({ callId: call.callId, picker: user.login, from: ringing.number, to: to.number, groups }, 'call picked up');
    return call;
  }

  async #firstLineOf(user: UserRow): Promise<LineView> {
    const line = (await this.#deps.lines.list()).find((l) => l.ownerUserId === user.id && l.enabled);
    if (!line) throw new CtiRequestError(CtiError.invalidline, `${user.login} has no line to pick the call up to`);
    return line;
  }

  async #ringingCall(arg: AsnCtiPickupCallArgument): Promise<ActiveCall> {
    const ringing = (c: ActiveCall | undefined): c is ActiveCall => c !== undefined && c.state === 'offering' && c.direction === 'inbound';
    if (arg.u8sConnectionID.trim()) {
      const call = this.#deps.calls.get(arg.u8sConnectionID);
      if (!ringing(call)) throw new CtiRequestError(CtiError.generalerror, `no ringing call '${excerpt(arg.u8sConnectionID)}' to pick up`);
      return call;
    }
    const contact = arg.u8sContactID.trim();
    if (!contact) throw new CtiRequestError(CtiError.generalerror, 'name the call (u8sConnectionID) or the colleague (u8sContactID) to pick up from');
    const number = lineNumberFrom(contact);
    const all = await this.#deps.lines.list();
    const lines = all.filter((l) => l.number === number || (l.ownerLogin !== null && l.ownerLogin === contact));
    const calls = lines.flatMap((l) => this.#deps.calls.onLine(l.id)).filter(ringing).sort((a, b) => a.createdAt - b.createdAt);
    if (!calls[0]) throw new CtiRequestError(CtiError.generalerror, `nothing rings for '${excerpt(contact)}' to pick up`);
    return calls[0];
  }
}
