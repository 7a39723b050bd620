import { z } from 'zod';
import { command, Empty, Id, kvBucket, topic } from './contract.ts';
import { CallEvent } from './calls.ts';
import { GatewayInstance } from './gateway.ts';

/** Commands the cti-gateway sends to the pbx-adapter for one call. */
const Endpoint = z.object({ address: z.string().min(1).max(64), port: z.number().int().min(0).max(65_535) });

/** One SIP message as seen on the adapter's socket. */
export const SipTraceRecord = z.object({
  /** Microseconds since the epoch (decimal string: beyond 2^53). */
  atUs: z.string().regex(/^\d{1,20}$/),
  src: Endpoint,
  dst: Endpoint,
  /** The message, base64. */
  data: z.string().max(90_000),
});
export type SipTraceRecord = z.infer<typeof SipTraceRecord>;

/**
 * How long the adapter's transfer command (call.redirect of a connected call) waits for the target's answer
 * as the transferee's NOTIFYs report it. Well above what a refusal (404, 486) takes through a loaded PBX:
 * 3 s was once too short in CI, and the user was told a failed transfer was under way.
 */
export const REFER_OUTCOME_WAIT_MS = 6000;
/** The gateway's timeout for call.redirect: the outcome wait plus the REFER's own round trip. */
export const REDIRECT_COMMAND_TIMEOUT_MS = REFER_OUTCOME_WAIT_MS + 2500;

