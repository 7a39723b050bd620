/**
 * ucserver's own operation for its web softphone (not part of ENetUC; its id lies outside the ranges
 * the ENetUC modules use, so no estos client ever sends it). The ENetUC-standard AV operations stay as
 * they are: a standard client simply never re-attaches, and its calls end with their gateway as before.
 */
import type { z } from 'zod';
import { asnBool, asnOptional, asnSequence, asnString } from '../codec/estosJson.ts';
import { AsnAVCallAndConnectionID } from './av.ts';
import { defineInvoke } from './operation.ts';

/** Operation ids of ucserver's private operations: far above every ENetUC module's range. */
export const UCS_PRIVATE_OPERATION_BASE = 60_000;

/**
 * asnUcsReattachAVCall (issue 18): after its gateway died, the web softphone reconnected (to another
 * gateway) with a call whose WebRTC media still runs on the media node, and asks to carry it on through
 * this session. The call is named by its CTI connection id and must be an answered call on one of the
 * user's lines; `bHeld`/`bVideo` say how the page's peer connection stands (held by its SDP, carrying
 * video), so later re-offers are judged against that.
 */
export const AsnUcsReattachAVCallArgument = asnSequence('AsnUcsReattachAVCallArgument', {
  u8sCTIConnectionID: asnString,
  /** The AV call id the page knew the call by (`av-<connection id>`), checked against the connection id. */
  u8sCallID: asnString,
  bHeld: asnOptional(asnBool),
  bVideo: asnOptional(asnBool),
});
export type AsnUcsReattachAVCallArgument = z.infer<typeof AsnUcsReattachAVCallArgument>;

/** The call's AV ids in this session (the client's endpoint id is per session) and the far end's. */
export const AsnUcsReattachAVCallResult = asnSequence('AsnUcsReattachAVCallResult', {
  callAndConnectionID: AsnAVCallAndConnectionID,
  u8sCTIConnectionID: asnString,
  endpointIDRemote: asnString,
});
export type AsnUcsReattachAVCallResult = z.infer<typeof AsnUcsReattachAVCallResult>;

/** Errors: AsnRequestError with AsnAVMakeCallErrorEnum.general and the reason. */
export const asnUcsReattachAVCall = defineInvoke({
  id: UCS_PRIVATE_OPERATION_BASE + 1,
  name: 'asnUcsReattachAVCall',
  module: 'AV',
  argument: AsnUcsReattachAVCallArgument,
  result: AsnUcsReattachAVCallResult,
});
