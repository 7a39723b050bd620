/**
 * Client capabilities: `ENetUC_ClientCapabilities.asn1` (UC-Server-Access-Protocol-ClientCapabilities).
 */
import { z } from 'zod';
import { asnInt, asnSequence, asnString, asnStringList } from '../codec/estosJson.ts';
import { AsnStringPairList } from './common.ts';
import { defineEvent, defineInvoke } from './operation.ts';

/** `AsnClientCapabilityEnum`: well-known capabilities. */
export const AsnClientCapabilityEnum = {
  bNothing: 0,
  bAudio: 1,
  bVideo: 2,
  bScreenShare: 3,
  bCalendarExchange: 4,
  bCalendarNotes: 5,
  bCameraControl: 6,
  bPublicChat: 7,
  bPublicCall: 8,
  bConferencing: 9,
  bAudioRemoteControlServer: 10,
  bAudioRemoteControlClient: 11,
} as const;
export type AsnClientCapabilityEnum = (typeof AsnClientCapabilityEnum)[keyof typeof AsnClientCapabilityEnum];

export const AsnClientCapabilitiesV2 = asnSequence('AsnClientCapabilitiesV2', {
  /** `AsnClientCapabilityEnum` values. */
  eClientCapabilities: z.array(asnInt),
  customCapabilities: AsnStringPairList,
});
export type AsnClientCapabilitiesV2 = z.infer<typeof AsnClientCapabilitiesV2>;

export const AsnClientCapabilitiesV2ByID = asnSequence('AsnClientCapabilitiesV2ByID', {
  /** Contact id (or connection GUID) the capabilities belong to. */
  u8sID: asnString,
  capabilities: AsnClientCapabilitiesV2,
});
export type AsnClientCapabilitiesV2ByID = z.infer<typeof AsnClientCapabilitiesV2ByID>;

export const AsnSetClientCapabilitiesV2Argument = asnSequence('AsnSetClientCapabilitiesV2Argument', {
  capabilities: AsnClientCapabilitiesV2,
});
export const AsnSetClientCapabilitiesV2Result = asnSequence('AsnSetClientCapabilitiesV2Result', {});

/** What this connection handles (audio makes it a softphone). */
export const asnSetClientCapabilitiesV2 = defineInvoke({
  id: 3300,
  name: 'asnSetClientCapabilitiesV2',
  module: 'ClientCapabilities',
  argument: AsnSetClientCapabilitiesV2Argument,
  result: AsnSetClientCapabilitiesV2Result,
});

export const AsnGetClientCapabilitiesV2Argument = asnSequence('AsnGetClientCapabilitiesV2Argument', {
  u8slistContactIDs: asnStringList,
});
export const AsnGetClientCapabilitiesV2Result = asnSequence('AsnGetClientCapabilitiesV2Result', {
  capabilities: z.array(AsnClientCapabilitiesV2ByID),
});

/** The sum of the capabilities of each contact's connected clients. */
export const asnGetClientCapabilitiesV2 = defineInvoke({
  id: 3301,
  name: 'asnGetClientCapabilitiesV2',
  module: 'ClientCapabilities',
  argument: AsnGetClientCapabilitiesV2Argument,
  result: AsnGetClientCapabilitiesV2Result,
});

export const AsnClientCapabilitiesV2ChangedArgument = asnSequence('AsnClientCapabilitiesV2ChangedArgument', {
  capabilities: z.array(AsnClientCapabilitiesV2ByID),
});

/** To the presence subscribers of a contact whose capabilities changed. */
export const asnClientCapabilitiesV2Changed = defineEvent({
  id: 3302,
  name: 'asnClientCapabilitiesV2Changed',
  module: 'ClientCapabilities',
  direction: 'server-to-client',
  argument: AsnClientCapabilitiesV2ChangedArgument,
});