export const PbxCommands = {
  /** Place a call on a line. The SIP outcome arrives as call events. */
  makeCall: command('pbx', 'call.make', z.object({
    callId: Id,
    lineId: Id,
    to: z.string().min(1).max(256),
    mediaNodeId: Id,
    origin: z.enum(['softphone', 'cti']),
    /** The gateway run placing the call: it owns the call (its loss ends the call). */
    gateway: GatewayInstance,
  }), Empty),
  /**
   * Issue 18: the gateway run `gateway` takes over a running call whose softphone re-attached to it (its
   * former owner died; the WebRTC media on the node is untouched). The adapter records the new owner, so
   * the loss of the old one no longer ends the call; the journal row and the SIP dialog stay as they are.
   * Refused (UCS_ERR_PBX_CALL_NOT_FOUND) for a call the adapter does not carry or that has ended, and
   * (UCS_ERR_PBX_CALL_STATE) for one no gateway owns or that is not answered yet.
   */
  reattach: command('pbx', 'call.reattach', z.object({ callId: Id, gateway: GatewayInstance }), Empty),
  /** The called client rings (180 Ringing). */
  alert: command('pbx', 'call.alert', z.object({ callId: Id }), Empty),
  /** The called client answered; the media node already holds the SDP answer (200 OK). */
  answer: command('pbx', 'call.answer', z.object({ callId: Id }), Empty),
  /** Hang up, cancel or reject, depending on the call's state. */
  drop: command('pbx', 'call.drop', z.object({
    callId: Id,
    /** 'media-failure': the call's media node is gone; 'bus-outage': the caller lost the bus past its grace. */
    reason: z.enum(['normal', 'busy', 'decline', 'unavailable', 'media-failure', 'bus-outage']).default('normal'),
  }), Empty),
  hold: command('pbx', 'call.hold', z.object({ callId: Id, hold: z.boolean() }), Empty),
  /**
   * Upgrades a connected call to video (re-INVITE adding a video m-line) or downgrades it (m=video 0);
   * nothing is sent when the PBX side is that way already.
   */
  video: command('pbx', 'call.video', z.object({ callId: Id, video: z.boolean() }), Empty),
  /** DTMF: SIP INFO application/dtmf-relay, one request per digit. */
  digits: command('pbx', 'call.digits', z.object({ callId: Id, digits: z.string().regex(/^[0-9*#A-Da-d]{1,64}$/), durationMs: z.number().int().min(40).max(2000).default(160) }), Empty),
  /**
   * Deflect a ringing incoming call (302) or transfer a connected one (REFER). With `replacesCallId`
   * (a connected call of the same adapter to `target`) an attended transfer: the Refer-To carries that
   * call's dialog as Replaces (RFC 3891), so the target's call is taken over by the transferee.
   * A transfer answers once its fate is known, at most REFER_OUTCOME_WAIT_MS after the REFER's 202: the
   * target's refusal is the command's error, its alerting (or that long without news) a success.
   */
  redirect: command('pbx', 'call.redirect', z.object({ callId: Id, target: z.string().min(1).max(256), replacesCallId: Id.optional() }), Empty),
  /**
   * Pickup: a call ringing on one of our lines moves to another of our lines (`lineId`, the picker's;
   * the gateway authorised it). Its later events are that line's; the INVITE is answered when the
   * picker's softphone answers (call.answer). Refused unless the call is an incoming one still ringing.
   */
  pickup: command('pbx', 'call.pickup', z.object({ callId: Id, lineId: Id, lineNumber: z.string().min(1).max(64) }), Empty),
  /**
   * The calls the adapter carries now, each as its last call event (a restarted gateway reconciles its
   * journal and rebuilds its call table from them). Paged; `at` is the adapter's clock when the page was
   * taken: a call started before it and not listed had ended by then.
   */
  listCalls: command('pbx', 'calls.list', z.object({
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(500),
  }), z.object({
    at: z.number().int(),
    calls: z.array(CallEvent),
    nextOffset: z.number().int().min(0).nullable(),
  })),
  /**
   * The SIP messages of a call (CTI call id) as the adapter sent and received them, oldest first, for a
   * capture file; bounded per call, kept a while after the call ended.
   */
  callSip: command('pbx', 'call.sip', z.object({ callId: Id }), z.object({ messages: z.array(SipTraceRecord) })),
} as const;

/**
 * The gateway's answer to an incoming call: accepted (it rings the owner's softphone), refused (the
 * adapter answers the INVITE with the status of the reason: busy/dnd 486, no-client NO_CLIENT_STATUS,
 * unknown-line 404), or redirected: the line forwards the call (asnCtiSetForward) and the adapter answers
 * 302 Moved Temporarily with `target` in the Contact.
 */
export const IncomingCallReply = z.union([
  /** Accepted by this gateway run, which owns the call from now on. */
  z.object({ accept: z.literal(true), gateway: GatewayInstance }),
  z.object({ accept: z.literal(false), reason: z.enum(['no-client', 'busy', 'dnd', 'unknown-line']) }),
  z.object({
    accept: z.literal(false),
    reason: z.literal('redirect'),
    /** The forward's destination (a number or a SIP URI). */
    target: z.string().min(1).max(256),
    /** Which forward applied: unconditional, or on busy (busy / DND). */
    mode: z.enum(['immediate', 'busy']),
  }),
]);
export type IncomingCallReply = z.infer<typeof IncomingCallReply>;

/** What the pbx-adapter asks the cti-gateway when an INVITE arrives for a line. */
export const CtiCommands = {
  incomingCall: command('cti', 'call.incoming', z.object({
    callId: Id,
    lineId: Id,
    from: z.string().max(256),
    fromName: z.string().max(256).optional(),
    to: z.string().max(256),
    mediaNodeId: Id,
    /** How often the call was forwarded before it reached us (the INVITE's Diversion entries). */
    forwardHops: z.number().int().min(0).max(1000).default(0),
  }), IncomingCallReply),
  /**
   * A PBX re-INVITE changed whether the call carries video: the gateway re-offers to the call's softphone
   * (asnAVCallMessageV2 REINVITE_OFFER) and waits for its answer. `video`: the softphone carries video now.
   */
  renegotiate: command('cti', 'call.renegotiate', z.object({ callId: Id }), z.object({ video: z.boolean() })),
} as const;

/** A SIP dialog as far as a BYE within it needs it (RFC 3261 §12.2.1.1), from our side. */
export const SipDialogSnapshot = z.object({
  /** Which side created the dialog: we sent the INVITE (uac) or answered it (uas). */
  role: z.enum(['uac', 'uas']),
  /** SIP Call-ID. */
  callId: z.string().min(1).max(256),
  localTag: z.string().max(128),
  remoteTag: z.string().max(128),
  /** The last CSeq we sent in the dialog; unset when we sent none (a callee's dialog). */
  localSeq: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  /** Our From/To name-addr (without tag) and the peer's. */
  localUri: z.string().min(1).max(1024),
  remoteUri: z.string().min(1).max(1024),
  /** Our Contact. */
  localTarget: z.string().max(1024).optional(),
  /** The peer's Contact (after target refreshes). */
  remoteTarget: z.string().min(1).max(1024),
  /** Route set, in the order requests carry it. */
  routeSet: z.array(z.string().min(1).max(1024)).max(32),
  secure: z.boolean(),
});
export type SipDialogSnapshot = z.infer<typeof SipDialogSnapshot>;

const SipDestination = z.object({ protocol: z.enum(['UDP', 'TCP', 'TLS']), host: z.string().min(1).max(256), port: z.number().int().min(1).max(65_535) });

/** How a recovering adapter ends a call toward the PBX. */
export const PbxCallTeardown = z.discriminatedUnion('kind', [
  /** Established (or answered, ACK pending): BYE within the dialog. */
  z.object({ kind: z.literal('bye'), dialog: SipDialogSnapshot }),
  /** Our INVITE is pending: this CANCEL (same branch as the INVITE), to `destination`. */
  z.object({ kind: z.literal('cancel'), request: z.string().min(1).max(16_384), destination: SipDestination }),
  /** The PBX's INVITE is pending (we rang): this final response, to `destination`. */
  z.object({ kind: z.literal('reject'), response: z.string().min(1).max(16_384), destination: SipDestination }),
  /** Nothing was sent to the PBX yet that needs ending. */
  z.object({ kind: z.literal('none') }),
]);
export type PbxCallTeardown = z.infer<typeof PbxCallTeardown>;

/**
 * What the pbx-adapter keeps of a running call outside its process (bucket `PbxBuckets.calls`, key =
 * the bus callId), so that after a crash it can end the call: the last call event it published (the
 * recovery's 'disconnected' follows it, seq + 1), the gateway run owning the call, and the SIP teardown.
 * Written before each of the call's events is stored and whenever the teardown changes (our CSeq, the
 * target, the route set), deleted once the call's 'disconnected' is stored.
 */
export const PbxCallSnapshot = z.object({
  event: CallEvent,
  owner: GatewayInstance.optional(),
  teardown: PbxCallTeardown,
  savedAt: z.number().int(),
});
export type PbxCallSnapshot = z.infer<typeof PbxCallSnapshot>;

/**
 * Who is the active pbx-adapter (bucket `PbxBuckets.lease`, key {@link PBX_LEASE_KEY}): the instance that
 * created the entry and renews it by compare-and-set; the bucket's TTL (PBX_LEASE_MS) drops it when the
 * holder stops renewing, and a standby then creates it. Only the holder registers lines and takes calls.
 */
export const PbxLease = z.object({
  /** The instance: its host and SIP address (a restart of the same instance may take its own lease back). */
  holder: z.string().min(1).max(256),
  /** This process run of it (random per start). */
  run: z.string().min(1).max(64),
  host: z.string().min(1).max(255),
  /** Its SIP listener as the PBX reaches it, e.g. `udp:10.0.0.5:5062`. */
  sip: z.string().min(1).max(300),
  /** The PBX_LEASE_MS it assumes (every instance must use the same). */
  leaseMs: z.number().int().positive(),
  /** Wall-clock time of this renewal (epoch ms), for operators; the lease itself runs on the server's TTL. */
  renewedAt: z.number().int(),
  /** Given up by a holder that stopped cleanly: free to take at once (by compare-and-set on its revision). */
  released: z.literal(true).optional(),
});
export type PbxLease = z.infer<typeof PbxLease>;

/** The one key of the lease bucket. */
export const PBX_LEASE_KEY = 'active';

export const PbxBuckets = {
  /** `<PREFIX>_PBX_CALLS`: the adapter's running calls (PBX_CALL_SNAPSHOT_TTL_S bounds an entry's life). */
  calls: kvBucket('pbx-calls', PbxCallSnapshot),
  /** `<PREFIX>_PBX_LEASE`: the active adapter's lease (TTL = PBX_LEASE_MS). */
  lease: kvBucket('pbx-lease', PbxLease),
} as const;

/**
 * Every pbx-adapter, active or standby, publishes this every few seconds and at once when its role
 * changes (`PbxTopics.heartbeat`): the gateway's System page lists every adapter from it.
 */
export const PbxAdapterHeartbeat = PbxLease.pick({ holder: true, run: true, host: true, sip: true }).extend({
  /** Its role in the active lease (`starting`: the lease not read yet). */
  role: z.enum(['starting', 'standby', 'active', 'fenced', 'stopped']),
  /** The lease holder as this adapter last saw it (null: nobody, or not read yet). */
  leaseHolder: z.string().min(1).max(256).nullable(),
  version: z.string().min(1).max(64),
  startedAt: z.number().int(),
  at: z.number().int(),
  intervalMs: z.number().int().min(1).max(600_000),
});
export type PbxAdapterHeartbeat = z.infer<typeof PbxAdapterHeartbeat>;

export const PbxTopics = {
  /** An adapter is alive, with its role; the gateway's System page lists them. */
  heartbeat: topic('pbx-adapter.heartbeat', PbxAdapterHeartbeat),
} as const;
