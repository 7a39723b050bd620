import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@ucserver/shared';

export { check, Latch } from './check.ts';
export { NatsServer } from './NatsServer.ts';
export type { NatsServerOptions } from './NatsServerTypes.ts';
export { createTestDatabase, adminUrl } from './postgres.ts';
export { PostgresServer } from './PostgresServer.ts';

/** The shared NATS server of the machine (or TEST_NATS_URL). Tests isolate themselves with {@link uniquePrefix}. */
export const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * LINE_CREDENTIALS_KEY for the services and bus peers a test process starts (the gateway seals, the
 * pbx-adapter opens the SIP passwords with it): random per process, as a deployment's is.
 */
export const testLineCredentialsKey = randomBytes(32).toString('base64');

/** A bus prefix no other test uses, so subjects and streams never collide. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Silent unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug node scripts/test.ts unit bus). */
export function testLogger(service = 'test'): Logger {
  return createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

// Test PBX and SIP/RTP tools (infra/pbx): real kamailio, rtpengine, baresip and SIPp processes on loopback.
export { ManagedProcess, type ManagedProcessOptions, type ProcessExit } from './ManagedProcess.ts';
export { freePort, freePortRange, pickRange, releasePorts, type FreePortOptions } from './freePorts.ts';
export { bencode, bdecode, type BencodeValue } from './bencode.ts';
export { Rtpengine } from './Rtpengine.ts';
export type { RtpengineOptions, RtpCounters, RtpengineStream, RtpengineCallStats, RtpengineTotals } from './RtpengineTypes.ts';
export { Kamailio, KamailioRpcError, pbxDir, linePassword, usersCfg } from './Kamailio.ts';
export type { KamailioMode, KamailioOptions, KamailioContact } from './KamailioTypes.ts';
export { Sipp, parseStats } from './Sipp.ts';
export type { SippScenario, SippOptions, SippResult, SippStats } from './SippTypes.ts';
export { Baresip } from './Baresip.ts';
export type { BaresipOptions, BaresipEvent, BaresipEventType, BaresipEvents, BaresipRecording } from './BaresipTypes.ts';
export { RtpEndpoint, type RtpPacket } from './RtpEndpoint.ts';
export { buildRtp, isRtcp, parseRtp, testPayload, type ParsedRtp, type RtpPacketFields } from './rtp.ts';
export { header, parseSipMessage, parseSippMessageLog, parseSdp, sipPing, type SipMessage, type SdpMedia, type SdpSummary } from './sipMessages.ts';
export * from './tones.ts';
export { deleteTestStream } from './streams.ts';
export { chromiumArgs, chromiumPath } from './chromium.ts';
export { NatsCluster } from './NatsCluster.ts';
export { TcpProxy } from './TcpProxy.ts';
export type { NatsClusterOptions } from './NatsClusterTypes.ts';
export { rtpStreams, rtpPayloads, rtcpSenderReports, framesPerInterface, sipStat, decodeOpus, type RtpStreamRow } from './tshark.ts';
export { assertIsolated, enterNetworkNamespace, interfaceNames } from './netns.ts';
export { TestNetwork } from './TestNetwork.ts';
export type { TestHost, TestNetworkOptions } from './TestNetworkTypes.ts';
