// What a user's clients handle (ENetUC client capabilities), summed over sessions and over gateways: the
// sessions here and what the other gateways announce of theirs (`gateway.sessions`, PeerSessions).
import { GATEWAY_CAPABILITIES_MAX_CUSTOM, type GatewayClientCapabilities } from '@ucserver/shared';
import { AsnClientCapabilityEnum, type AsnClientCapabilitiesV2 } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';

/**
 * What one session handles: what it declared with asnSetClientCapabilitiesV2, else what its negotiate
 * step said (eSOFTPHONE → audio; web sessions are softphones).
 */
export function capabilitiesOf(session: ClientSession): AsnClientCapabilitiesV2 {
  return session.capabilities ?? { eClientCapabilities: session.softphone ? [AsnClientCapabilityEnum.bAudio] : [], customCapabilities: [] };
}

/** The union of several sets: each capability once (sorted), custom pairs once each, in first-seen order. */
export function mergeCapabilities(sets: Iterable<AsnClientCapabilitiesV2 | GatewayClientCapabilities>): AsnClientCapabilitiesV2 {
  const caps = new Set<number>();
  const custom: AsnClientCapabilitiesV2['customCapabilities'] = [];
  for (const c of sets) {
    c.eClientCapabilities.forEach((e) => caps.add(e));
    for (const pair of c.customCapabilities) if (!custom.some((p) => p.key === pair.key && p.value === pair.value)) custom.push({ key: pair.key, value: pair.value });
  }
  return { eClientCapabilities: [...caps].sort((a, b) => a - b), customCapabilities: custom };
}

/**
 * The sum over a user's authenticated sessions on this gateway, as announced to the others: undefined
 * when it is empty; bounded as the bus message is (at most 64 capabilities, 64 custom pairs).
 */
export function announcedCapabilities(sessions: ClientSession[]): GatewayClientCapabilities | undefined {
  const sum = mergeCapabilities(sessions.filter((s) => s.state === 'authenticated').map(capabilitiesOf));
  if (sum.eClientCapabilities.length === 0 && sum.customCapabilities.length === 0) return undefined;
  return { eClientCapabilities: sum.eClientCapabilities.slice(0, 64), customCapabilities: sum.customCapabilities.slice(0, GATEWAY_CAPABILITIES_MAX_CUSTOM) };
}

/** Whether two announced sums say the same (both absent counts as the same). */
export function sameCapabilities(a: GatewayClientCapabilities | undefined, b: GatewayClientCapabilities | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
