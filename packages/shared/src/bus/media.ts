import { z } from 'zod';
import { command, Empty, Id, topic } from './contract.ts';
import { MediaPath, MediaQuality } from './calls.ts';

/** Heartbeat each media node publishes on `media.heartbeat`; placement uses the latest one per node. */
export const MediaNodeHeartbeat = z.object({
  nodeId: Id,
  /** Addresses this node announces in SDP (PBX legs) and ICE candidates. */
  addresses: z.array(z.string().max(64)).min(1),
  workers: z.number().int().min(0),
  workersAlive: z.number().int().min(0),
  calls: z.number().int().min(0),
  legs: z.number().int().min(0),
  /** 0..1: the busiest worker's share of its capacity, the figure placement compares. */
  load: z.number().min(0),
  draining: z.boolean(),
  /** Each live mediasoup worker: its index, pid, calls, routers (shared by calls whose payload types agree) and CPU share (0..1) of the last sampling round. */
  workerStats: z.array(z.object({
    index: z.number().int().min(0),
    pid: z.number().int().min(0),
    /** Calls on the worker (absent from nodes older than router sharing). */
    calls: z.number().int().min(0).optional(),
    routers: z.number().int().min(0),
    cpu: z.number().min(0).max(1),
  })).max(1024).optional(),
  startedAt: z.number().int(),
  /** The media service's version (its package.json), for the admin console's System page. */
  version: z.string().max(64).optional(),
  at: z.number().int(),
  intervalMs: z.number().int().min(1),
});
export type MediaNodeHeartbeat = z.infer<typeof MediaNodeHeartbeat>;

/** The codec both legs of a call use (mediasoup does not transcode). */
export const CodecName = z.enum(['opus', 'PCMU', 'PCMA', 'G722']);
export type CodecName = z.infer<typeof CodecName>;

/** The live figures of one call on a node, from one stats sampling round. */
export const MediaCallLiveQuality = z.object({
  callId: Id,
  /** The worker (index on its node) whose router carries the call. */
  worker: z.number().int().min(0),
  codec: CodecName.nullable(),
  path: MediaPath.nullable(),
  quality: MediaQuality,
});
export type MediaCallLiveQuality = z.infer<typeof MediaCallLiveQuality>;

/** Calls per `media.quality` message (about 250 bytes each). */
export const MEDIA_QUALITY_REPORT_CALLS = 500;

/**
 * One node's calls and their quality so far, after each stats sampling round (MEDIA_STATS_INTERVAL_MS).
 * A round with many calls goes out in parts of at most MEDIA_QUALITY_REPORT_CALLS (a NATS message stays
 * far below the server's max_payload); every part has the round's `at`, all but the last `more: true`.
 */
export const MediaQualityReport = z.object({
  nodeId: Id,
  at: z.number().int(),
  calls: z.array(MediaCallLiveQuality).max(MEDIA_QUALITY_REPORT_CALLS),
  more: z.boolean().optional(),
});
export type MediaQualityReport = z.infer<typeof MediaQualityReport>;

export const Sdp = z.string().min(1).max(65_536);

/**
 * The SDP answer to an outgoing softphone call's offer, pushed by the node the moment the PBX's answer
 * fixes the codec, to the gateway named in the softphone.offer request (`answerTo`): the gateway needs no
 * softphone.answer round trip for it.
 */
export const SoftphoneAnswerReady = z.object({
  gatewayId: Id,
  callId: Id,
  sdp: Sdp,
  /**
   * The PBX's answer came in its 2xx to our INVITE (pbx.apply-answer `answered`): the far end answered, so
   * the gateway connects the softphone on this message, without waiting for the pbx-adapter's `connected`,
   * which follows. False for early media (183): the softphone is connected on `connected`.
   */
  answered: z.boolean().default(false),
});
export type SoftphoneAnswerReady = z.infer<typeof SoftphoneAnswerReady>;

