import type { Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import type { PeerSessions } from '../cluster/PeerSessions.ts';
import { AsnClientCapabilityEnum, type AsnClientCapabilitiesV2, type InvokeHandlers } from '../protocol/mod.ts';
import type { UserStore } from '../users/UserStore.ts';
import { capabilitiesOf, mergeCapabilities } from './clientCapabilities.ts';
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
  users: Pick<UserStore, 'getById'>;
  /** The other gateways' users (several gateways share the clients): their sessions' capabilities. */
  peers?: Pick<PeerSessions, 'capabilities' | 'on' | 'off'>;
  logger: Logger;
}

/** The sum over a user's sessions here and on every other gateway (capabilities once each, custom pairs as declared). */
export function userCapabilities(sessions: SessionRegistry, user: UserRow, peers?: Pick<PeerSessions, 'capabilities'>): AsnClientCapabilitiesV2 {
  return mergeCapabilities([...sessions.ofUser(user.id).map(capabilitiesOf), ...(peers?.capabilities(user.id) ?? [])]);
}

/**
 * asnSetClientCapabilitiesV2 / asnGetClientCapabilitiesV2. Declaring capabilities decides whether a
 * session is a softphone: only sessions that handle audio (`bAudio`) get AV calls (asnAVNewCallV2),
 * incoming or driven by CTI (SessionRegistry.softphoneOf). Presence subscribers of the user hear of a
 * change with asnClientCapabilitiesV2Changed — also of one on another gateway (its `gateway.sessions`
 * entry for the user says other capabilities, or the entry or its run went). Both report the user's sum
 * over every gateway. `close()` stops listening to the other gateways.
 */
export function capabilityOperations(deps: CapabilityOperationsDeps): {
  invokes: Pick<InvokeHandlers<ClientSession>, 'asnSetClientCapabilitiesV2' | 'asnGetClientCapabilitiesV2'>;
  events: Record<string, never>;
  close(): void;
} {
  const { sessions, presence, peers } = deps;
  const onPeer = (userId: string): void => {
    if (presence.subscribersOf(userId).length === 0) return;
    void deps.users.getById(userId).then((user) => {
      if (!user) return;
      // Read after the lookup: the subscribers and the sum as they are now.
      const changed = { capabilities: [{ u8sID: presence.contactIdOf(user), capabilities: userCapabilities(sessions, user, peers) }] };
      for (const s of presence.subscribersOf(userId)) s.sendEvent('asnClientCapabilitiesV2Changed', changed);
    }, (err: unknown) => deps.logger.warn({ err, userId }, 'capability change of another gateway not told'));
  };
  peers?.on('capabilities', onPeer);
  return {
    close: () => void peers?.off('capabilities', onPeer),
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
        sessions.capabilitiesChanged(session);
        const changed = { capabilities: [{ u8sID: presence.contactIdOf(user), capabilities: userCapabilities(sessions, user, peers) }] };
        for (const s of presence.subscribersOf(user.id)) s.sendEvent('asnClientCapabilitiesV2Changed', changed);
        return {};
      },

      async asnGetClientCapabilitiesV2(arg, session) {
        session.requireUser;
        if (arg.u8slistContactIDs.length > 1000) throw new CtiRequestError(PresenceError.toomany, 'at most 1000 contacts per request');
        const capabilities = [];
        for (const id of arg.u8slistContactIDs) {
          const user = await presence.resolve(id);
          if (user) capabilities.push({ u8sID: presence.contactIdOf(user), capabilities: userCapabilities(sessions, user, peers) });
        }
        return { capabilities };
      },
    },
    events: {},
  };
}
