// The tables between SIP statuses and the bus contract's call causes and refusal reasons. Pure data;
// unit-tested row by row.
import { MediaErrorCodes, type CallCause, type CtiCommands, type PbxCommands, type ReplyOf } from '@ucserver/shared';
import type { z } from 'zod';
import { splitHeaderList } from '../sip/headers/params.ts';

/** The cause of a call whose INVITE failed with `status` (3xx-6xx). */
export const causeOfStatus = (status: number): CallCause => {
  if (status >= 300 && status < 400) return 'redirected';
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 404:
    case 484:
    case 604:
      return 'not-found';
    case 480:
      return 'unavailable';
    case 408:
      return 'timeout';
    case 487:
      return 'cancelled';
    case 603:
      return 'rejected';
    default:
      return 'error';
  }
};

/** `PbxCommands.drop` reasons. */
export type CallDropReason = z.output<typeof PbxCommands.drop.request>['reason'];

/** How we reject a ringing incoming call for each drop reason, and the cause we report. */
export const DROP_RESPONSE: Readonly<Record<CallDropReason, { status: number; cause: CallCause }>> = {
  busy: { status: 486, cause: 'busy' },
  decline: { status: 603, cause: 'rejected' },
  unavailable: { status: 480, cause: 'unavailable' },
  normal: { status: 603, cause: 'rejected' },
  'media-failure': { status: 503, cause: 'media-failure' },
  'bus-outage': { status: 503, cause: 'bus-outage' },
};

/**
 * The cause of a drop that ends an answered call: 'normal' (a hang-up), unless the gateway drops it
 * because the call cannot work any more (its media node is gone, the gateway lost the bus).
 */
export const hangupCause = (reason: CallDropReason): CallCause => (reason === 'media-failure' || reason === 'bus-outage' ? reason : 'normal');

/** `CtiCommands.incomingCall` refusal reasons (a redirect is not a refusal: it answers 302). */
export type RefusalReason = Exclude<Extract<ReplyOf<typeof CtiCommands.incomingCall>, { accept: false }>['reason'], 'redirect'>;

/** How we answer the PBX when the gateway refuses an incoming call, and the cause we report. */
export const refusalResponse = (reason: RefusalReason, noClientStatus: number): { status: number; cause: CallCause } => {
  switch (reason) {
    case 'no-client':
      return { status: noClientStatus, cause: noClientStatus === 486 || noClientStatus === 600 ? 'busy' : 'unavailable' };
    case 'busy':
    case 'dnd':
      return { status: 486, cause: 'busy' };
    case 'unknown-line':
      return { status: 404, cause: 'not-found' };
  }
};

/** The SIP answer to an offer the media node could not take, by its error code. */
export const statusOfMediaError = (remoteCode: string | undefined): number => {
  switch (remoteCode) {
    case MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC:
    case MediaErrorCodes.UCS_ERR_MEDIA_NO_AUDIO:
    case MediaErrorCodes.UCS_ERR_MEDIA_CRYPTO_INVALID:
    case MediaErrorCodes.UCS_ERR_MEDIA_SDP_INVALID:
      return 488;
    case MediaErrorCodes.UCS_ERR_MEDIA_DRAINING:
    case MediaErrorCodes.UCS_ERR_MEDIA_NO_WORKER:
    case MediaErrorCodes.UCS_ERR_MEDIA_NO_NODE:
    case MediaErrorCodes.UCS_ERR_MEDIA_ALLOCATION_FAILED:
    case undefined:
      return 503;
    default:
      return 500;
  }
};

/**
 * How often an INVITE was forwarded before it reached us: its Diversion entries (RFC 5806; the test PBX
 * adds one per 3xx it follows) or, without any, its History-Info entries after the first (RFC 7044).
 * The gateway forwards no further once this reaches FORWARD_MAX_HOPS.
 */
export const forwardHops = (headers: { getAll(name: string): string[] }): number => {
  const entries = (name: string): number => headers.getAll(name).flatMap(splitHeaderList).filter((v) => v.trim() !== '').length;
  const diversions = entries('Diversion');
  if (diversions > 0) return Math.min(1000, diversions);
  return Math.min(1000, Math.max(0, entries('History-Info') - 1));
};
