import type { UserRow } from '@ucserver/shared/db';
import { AsnClientCapabilityEnum, type AsnClientCapabilitiesV2, type InvokeHandlers } from '../protocol/mod.ts';
import type { PresenceService } from '../presence/PresenceService.ts';
import { PresenceError } from '../presence/PresenceService.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';

/** Bounds of what one connection may declare. */
const MAX_CAPABILITIES = 64;
const MAX_CUSTOM = 64;
const MAX_CUSTOM_CHARS = 256;

export interface CapabilityOperationsDeps {
  sessions: SessionRegistry;
  presence: PresenceService;
}

/**
 * What one session handles: what it declared with asnSetClientCapabilitiesV2, else what its negotiate
 * step said (eSOFTPHONE → audio; web sessions are softphones).
 */
export function capabilitiesOf(session: ClientSession): AsnClientCapabilitiesV2 {
  return session.capabilities ?? { eClientCapabilities: session.softphone ? [AsnClientCapabilityEnum.bAudio] : [], customCapabilities: [] };
}

/** The sum over a user's connected sessions (capabilities once each, custom pairs as declared). */
export function userCapabilities(sessions: SessionRegistry, user: UserRow): AsnClientCapabilitiesV2 {
  const caps = new Set<number>();
  const custom: AsnClientCapabilitiesV2['customCapabilities'] = [];
  for (const s of sessions.ofUser(user.id)) {
    const c = capabilitiesOf(s);
    c.eClientCapabilities.forEach((e) => caps.add(e));
    for (const pair of c.customCapabilities) if (!custom.some((p) => p.key === pair.key && p.value === pair.value)) custom.push(pair);
  }
  return { eClientCapabilities: [...caps].sort((a, b) => a - b), customCapabilities: custom };
}

/**
 * asnSetClientCapabilitiesV2 / asnGetClientCapabilitiesV2. Declaring capabilities decides whether a
 * session is a softphone: only sessions that handle audio (`bAudio`) get AV calls (asnAVNewCallV2),
 * incoming or driven by CTI (SessionRegistry.softphoneOf). Presence subscribers of the user hear of a
 * change with asnClientCapabilitiesV2Changed.
 */
export function capabilityOperations(deps: CapabilityOperationsDeps): {
  invokes: Pick<InvokeHandlers<ClientSession>, 'asnSetClientCapabilitiesV2' | 'asnGetClientCapabilitiesV2'>;
  events: Record<string, never>;
} {
  const { sessions, presence } = deps;
  return {
    invokes: {
      asnSetClientCapabilitiesV2(arg, session) {
        const user = session.requireUser;
        const c = arg.capabilities;
        if (c.eClientCapabilities.length > MAX_CAPABILITIES || c.customCapabilities.length > MAX_CUSTOM) {
          throw new CtiRequestError(PresenceError.toomany, `at most ${MAX_CAPABILITIES} capabilities and ${MAX_CUSTOM} custom pairs`);
        }
        if (c.customCapabilities.some((p) => p.key.length > MAX_CUSTOM_CHARS || p.value.length > MAX_CUSTOM_CHARS)) {
          throw new CtiRequestError(PresenceError.generalerror, `custom capability keys and values have at most ${MAX_CUSTOM_CHARS} characters`);
        }
        session.capabilities = { eClientCapabilities: [...new Set(c.eClientCapabilities)], customCapabilities: c.customCapabilities };
        session.softphone = c.eClientCapabilities.includes(AsnClientCapabilityEnum.bAudio);
        const changed = { capabilities: [{ u8sID: presence.contactIdOf(user), capabilities: userCapabilities(sessions, user) }] };
        for (const s of presence.subscribersOf(user.id)) s.sendEvent('asnClientCapabilitiesV2Changed', changed);
        return {};
      },

      async asnGetClientCapabilitiesV2(arg, session) {
        session.requireUser;
        if (arg.u8slistContactIDs.length > 1000) throw new CtiRequestError(PresenceError.toomany, 'at most 1000 contacts per request');
        const capabilities = [];
        for (const id of arg.u8slistContactIDs) {
          const user = await presence.resolve(id);
          if (user) capabilities.push({ u8sID: presence.contactIdOf(user), capabilities: userCapabilities(sessions, user) });
        }
        return { capabilities };
      },
    },
    events: {},
  };
}
