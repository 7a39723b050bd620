// Adapter: the shared MediaCommands contract ⇄ the MediaNode. Payloads are validated by the BusClient
// against the contract's schemas; domain errors travel back as data with their stable codes.
import { InternalError, MediaCommands, UcsError, type BusClient, type CommandHandlers, type Logger, type Unsubscribe } from '@ucserver/shared';
import type { MediaMetrics } from '../http/metrics.ts';
import type { MediaNode } from '../node/MediaNode.ts';

/** The commands that allocate resources; their failures are counted by reason. */
const allocating = new Set<keyof typeof MediaCommands>(['softphoneOffer', 'pbxCreateOffer', 'pbxLateOffer', 'pbxOffer', 'softphoneCreateOffer']);

/** Serves every media command on `<prefix>.media.node.<nodeId>.<verb>`; returns the subscriptions. */
export function serveMediaCommands(bus: BusClient, node: MediaNode, metrics: MediaMetrics, logger: Logger, drainTimeoutMs = 0): Unsubscribe[] {
  const handlers: CommandHandlers<typeof MediaCommands> = {
    softphoneOffer: (r) => node.softphoneOffer(r.callId, r.sdp, r.answerTo),
    softphoneAnswer: (r) => node.softphoneAnswer(r.callId),
    softphoneCreateOffer: (r) => node.softphoneCreateOffer(r.callId),
    softphoneApplyAnswer: async (r) => {
      await node.softphoneApplyAnswer(r.callId, r.sdp);
      return {};
    },
    softphoneCandidate: async (r) => {
      await node.softphoneCandidate(r.callId, r.candidate);
      return {};
    },
    softphoneReoffer: (r) => node.softphoneReoffer(r.callId, r.sdp),
    softphoneCreateReoffer: (r) => node.softphoneCreateReoffer(r.callId),
    softphoneApplyReanswer: (r) => node.softphoneApplyReanswer(r.callId, r.sdp),
    pbxVideoOffer: (r) => node.pbxVideoOffer(r.callId, r.video),
    pbxCreateOffer: (r) => node.pbxCreateOffer(r.callId, r.srtp),
    pbxLateOffer: (r) => node.pbxLateOffer(r.callId, r.srtp, r.near),
    pbxApplyAnswer: (r) => node.pbxApplyAnswer(r.callId, r.sdp, r.answered ?? false),
    pbxOffer: (r) => node.pbxOffer(r.callId, r.sdp, r.near),
    pbxHoldOffer: (r) => node.pbxHoldOffer(r.callId, r.hold),
    conferenceJoin: (r) => node.conferenceJoin(r.conferenceId, r.members),
    conferenceLeave: (r) => node.conferenceLeave(r.conferenceId, r.callId),
    close: async (r) => ({ quality: await node.close(r.callId, r.cause ?? 'normal') }),
    dump: async (r) => node.dump(r.callId),
    // An operator's drain (admin console): the reply says how many calls are still running; the node's
    // heartbeats show them going to zero. It ends like the drain at shutdown, but the node stays up.
    drain: (r) => {
      if (r.draining) {
        node.drain(drainTimeoutMs).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'drain failed'));
      } else {
        node.resume();
      }
      return { draining: node.draining, calls: node.callCount };
    },
    captureStart: (r) => node.captureStart(r.callId, { startedBy: r.startedBy, maxSeconds: r.maxSeconds, maxBytes: r.maxBytes }),
    captureStop: (r) => node.captureStop(r.callId),
    captureList: async (r) => ({ captures: await node.captures.list(r.callId) }),
    captureRead: async (r) => {
      const { data, total } = await node.captures.read(r.captureId, r.offset, r.length);
      return { data: data.toString('base64'), total };
    },
    captureDelete: async (r) => {
      await node.captures.delete(r.captureId);
      return {};
    },
  };
  const log = logger.child({ component: 'media-commands' });
  return bus.media(node.nodeId).serveTable(MediaCommands, handlers, {
    onError: (name, request, err) => {
      const code = err instanceof UcsError ? err.code : InternalError.code;
      if (allocating.has(name)) metrics.allocationFailures.inc({ reason: reasonOf(code) });
      const fields = { command: name, callId: 'callId' in request ? request.callId : undefined, code, err: err.message };
      if (err instanceof UcsError) log.info(fields, 'media command rejected');
      else log.error({ ...fields, stack: err.stack }, 'media command failed');
    },
  });
}

/** An error code as a bounded label value: MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC → `no_common_codec`. */
function reasonOf(code: string): string {
  return code.replace(/^UCS_ERR_(MEDIA_)?/, '').toLowerCase();
}
