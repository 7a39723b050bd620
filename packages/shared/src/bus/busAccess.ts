// Who may do what on the bus: for each service, the commands it serves and requests, the topics it
// publishes and subscribes to, and its part in the CALLS JetStream stream, by contract entry. The NATS
// server's per-service users and permissions are generated from this one table (natsAuthorization.ts),
// and a test holds it equal to what each service's sources use. A service that starts using a command or
// topic adds it here, regenerates the server's authorization (npm start and the compose init do it at
// every start) and nothing else.
import type { Command, KvBucket, Topic } from './contract.ts';
import { CallTopics } from './calls.ts';
import { GatewayTopics } from './gateway.ts';
import { LineCommands, LineTopics } from './lines.ts';
import { MediaCommands, MediaTopics } from './media.ts';
import { CtiCommands, PbxBuckets, PbxCommands, PbxTopics } from './pbx.ts';
import type { Subjects } from './subjects.ts';

/** The services that connect to the bus, each as its own NATS user. */
export const busServices = ['cti-gateway', 'media', 'pbx-adapter'] as const;
export type BusService = (typeof busServices)[number];

export interface BusUse {
  /** Commands it answers: it subscribes to their subjects and may publish one reply per request. */
  readonly serves: readonly Command[];
  /** Commands it sends: it publishes to their subjects; replies come to its own inbox. */
  readonly requests: readonly Command[];
  /** Topics it publishes (core NATS, or into the CALLS stream with publishDurable). */
  readonly publishes: readonly Topic[];
  /** Topics it subscribes to. */
  readonly subscribes: readonly Topic[];
  /** It finds, creates and updates the CALLS stream (BusClient.ensureCallStream). */
  readonly callStream: boolean;
  /** Durable consumers of the CALLS stream it runs (BusClient.consume). */
  readonly callConsumers: readonly string[];
  /** Key-value buckets it opens, reads and writes (BusClient.kv). */
  readonly kvBuckets: readonly KvBucket[];
}

const all = <T>(table: Record<string, T>): T[] => Object.values(table);

export const busAccess: Readonly<Record<BusService, BusUse>> = {
  'cti-gateway': {
    serves: [LineCommands.list, ...all(CtiCommands)],
    requests: [
      LineCommands.registrations,
      // call.sip is the media node's (capture files), not the gateway's.
      ...all(PbxCommands).filter((c) => c !== PbxCommands.callSip),
      MediaCommands.softphoneOffer,
      MediaCommands.softphoneAnswer,
      MediaCommands.softphoneCreateOffer,
      MediaCommands.softphoneApplyAnswer,
      MediaCommands.softphoneCandidate,
      MediaCommands.softphoneReoffer,
      MediaCommands.softphoneCreateReoffer,
      MediaCommands.softphoneApplyReanswer,
      MediaCommands.close,
      MediaCommands.conferenceJoin,
      MediaCommands.drain,
      MediaCommands.captureStart,
      MediaCommands.captureStop,
      MediaCommands.captureList,
      MediaCommands.captureRead,
      MediaCommands.captureDelete,
    ],
    // gateway.*: the gateways that share the clients keep each other informed (sessions, changes).
    publishes: [LineTopics.changed, GatewayTopics.heartbeat, GatewayTopics.sessions, GatewayTopics.changed],
    subscribes: [LineTopics.registration, CallTopics.event, CallTopics.media, MediaTopics.heartbeat, MediaTopics.quality, MediaTopics.softphoneAnswer, GatewayTopics.heartbeat, GatewayTopics.sessions, GatewayTopics.changed, PbxTopics.heartbeat],
    callStream: true,
    callConsumers: ['journal-writer'],
    kvBuckets: [],
  },
  media: {
    serves: all(MediaCommands),
    requests: [PbxCommands.callSip],
    publishes: [MediaTopics.heartbeat, MediaTopics.quality, MediaTopics.softphoneAnswer, CallTopics.media],
    subscribes: [],
    callStream: true,
    callConsumers: [],
    kvBuckets: [],
  },
  'pbx-adapter': {
    serves: [...all(PbxCommands), LineCommands.registrations],
    requests: [
      LineCommands.list,
      CtiCommands.incomingCall,
      CtiCommands.renegotiate,
      MediaCommands.pbxCreateOffer,
      MediaCommands.pbxLateOffer,
      MediaCommands.pbxApplyAnswer,
      MediaCommands.pbxOffer,
      MediaCommands.pbxHoldOffer,
      MediaCommands.pbxVideoOffer,
      MediaCommands.close,
    ],
    publishes: [LineTopics.registration, CallTopics.event, PbxTopics.heartbeat],
    subscribes: [LineTopics.changed, CallTopics.media, MediaTopics.heartbeat, GatewayTopics.heartbeat],
    callStream: true,
    callConsumers: [],
    kvBuckets: [PbxBuckets.calls, PbxBuckets.lease],
  },
};

/** One NATS user's permissions: subjects it may publish to and subscribe to, and whether it answers requests. */
export interface BusPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** It serves commands: it may publish to the reply subject of a request it received (once, for a while). */
  readonly allowResponses: boolean;
}

/** The subjects a service's user needs, derived from {@link busAccess}: nothing more. */
export function busPermissions(subjects: Subjects, service: BusService): BusPermissions {
  const use = busAccess[service];
  const publish = [
    ...use.requests.map((c) => subjects.commandFilter(c)),
    ...use.publishes.map((t) => subjects.topicFilter(t)),
    ...(use.callStream ? subjects.callStreamApi : []),
    ...use.callConsumers.flatMap((d) => subjects.callConsumerApi(d)),
    ...use.kvBuckets.flatMap((b) => [subjects.kvSubject(b), ...subjects.kvApi(b)]),
  ];
  const subscribe = [
    ...use.serves.map((c) => subjects.commandFilter(c)),
    ...use.subscribes.map((t) => subjects.topicFilter(t)),
    `${subjects.inbox(service)}.>`,
  ];
  return { publish: unique(publish), subscribe: unique(subscribe), allowResponses: use.serves.length > 0 };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