export const MediaTopics = {
  /** Every node, every `MEDIA_HEARTBEAT_INTERVAL_MS`: placement's view of the nodes. */
  heartbeat: topic('media.heartbeat', MediaNodeHeartbeat),
  /**
   * Every node with calls, after each stats sampling round: live quality for the admin console (core
   * NATS, not the CALLS stream: a lost report is replaced by the next one, the summary at the end is durable).
   */
  quality: topic('media.quality', MediaQualityReport),
  /** One outgoing softphone call's SDP answer, on `media.softphone-answer.<gatewayId>` (core NATS: a lost one is asked for). */
  softphoneAnswer: topic('media.softphone-answer', SoftphoneAnswerReady, (e) => e.gatewayId),
} as const;


export const IceCandidate = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const CallRef = z.object({ callId: Id });
export type CallRef = z.infer<typeof CallRef>;

export const ConferenceLeg = z.enum(['softphone', 'pbx']);
export type ConferenceLeg = z.infer<typeof ConferenceLeg>;

/** Calls whose legs join a conference; CONFERENCE_MAX_PARTICIPANTS bounds the legs. */
export const ConferenceJoin = z.object({
  conferenceId: Id,
  members: z.array(z.object({ callId: Id, legs: z.array(ConferenceLeg).min(1).max(2) })).min(1).max(32),
});
export type ConferenceJoin = z.infer<typeof ConferenceJoin>;

export const ConferenceState = z.object({
  conferenceId: Id,
  /** `<callId>/<leg>` of each leg mixed. */
  participants: z.array(z.string().max(200)).max(64),
  /** The conference ended (the calls are bridged two-party again, or closed). */
  dissolved: z.boolean(),
});
export type ConferenceState = z.infer<typeof ConferenceState>;

export const SrtpPolicy = z.enum(['off', 'sdes', 'optional']);
export type SrtpPolicy = z.infer<typeof SrtpPolicy>;

/**
 * Stable codes of the media node's errors. They travel across the bus as `BusRemoteError.remoteCode`, so
 * callers branch on them here instead of parsing messages (the classes live in services/media).
 */
export const MediaErrorCodes = {
  /** Not parseable as SDP, or a required line is malformed (answer SIP 400/488). */
  UCS_ERR_MEDIA_SDP_INVALID: 'UCS_ERR_MEDIA_SDP_INVALID',
  /** The SDP has no usable audio m-line. */
  UCS_ERR_MEDIA_NO_AUDIO: 'UCS_ERR_MEDIA_NO_AUDIO',
  /** No codec both sides support (opus, PCMU, PCMA, G722); SIP 488 Not Acceptable Here. */
  UCS_ERR_MEDIA_NO_COMMON_CODEC: 'UCS_ERR_MEDIA_NO_COMMON_CODEC',
  /** Missing or unusable DTLS fingerprint / setup role in a softphone SDP. */
  UCS_ERR_MEDIA_DTLS_INVALID: 'UCS_ERR_MEDIA_DTLS_INVALID',
  /** Missing ICE credentials in a softphone SDP. */
  UCS_ERR_MEDIA_ICE_INVALID: 'UCS_ERR_MEDIA_ICE_INVALID',
  /** An a=crypto line is malformed, or SRTP was required and not agreed (SIP 488). */
  UCS_ERR_MEDIA_CRYPTO_INVALID: 'UCS_ERR_MEDIA_CRYPTO_INVALID',
  /** A trickled ICE candidate is malformed or names another m-line. */
  UCS_ERR_MEDIA_CANDIDATE_INVALID: 'UCS_ERR_MEDIA_CANDIDATE_INVALID',
  /** The command names a call this node does not carry. */
  UCS_ERR_MEDIA_CALL_NOT_FOUND: 'UCS_ERR_MEDIA_CALL_NOT_FOUND',
  /** The command does not fit the call's state (e.g. an answer before the offer). */
  UCS_ERR_MEDIA_CALL_STATE: 'UCS_ERR_MEDIA_CALL_STATE',
  /** The node is draining and takes no new calls; place the call on another node. */
  UCS_ERR_MEDIA_DRAINING: 'UCS_ERR_MEDIA_DRAINING',
  /** No live mediasoup worker on the node. */
  UCS_ERR_MEDIA_NO_WORKER: 'UCS_ERR_MEDIA_NO_WORKER',
  /** mediasoup could not allocate a router, transport, port or stream. */
  UCS_ERR_MEDIA_ALLOCATION_FAILED: 'UCS_ERR_MEDIA_ALLOCATION_FAILED',
  /** The call failed (its worker died, DTLS failed) or was closed while the command ran. */
  UCS_ERR_MEDIA_CALL_FAILED: 'UCS_ERR_MEDIA_CALL_FAILED',
  /** Placement found no live, non-draining media node. */
  UCS_ERR_MEDIA_NO_NODE: 'UCS_ERR_MEDIA_NO_NODE',
  /** A capture of this call is already running (HTTP 409). */
  UCS_ERR_MEDIA_CAPTURE_RUNNING: 'UCS_ERR_MEDIA_CAPTURE_RUNNING',
  /** No capture of this call is running, or no capture with this id is stored (HTTP 404). */
  UCS_ERR_MEDIA_CAPTURE_NOT_FOUND: 'UCS_ERR_MEDIA_CAPTURE_NOT_FOUND',
  /** CAPTURE_MAX_CONCURRENT captures run on this node already (HTTP 429). */
  UCS_ERR_MEDIA_CAPTURE_TOO_MANY: 'UCS_ERR_MEDIA_CAPTURE_TOO_MANY',
  /** The requested duration or size exceeds CAPTURE_MAX_SECONDS / CAPTURE_MAX_BYTES (HTTP 413). */
  UCS_ERR_MEDIA_CAPTURE_TOO_LARGE: 'UCS_ERR_MEDIA_CAPTURE_TOO_LARGE',
  /** The capture file could not be created or written (disk full, read-only); the call goes on. */
  UCS_ERR_MEDIA_CAPTURE_WRITE_FAILED: 'UCS_ERR_MEDIA_CAPTURE_WRITE_FAILED',
  /**
   * conference.join of a call on Direct Media whose partner call (the softphone leg that carries its far
   * end) is not on this node: the partner's softphone leg cannot be mixed here.
   */
  UCS_ERR_MEDIA_CONFERENCE_PARTNER: 'UCS_ERR_MEDIA_CONFERENCE_PARTNER',
} as const;
export type MediaErrorCode = (typeof MediaErrorCodes)[keyof typeof MediaErrorCodes];

