// The public surface of @ucserver/shared: exactly what services get. The database (schema, migrations,
// openDatabase, password hashing) is a surface of its own, "@ucserver/shared/db" (./db/mod.ts).
export {
  UcsError,
  ConfigError,
  InvalidStateError,
  BusPayloadError,
  BusTimeoutError,
  BusNoRespondersError,
  BusClosedError,
  BusNoReply,
  BusRemoteError,
  BusPermissionError,
  SealedSecretError,
  MigrationError,
  InternalError,
  SharedErrorCodes,
} from './errors.ts';
export type { ConfigIssue, SharedErrorCode, ErrorCatalogue } from './errors.ts';
export { sharedErrorCatalogue, mediaWireCodes } from './errorCatalogue.ts';

export { loadConfig, variablesOf, secretVariablesOf, describeConfig } from './config/env.ts';
export type { EnvSchema, ConfigDoc } from './config/env.ts';
export { CtiGatewayConfig, MediaConfig, PbxAdapterConfig, serviceConfigs, exampleSecrets, isExampleSecret } from './config/services.ts';
export { parsePeer, parsePeerList, isPeerList, peerBlockList, type PeerRange } from './config/peers.ts';

export { createLogger } from './logging/logger.ts';
export { boundFields, excerpt, EXCERPT_CHARS, LOG_FIELD_BOUNDS, type FieldBounds } from './logging/excerpt.ts';
export type { Logger } from './logging/logger.ts';

export { BusClient } from './bus/BusClient.ts';
export { summarize } from './bus/payloads.ts';
export type {
  BusClientOptions,
  BusClientEvents,
  BusConnectionState,
  SubscribeOptions,
  ConsumeOptions,
  DurableConsumer,
  StreamOptions,
  Unsubscribe,
  BusCredentials,
  BusTls,
} from './bus/BusClientTypes.ts';
export { busConnection } from './bus/busConnection.ts';
export type { BusConnection, BusConnectionConfig } from './bus/busConnection.ts';
export { busServices } from './bus/busAccess.ts';
export type { BusService } from './bus/busAccess.ts';
export { SealedSecret, parseSealingKey } from './bus/sealedSecret.ts';
export type { SealingKey } from './bus/sealedSecret.ts';
export { sealLineConfig, openLineConfig } from './bus/lineCredentials.ts';
export { command, topic, kvBucket, Empty, Id, ReplyEnvelope, BusErrorBody } from './bus/contract.ts';
export type { Command, CommandNamespace, CommandHandler, CommandHandlers, RequestOf, ReplyOf, Topic, PayloadOf, KvBucket } from './bus/contract.ts';
export { KvStore } from './bus/KvStore.ts';
export type { KvEntry, KvOptions } from './bus/KvStoreTypes.ts';
export { BusPeer } from './bus/BusPeer.ts';
export type { RequestOptions, ServeTableOptions } from './bus/BusPeerTypes.ts';
export * from './bus/lines.ts';
export * from './bus/calls.ts';
export * from './bus/media.ts';
export * from './bus/pbx.ts';
export * from './bus/gateway.ts';

export { createHttpServer } from './http/httpServer.ts';
export type { HttpServerOptions, ReadinessCheck } from './http/httpServer.ts';
export { createMetricsRegistry, instrumentBus, metricPrefix } from './http/metrics.ts';
export { handleSignals, exitOnStartupError } from './http/lifecycle.ts';
export type { ServiceHandle } from './http/lifecycle.ts';
export { BusOutageGuard, DEFAULT_SETTLE_MS, heartbeatSilent } from './bus/BusOutageGuard.ts';
export type { BusOutageGuardEvents, BusOutageGuardOptions, BusStateSource, SilenceQuestion } from './bus/BusOutageGuardTypes.ts';
export { HeartbeatPublisher, type HeartbeatPublisherOptions } from './bus/HeartbeatPublisher.ts';
export { MediaPlacement, NoMediaNodeError } from './bus/MediaPlacement.ts';
export type { MediaPlacementOptions, MediaPlacementEvents, MediaNodeInfo, MediaPickOptions } from './bus/MediaPlacement.ts';

export { sectionHeaderBlock, interfaceDescriptionBlock, udpPacketBlock, ipUdpPacket, internetChecksum, captureClockUs, PCAPNG_LINKTYPE_RAW, PCAPNG_MAX_PAYLOAD } from './capture/pcapng.ts';
export type { PcapngInterface, UdpDatagram, UdpEndpoint } from './capture/pcapng.ts';
