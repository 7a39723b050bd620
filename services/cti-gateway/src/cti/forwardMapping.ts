// Forwards between ENetUC (asnCtiSetForward's `ForwardMode` key, AsnLineForward in snapshots and
// events) and the line routing we store. Pure; table-driven tests.
import { AsnForwardMode, EnumForwardController, EnumForwardModes, type AsnLineForward } from '../protocol/mod.ts';
import type { ForwardMode, LineForward } from '../lines/LineRoutingTypes.ts';

/**
 * `ForwardMode` of asnCtiSetForward/asnCtiRemoveForward (the Main module's plain enumeration) → ours.
 * Absent or unknown (0) = unconditional, as the ASN.1 says; the internal/external variants count as
 * their general mode (we do not tell internal from external callers). Other values: undefined.
 */
export function forwardModeFrom(value: number | undefined): ForwardMode | undefined {
  switch (value ?? AsnForwardMode.iCTIFORWARDUNKNOWN) {
    case AsnForwardMode.iCTIFORWARDUNKNOWN:
    case AsnForwardMode.iCTIFORWARDIMMEDIATE:
    case AsnForwardMode.iCTIFORWARDIMMINT:
    case AsnForwardMode.iCTIFORWARDIMMEXT:
      return 'immediate';
    case AsnForwardMode.iCTIFORWARDBUSY:
    case AsnForwardMode.iCTIFORWARDBUSYINT:
    case AsnForwardMode.iCTIFORWARDBUSYEXT:
      return 'busy';
    case AsnForwardMode.iCTIFORWARDNOANSW:
    case AsnForwardMode.iCTIFORWARDNOANSINT:
    case AsnForwardMode.iCTIFORWARDNOANSEXT:
      return 'no-answer';
    default:
      return undefined;
  }
}

const MODE_BITS: Record<ForwardMode, number> = {
  immediate: EnumForwardModes.eFORWARDMODEIMMEDIATE,
  busy: EnumForwardModes.eFORWARDMODEBUSY,
  'no-answer': EnumForwardModes.eFORWARDMODENOANSW,
};

/** The forwards of a line as AsnLineForwards: server-controlled per user, `iInternalID` = position + 1. */
export function lineForwards(forwards: readonly LineForward[]): AsnLineForward[] {
  return forwards.map((f, i) => ({
    iInternalID: i + 1,
    iForwardController: EnumForwardController.eFORWARDCONTROLLERTAPISERVERUSER,
    iForwardMode: MODE_BITS[f.mode],
    iBackEndSpecific: 0,
    iNoAnswerTime: f.mode === 'no-answer' ? f.noAnswerS : 0,
    u8sDestination: f.destination,
    u8sCallerIDList: [],
  }));
}

/** The forward features we offer on every line (iForwardFeaturesSERVER/USER of AsnCtiLineInfo). */
export const SERVER_FORWARD_FEATURES = MODE_BITS.immediate | MODE_BITS.busy | MODE_BITS['no-answer'];