/** The node's view of one call (the reply of `call.dump`). */
export const MediaCallDump = z.object({
  callId: Id,
  mediaPath: MediaPath.nullable(),
  codec: CodecName.nullable(),
  legs: z.array(z.object({ legId: Id, kind: z.enum(['softphone', 'pbx']), state: z.string() })),
});
export type MediaCallDump = z.infer<typeof MediaCallDump>;

export const CaptureState = z.enum(['running', 'stopped', 'failed']);
export type CaptureState = z.infer<typeof CaptureState>;

/** Why a capture stopped: on request, its call ended, a limit was reached, or its file failed. */
export const CaptureStopReason = z.enum(['requested', 'call-ended', 'duration-limit', 'size-limit', 'write-failed', 'node-stopping']);
export type CaptureStopReason = z.infer<typeof CaptureStopReason>;

/** One capture (running or stored) on a media node. */
export const CaptureInfo = z.object({
  captureId: Id,
  callId: Id,
  nodeId: Id,
  state: CaptureState,
  stopReason: CaptureStopReason.nullable(),
  /** The write error of a failed capture. */
  error: z.string().max(1024).nullable(),
  /** Who started it (admin user name, or `policy:<line>`). */
  startedBy: z.string().max(128),
  startedAt: z.number().int(),
  stoppedAt: z.number().int().nullable(),
  maxSeconds: z.number().int().min(1),
  maxBytes: z.number().int().min(1),
  bytes: z.number().int().min(0),
  packets: z.number().int().min(0),
  /** Packets per interface (`softphone-leg`, `pbx-leg`, `direct-link`, `sip`). */
  interfaces: z.record(z.string(), z.number().int().min(0)),
  /**
   * The media node's own RTP packet counters (mediasoup stream stats) over the capture, per
   * `<interface>/<in|out>`, read when the capture stops (or just before its call is closed by the
   * `call.close` command); a stream whose Producer or Consumer changed meanwhile is left out. Null while
   * running, or when the call ended otherwise (failure, drain).
   */
  nodePackets: z.record(z.string(), z.number().int()).nullable(),
  /** Per `<interface>/<in|out>`, the addresses its packets were written with (the last ones, if they changed). */
  endpoints: z.record(z.string(), z.object({
    src: z.object({ address: z.string(), port: z.number().int() }),
    dst: z.object({ address: z.string(), port: z.number().int() }),
  })),
});
export type CaptureInfo = z.infer<typeof CaptureInfo>;

