import type { UserRow } from '@ucserver/shared/db';
import { AsnAbsentStateEnum, type AsnAbsentStateV2, type InvokeHandlers } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import type { ManualPresenceStore } from './ManualPresenceStore.ts';
import { absentStateOf, customNoteOf } from './presenceModel.ts';
import { PresenceError, type PresenceService } from './PresenceService.ts';

export interface AbsentOperationsDeps {
  presence: PresenceService;
  manual: ManualPresenceStore;
  sessions: SessionRegistry;
}

type Ops = 'asnSetUserAbsentState' | 'asnGetUserAbsentState' | 'asnResetUserAbsentState' | 'asnCustomNoteSet';

/**
 * Absent state and note (ENetROSEInterface.asn1): a user sets, resets and notes only for themself
 * (an empty contact id means "me"); anyone logged in reads anyone's absent state. Each change is
 * persisted first, then every session of the user gets `asnUpdateMyAbsentStateV2` /
 * `asnUpdateMyCustomNote`, and presence subscribers an `asnUpdatePresenceV2`.
 */
export function absentOperations(deps: AbsentOperationsDeps): { invokes: Pick<InvokeHandlers<ClientSession>, Ops>; events: Record<string, never> } {
  const { presence, manual, sessions } = deps;

  /** The caller, when `contactId` names the caller (or is empty); otherwise access denied. */
  const ownUser = async (session: ClientSession, contactId: string, what: string): Promise<UserRow> => {
    const me = session.requireUser;
    if (contactId.trim() === '') return me;
    const target = await presence.resolve(contactId);
    if (!target) throw new CtiRequestError(PresenceError.unknowncontact, `unknown contact '${contactId.slice(0, 64)}'`);
    if (target.id !== me.id) throw new CtiRequestError(PresenceError.accessdenied, `you may set only your own ${what}`);
    return me;
  };

  const announceAbsent = async (user: UserRow): Promise<void> => {
    const facts = await presence.facts(user);
    for (const s of sessions.ofUser(user.id)) s.sendEvent('asnUpdateMyAbsentStateV2', { absentstate: absentStateOf(facts) });
  };

  return {
    invokes: {
      async asnSetUserAbsentState(arg, session) {
        const user = await ownUser(session, arg.absentstate.u8sContactId, 'absent state');
        const state = arg.absentstate.eAbsentState;
        if (!Object.values(AsnAbsentStateEnum).includes(state as AsnAbsentStateEnum)) {
          throw new CtiRequestError(PresenceError.generalerror, `eAbsentState ${state} is not an AsnAbsentStateEnum value (0-4)`);
        }
        const absent: AsnAbsentStateV2 | undefined = state === AsnAbsentStateEnum.eABSENTSTATENOTSET ? undefined : {
          u8sContactId: presence.contactIdOf(user),
          eAbsentState: state,
          ...(arg.absentstate.stTimeFrom ? { stTimeFrom: arg.absentstate.stTimeFrom } : {}),
          ...(arg.absentstate.stTimeTo ? { stTimeTo: arg.absentstate.stTimeTo } : {}),
          ...(arg.absentstate.eReachability !== undefined ? { eReachability: arg.absentstate.eReachability } : {}),
        };
        await manual.setAbsent(user.id, absent);
        await announceAbsent(user);
        return { bSuccess: true };
      },

      async asnGetUserAbsentState(arg, session) {
        session.requireUser;
        const user = arg.contactId.trim() === '' ? session.requireUser : await presence.resolve(arg.contactId);
        if (!user) throw new CtiRequestError(PresenceError.unknowncontact, `unknown contact '${arg.contactId.slice(0, 64)}'`);
        return { absentstate: absentStateOf(await presence.facts(user)) };
      },

      async asnResetUserAbsentState(arg, session) {
        const user = await ownUser(session, arg.u8sContactId, 'absent state');
        await manual.setAbsent(user.id, undefined);
        await announceAbsent(user);
        return {};
      },

      async asnCustomNoteSet(arg, session) {
        const user = await ownUser(session, arg.customnote.u8sContactID, 'note');
        await manual.setNote(user.id, arg.customnote.u8sNote);
        const note = customNoteOf(await presence.facts(user));
        for (const s of sessions.ofUser(user.id)) s.sendEvent('asnUpdateMyCustomNote', { customnote: note });
        return {};
      },
    },
    events: {},
  };
}
