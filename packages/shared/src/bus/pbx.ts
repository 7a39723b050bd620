import { z } from 'zod';
import { command, Empty, Id } from './contract.ts';

/** Commands the cti-gateway sends to the pbx-adapter for one call. */
export const PbxCommands = {
  /** Place a call on a line. The SIP outcome arrives as call events. */
  makeCall: command('pbx', 'call.make', z.object({
    callId: Id,
    lineId: Id,
    to: z.string().min(1).max(256),
    mediaNodeId: Id,
    origin: z.enum(['softphone', 'cti']),
  }), Empty),
  /** The called client rings (180 Ringing). */
  alert: command('pbx', 'call.alert', z.object({ callId: Id }), Empty),
  /** The called client answered; the media node already holds the SDP answer (200 OK). */
  answer: command('pbx', 'call.answer', z.object({ callId: Id }), Empty),
  /** Hang up, cancel or reject, depending on the call's state. */
  drop: command('pbx', 'call.drop', z.object({
    callId: Id,
    reason: z.enum(['normal', 'busy', 'decline', 'unavailable']).default('normal'),
  }), Empty),
  hold: command('pbx', 'call.hold', z.object({ callId: Id, hold: z.boolean() }), Empty),
  /** DTMF: SIP INFO application/dtmf-relay, one request per digit. */
  digits: command('pbx', 'call.digits', z.object({ callId: Id, digits: z.string().regex(/^[0-9*#A-Da-d]{1,64}$/), durationMs: z.number().int().min(40).max(2000).default(160) }), Empty),
  /** Deflect a ringing incoming call (302) or transfer a connected one (REFER). */
  redirect: command('pbx', 'call.redirect', z.object({ callId: Id, target: z.string().min(1).max(256) }), Empty),
} as const;

/** What the pbx-adapter asks the cti-gateway when an INVITE arrives for a line. */
export const CtiCommands = {
  incomingCall: command('cti', 'call.incoming', z.object({
    callId: Id,
    lineId: Id,
    from: z.string().max(256),
    fromName: z.string().max(256).optional(),
    to: z.string().max(256),
    mediaNodeId: Id,
  }), z.discriminatedUnion('accept', [
    z.object({ accept: z.literal(true) }),
    z.object({ accept: z.literal(false), reason: z.enum(['no-client', 'busy', 'dnd', 'unknown-line']) }),
  ])),
} as const;