export const CaptureRef = z.object({ captureId: Id });

/** Largest chunk `capture.read` returns (bytes before base64), below NATS's 1 MB message limit. */
export const CAPTURE_READ_MAX_BYTES = 512 * 1024;

/**
 * A call-creating PBX command's hint: the call on this node the new one will likely be linked with (the
 * other leg of the same conversation through the PBX). The node puts the new call on that call's worker,
 * and its router when the payload types agree; an unknown or ended call is no error, just no hint.
 */
const NearCall = Id.optional();

export const MediaCommands = {
  /**
   * A softphone's SDP offer (outgoing softphone call). Creates the WebRTC leg; the answer waits for the codec.
   * With `answerTo` (a gateway's instance id) the node publishes that answer on MediaTopics.softphoneAnswer
   * as soon as the PBX's answer fixes the codec; softphone.answer still returns it.
   */
  softphoneOffer: command('media', 'softphone.offer', CallRef.extend({ sdp: Sdp, answerTo: Id.optional() }), z.object({ legId: Id, codecs: z.array(CodecName).min(1) })),
  /** The SDP answer for the softphone's offer, once the PBX leg has fixed the codec. */
  softphoneAnswer: command('media', 'softphone.answer', CallRef, z.object({ sdp: Sdp })),
  /** The server's SDP offer to a called softphone, in the codec the PBX leg fixed. */
  softphoneCreateOffer: command('media', 'softphone.create-offer', CallRef, z.object({ legId: Id, sdp: Sdp })),
  /** The called softphone's SDP answer. */
  softphoneApplyAnswer: command('media', 'softphone.apply-answer', CallRef.extend({ sdp: Sdp }), Empty),
  /** Trickle ICE from the softphone; `candidate: null` is end-of-candidates. */
  softphoneCandidate: command('media', 'softphone.candidate', CallRef.extend({ candidate: IceCandidate.nullable() }), Empty),
  /**
   * A connected softphone's new offer (ICE restart after a network change, or the same session again):
   * answered in the call's codec and DTLS role, with fresh ICE credentials when the softphone restarts ICE.
   */
  softphoneReoffer: command('media', 'softphone.reoffer', CallRef.extend({ sdp: Sdp }), z.object({ sdp: Sdp })),
  /**
   * The node's re-offer to a connected softphone whose video no longer matches the PBX side's (the PBX
   * added video by re-INVITE, or set it to port 0); `sdp: null` when they match already.
   */
  softphoneCreateReoffer: command('media', 'softphone.create-reoffer', CallRef, z.object({ sdp: Sdp.nullable() })),
  /**
   * The softphone's answer to that re-offer (`sdp: null`: it declined or did not answer; the session
   * stays as it was). `video`: the softphone leg carries video now.
   */
  softphoneApplyReanswer: command('media', 'softphone.apply-reanswer', CallRef.extend({ sdp: Sdp.nullable() }), z.object({ video: z.boolean() })),
  /** Our SDP offer toward the PBX (outgoing INVITE), codecs limited to the softphone's. */
  pbxCreateOffer: command('media', 'pbx.create-offer', CallRef.extend({ srtp: SrtpPolicy.default('optional') }), z.object({ legId: Id, sdp: Sdp })),
  /**
   * Our SDP offer for an incoming INVITE without SDP (late offer), sent in our 200; creates the call. One
   * codec, fixed for the call, so the softphone can be offered the call before the ACK brings the answer.
   */
  pbxLateOffer: command('media', 'pbx.late-offer', CallRef.extend({ srtp: SrtpPolicy.default('optional'), near: NearCall }), z.object({ legId: Id, sdp: Sdp })),
  /**
   * The PBX's SDP answer (200 OK, 183 early media, or the ACK of a late offer). `answered`: it came in the
   * 2xx to our INVITE (the far end answered), which the softphone answer pushed to the gateway says.
   */
  pbxApplyAnswer: command('media', 'pbx.apply-answer', CallRef.extend({ sdp: Sdp, answered: z.boolean().optional() }), z.object({ codec: CodecName, mediaPath: MediaPath })),
  /** An SDP offer from the PBX: incoming INVITE, or a re-INVITE/UPDATE (hold, resume, re-target). */
  pbxOffer: command('media', 'pbx.offer', CallRef.extend({ sdp: Sdp, near: NearCall }), z.object({
    legId: Id,
    sdp: Sdp,
    codec: CodecName,
    mediaPath: MediaPath,
    /** A re-INVITE changed whether the call carries video: the softphone must be re-offered (softphone.create-reoffer). */
    softphoneRenegotiate: z.boolean().optional(),
  })),
  /** Our own re-INVITE offer for hold (sendonly) or retrieve (sendrecv). */
  pbxHoldOffer: command('media', 'pbx.hold-offer', CallRef.extend({ hold: z.boolean() }), z.object({ sdp: Sdp })),
  /**
   * Our re-offer toward the PBX adding a video m-line (`video: true`, upgrade) or setting it to port 0
   * (downgrade); `sdp: null` when the PBX side is that way already.
   */
  pbxVideoOffer: command('media', 'pbx.video-offer', CallRef.extend({ video: z.boolean() }), z.object({ sdp: Sdp.nullable() })),
  /**
   * Joins calls' legs into a conference on this node (created on first use): their audio is mixed, each
   * leg hears everyone but itself. All the calls must be on this node, with audio. The `pbx` leg of a
   * call on Direct Media carries nothing: its far end is mixed from the partner call's softphone leg,
   * which must be on this node too (else UCS_ERR_MEDIA_CONFERENCE_PARTNER).
   */
  conferenceJoin: command('media', 'conference.join', ConferenceJoin, ConferenceState),
  /**
   * Takes a call out of a conference; with fewer than two left, or two that can be bridged without the
   * mixer (one call's own legs, two Direct Media partners), it dissolves.
   */
  conferenceLeave: command('media', 'conference.leave', z.object({ conferenceId: Id, callId: Id }), ConferenceState),
  /** Closes both legs of a call; idempotent. */
  close: command('media', 'call.close', CallRef.extend({ cause: z.string().max(128).optional() }), z.object({ quality: MediaQuality.nullable() })),
  /** The node's view of one call, for the admin API. */
  dump: command('media', 'call.dump', CallRef, MediaCallDump),
  /**
   * Drain the node (`draining: true`): it takes no new calls, its running calls end by themselves (or are
   * closed after MEDIA_DRAIN_TIMEOUT_MS, as at shutdown); `false` makes it take calls again. Replies at once.
   */
  drain: command('media', 'node.drain', z.object({ draining: z.boolean() }), z.object({ draining: z.boolean(), calls: z.number().int().min(0) })),
  /** Starts capturing a call (any state, ringing too) into a pcapng file on the node. */
  captureStart: command('media', 'capture.start', CallRef.extend({
    startedBy: z.string().min(1).max(128),
    maxSeconds: z.number().int().min(1).optional(),
    maxBytes: z.number().int().min(1).optional(),
  }), CaptureInfo),
  /** Stops the call's running capture and completes its file (SIP messages merged in). */
  captureStop: command('media', 'capture.stop', CallRef, CaptureInfo),
  /** The captures stored or running on the node, newest first; `callId` filters. */
  captureList: command('media', 'capture.list', z.object({ callId: Id.optional() }), z.object({ captures: z.array(CaptureInfo) })),
  /** A chunk of a stopped capture's file (base64). */
  captureRead: command('media', 'capture.read', CaptureRef.extend({
    offset: z.number().int().min(0),
    length: z.number().int().min(1).max(CAPTURE_READ_MAX_BYTES),
  }), z.object({ data: z.string(), total: z.number().int().min(0) })),
  /** Deletes a stopped capture's file. */
  captureDelete: command('media', 'capture.delete', CaptureRef, Empty),
} as const;
