/**
 * Presence computed from what the server knows, as pure functions (no I/O): a user's lines and the
 * calls on them, DND per line, whether the user has a connected client, the manual absent state and
 * the note. `PresenceService` feeds them and diffs the snapshots; tests drive them from tables.
 */
import type { CallState } from '@ucserver/shared';
import {
  AsnAbsentStateEnum,
  AsnContactFeatureSetEnum,
  AsnContactPhoneLineState,
  AsnContactPhoneLineType,
  AsnPresenceCallAction,
  AsnPresenceStateEnum,
  AsnPresenceStateFlags,
  AsnPresenceSubscriptionFlags,
  AsnUserStaticRights,
  EAsnCallState,
  EAsnJournalCallType,
  EnumCallDisconnectedReason,
  EnumCallRecordingState,
  EnumForwardController,
  minimalContactV2,
  type AsnAbsentStateV2,
  type AsnContactPhoneLineV2,
  type AsnContactV2,
  type AsnCustomNote,
  type AsnPresenceCallV2,
  type AsnPresenceForward,
  type AsnPresenceLine,
  type AsnPresenceV2,
} from '../protocol/mod.ts';

/** One line of a user as presence shows it. */
export interface PresenceLineFacts {
  number: string;
  /** The line's display name (its descriptor); default the number. */
  descriptor?: string;
  dnd: boolean;
  /** The forwards the line's user set (asnCtiSetForward), in their order. Default none. */
  forwards?: ReadonlyArray<{ mode: number; destination: string; noAnswerS?: number | undefined }>;
}

/** One call on one of the user's lines. */
export interface PresenceCallFacts {
  callId: string;
  lineNumber: string;
  state: CallState;
  direction: 'inbound' | 'outbound';
  remoteNumber: string;
  remoteName: string | undefined;
}

/** The manual part: absent state (undefined = not set) and note. */
export interface ManualPresence {
  absent: AsnAbsentStateV2 | undefined;
  note: string;
}

/** Everything presence is computed from, for one user. */
export interface PresenceFacts {
  contactId: string;
  login: string;
  displayName: string;
  online: boolean;
  lines: PresenceLineFacts[];
  calls: PresenceCallFacts[];
  manual: ManualPresence;
}

const S = AsnPresenceStateEnum;
const FL = AsnPresenceStateFlags;

const callStates: Record<CallState, number> = {
  offering: EAsnCallState.offering,
  dialing: EAsnCallState.dialing,
  ringback: EAsnCallState.ringback,
  connected: EAsnCallState.connected,
  held: EAsnCallState.hold,
  disconnected: EAsnCallState.disconnected,
};

/**
 * `iPresenceState`: low byte the state, high bits the flags.
 * - DND on a line or absent state "do not disturb" → DONOTDISTURB;
 * - a call past ringing (dialing, ringback, connected, held) → BUSY + CALL; ringing only → RINGING flag;
 * - absent "out of office" → ABSENT, absent "busy" → BUSY;
 * - otherwise AVAILABLE when a client is connected; without one UNCONTROLLED + OFFLINE.
 * A note adds NOTESET.
 */
export function presenceState(facts: PresenceFacts): number {
  const live = facts.calls.filter((c) => c.state !== 'disconnected');
  const active = live.some((c) => c.state !== 'offering');
  const ringing = live.some((c) => c.state === 'offering');
  const absent = facts.manual.absent?.eAbsentState;
  let state: number = facts.online ? S.eAVAILABLE : S.eUNCONTROLLED;
  let flags = facts.online ? 0 : FL.eOFFLINE;
  if (absent === AsnAbsentStateEnum.eABSENTSTATEOUTOFOFFICE) state = S.eABSENT;
  if (absent === AsnAbsentStateEnum.eABSENTSTATEBUSY) state = S.eBUSY;
  if (active) {
    state = S.eBUSY;
    flags |= FL.eCALL;
  }
  if (ringing) flags |= FL.eRINGING;
  if (absent === AsnAbsentStateEnum.eABSENTSTATEDONOTDISTURB || facts.lines.some((l) => l.dnd)) state = S.eDONOTDISTURB;
  if (facts.manual.note !== '') flags |= FL.eNOTESET;
  return (state | flags) >>> 0;
}

export function presenceLines(facts: PresenceFacts): AsnPresenceLine[] {
  return facts.lines.map((l) => ({
    u8sLinePhoneNumber: `tel:${l.number}`,
    u8sLineNumber: l.number,
    iState: 1,
    iDoNotDisturb: l.dnd ? 1 : 0,
    iForwardFeaturesPBX: 0,
  }));
}

export function presenceCalls(facts: PresenceFacts): AsnPresenceCallV2[] {
  return facts.calls
    .filter((c) => c.state !== 'disconnected')
    .map((c) => ({
      iAction: AsnPresenceCallAction.eCHANGED,
      u8sConnectionID: c.callId,
      u8sLinePhoneNumber: `tel:${c.lineNumber}`,
      u8sLineNumber: c.lineNumber,
      u8sCurrentNumberSC: c.remoteNumber,
      u8sTrackerID: '',
      eCallState: callStates[c.state],
      iFeatures: 0,
      bOutbound: c.direction === 'outbound',
      bInternal: false,
      eCallType: 0,
      eJournalCallType: EAsnJournalCallType.eSipAVCall,
      ...(c.remoteName ? { remoteContact: { u8sDisplayName: c.remoteName } } : {}),
    }));
}

/** The absent state as sent: the stored one, or "not set" for the contact. */
export function absentStateOf(facts: PresenceFacts): AsnAbsentStateV2 {
  return facts.manual.absent ?? { u8sContactId: facts.contactId, eAbsentState: AsnAbsentStateEnum.eABSENTSTATENOTSET };
}

export function customNoteOf(facts: PresenceFacts): AsnCustomNote {
  return { u8sContactID: facts.contactId, u8sUsername: facts.displayName || facts.login, u8sNote: facts.manual.note };
}

/** The full presence of a contact (result of asnGetAndSubscribePresenceV2). */
export function fullPresence(facts: PresenceFacts): AsnPresenceV2 {
  return {
    u8sContactId: facts.contactId,
    iPresenceState: presenceState(facts),
    asnRemoteContact: {
      u8sDisplayName: facts.displayName || facts.login,
      u8sCtiServerUserName: facts.login,
      ...(facts.lines[0] ? { u8sPhoneBusiness: facts.lines[0].number } : {}),
      ...(facts.lines[1] ? { u8sPhoneBusiness2: facts.lines[1].number } : {}),
    },
    asnAbsentState: absentStateOf(facts),
    asnCustomNote: customNoteOf(facts),
    seqPhoneLines: presenceLines(facts),
    seqCalls: presenceCalls(facts),
    seqLineForwards: presenceForwards(facts),
  };
}

/** The forwards of every line, numbered per line from 1 (as the line snapshot numbers them). */
export function presenceForwards(facts: PresenceFacts): AsnPresenceForward[] {
  return facts.lines.flatMap((l) => (l.forwards ?? []).map((f, i) => ({
    u8sLinePhoneNumber: `tel:${l.number}`,
    u8sLineNumber: l.number,
    iInternalID: i + 1,
    u8sDestination: f.destination,
    iForwardMode: f.mode,
    ...(f.noAnswerS ? { iNoAnswerTime: f.noAnswerS } : {}),
  })));
}

/** What the server lets a user do on their own contact: dial, set forwards and their absent state. */
const OWN_CONTACT_FEATURES = AsnContactFeatureSetEnum.eCONTACTFEATUREDIAL | AsnContactFeatureSetEnum.eCONTACTFEATURESETFORWARDL1
  | AsnContactFeatureSetEnum.eCONTACTFEATURESETABSENT;
/** The services every user of this server has: the client, CTI lines, presence, audio calls (softphone). */
const USER_RIGHTS = AsnUserStaticRights.eUSERRIGHTSUSEPROCALL | AsnUserStaticRights.eUSERRIGHTSUSERCTI
  | AsnUserStaticRights.eUSERRIGHTSUSERPRESENCE | AsnUserStaticRights.eUSERRIGHTSAVAUDIO;

/**
 * The user's lines as the contact carries them (AsnContactPhoneLineV2): the same lines, DND, forwards and
 * calls as the presence sections (seqPhoneLines, seqLineForwards, seqCalls), each call under its line.
 */
export function contactPhoneLines(facts: PresenceFacts, iPresenceState: number): AsnContactPhoneLineV2[] {
  const calls = presenceCalls(facts);
  return facts.lines.map((l) => ({
    iType: AsnContactPhoneLineType.iPHONENUMBERTYPEPRIMARY,
    u8sLinePhoneNumber: `tel:${l.number}`,
    u8sDescriptor: l.descriptor || l.number,
    u8sNumber: l.number,
    seqCalls: calls.filter((c) => c.u8sLineNumber === l.number).map((c) => ({
      u8sContactChangedId: facts.contactId,
      iPresenceState,
      u8sConnectionID: c.u8sConnectionID,
      u8sLinePhoneNumber: c.u8sLinePhoneNumber,
      iCallState: c.eCallState,
      iDisconnectedReason: EnumCallDisconnectedReason.eDISCONNECTEDREASONUNKNOWN,
      iFeatures: c.iFeatures,
      bOutbound: c.bOutbound,
      bInternal: c.bInternal,
      bPrivate: false,
      iCallRecordingState: EnumCallRecordingState.eNOCALLRECODRING,
      bConferenceCtlr: false,
      u8sCurrentNumberSC: c.u8sCurrentNumberSC,
      u8sTrackerID: c.u8sTrackerID,
      u8sLocalCurrentNumberSC: l.number,
      ...(c.remoteContact ? { remoteContact: c.remoteContact } : {}),
    })),
    seqLineForwards: (l.forwards ?? []).map((f, i) => ({
      iInternalID: i + 1,
      iForwardController: EnumForwardController.eFORWARDCONTROLLERTAPISERVERUSER,
      iForwardMode: f.mode,
      iBackEndSpecific: 0,
      iNoAnswerTime: f.noAnswerS ?? 0,
      u8sDestination: f.destination,
      u8sCallerIDList: [],
    })),
    iState: AsnContactPhoneLineState.eLINEONLINE,
    bDoNotDisturb: l.dnd,
    iForwardFeaturesPBX: 0,
    u8sAddressNames: [],
    u8sAddressCaps: '',
    u8sCTIFeatureCodes: '',
  }));
}

/**
 * The "who am I" contact (asnGetLoggedInContactV2, V1 asnGetLoggedInContact): the same presence,
 * names and numbers, absent state and note as the user's presence, with their lines (DND, forwards,
 * calls), what they may do on it and the rights every user of this server has.
 */
export function contactV2(facts: PresenceFacts): AsnContactV2 {
  const p = fullPresence(facts);
  const iPresenceState = p.iPresenceState ?? 0;
  return {
    ...minimalContactV2(facts.contactId, facts.displayName || facts.login),
    iContactFeatureSet: OWN_CONTACT_FEATURES,
    iPresenceState,
    iStaticRights: USER_RIGHTS,
    asnRemoteContact: p.asnRemoteContact ?? {},
    seqPhoneLines: contactPhoneLines(facts, iPresenceState),
    asnAbsentState: absentStateOf(facts),
    asnCustomNote: customNoteOf(facts),
  };
}

const F = AsnPresenceSubscriptionFlags;

/**
 * What changed between two full presences of the same contact: the update to send (the id plus only
 * the changed sections) and its `iChangedFlags`, or undefined when nothing a subscriber sees changed.
 * A removed call is listed with iAction REMOVED (state disconnected) so a client can drop it.
 */
export function presenceDelta(before: AsnPresenceV2, after: AsnPresenceV2): { presence: AsnPresenceV2; iChangedFlags: number } | undefined {
  const presence: AsnPresenceV2 = { u8sContactId: after.u8sContactId };
  let flags = 0;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (before.iPresenceState !== after.iPresenceState) {
    presence.iPresenceState = after.iPresenceState;
    flags |= F.ePresenceSubscriptionPresence;
  }
  if (!same(before.asnRemoteContact, after.asnRemoteContact)) {
    presence.asnRemoteContact = after.asnRemoteContact;
    flags |= F.ePresenceSubscriptionData;
  }
  if (!same(before.asnAbsentState, after.asnAbsentState)) {
    presence.asnAbsentState = after.asnAbsentState;
    flags |= F.ePresenceSubscriptionAbsentstate;
  }
  if (!same(before.asnCustomNote, after.asnCustomNote)) {
    presence.asnCustomNote = after.asnCustomNote;
    flags |= F.ePresenceSubscriptionNote;
  }
  if (!same(before.seqPhoneLines, after.seqPhoneLines)) {
    presence.seqPhoneLines = after.seqPhoneLines;
    flags |= F.ePresenceSubscriptionPhoneLines;
  }
  if (!same(before.seqLineForwards, after.seqLineForwards)) {
    presence.seqLineForwards = after.seqLineForwards;
    flags |= F.ePresenceSubscriptionPhoneForwards;
  }
  const beforeCalls = new Map((before.seqCalls ?? []).map((c) => [c.u8sConnectionID, c]));
  const afterCalls = new Map((after.seqCalls ?? []).map((c) => [c.u8sConnectionID, c]));
  const calls: AsnPresenceCallV2[] = [];
  for (const [id, c] of afterCalls) {
    const was = beforeCalls.get(id);
    if (!was) calls.push({ ...c, iAction: AsnPresenceCallAction.eADDED });
    else if (!same(was, c)) calls.push({ ...c, iAction: AsnPresenceCallAction.eCHANGED });
  }
  for (const [id, c] of beforeCalls) {
    if (!afterCalls.has(id)) calls.push({ ...c, iAction: AsnPresenceCallAction.eREMOVED, eCallState: EAsnCallState.disconnected });
  }
  if (calls.length > 0) {
    presence.seqCalls = calls;
    flags |= F.ePresenceSubscriptionPhoneCalls;
  }
  return flags === 0 ? undefined : { presence, iChangedFlags: flags };
}

/** Every section a subscriber can ask for (the default when it names none). */
export const ALL_PRESENCE_SECTIONS = F.ePresenceSubscriptionPresence | F.ePresenceSubscriptionData | F.ePresenceSubscriptionAbsentstate
  | F.ePresenceSubscriptionNote | F.ePresenceSubscriptionPhoneLines | F.ePresenceSubscriptionPhoneCalls | F.ePresenceSubscriptionPhoneForwards;

/**
 * Only the sections `flags` (`AsnPresenceSubscriptionFlags`: iEventFlagsToSubscribe for updates,
 * iContactDetailsReturnFilter for the result) asks for; the contact id always.
 */
export function filterPresence(p: AsnPresenceV2, flags: number): AsnPresenceV2 {
  const out: AsnPresenceV2 = { u8sContactId: p.u8sContactId };
  if (flags & F.ePresenceSubscriptionPresence && p.iPresenceState !== undefined) out.iPresenceState = p.iPresenceState;
  if (flags & F.ePresenceSubscriptionData && p.asnRemoteContact) out.asnRemoteContact = p.asnRemoteContact;
  if (flags & F.ePresenceSubscriptionAbsentstate && p.asnAbsentState) out.asnAbsentState = p.asnAbsentState;
  if (flags & F.ePresenceSubscriptionNote && p.asnCustomNote) out.asnCustomNote = p.asnCustomNote;
  if (flags & F.ePresenceSubscriptionPhoneLines && p.seqPhoneLines) out.seqPhoneLines = p.seqPhoneLines;
  if (flags & F.ePresenceSubscriptionPhoneCalls && p.seqCalls) out.seqCalls = p.seqCalls;
  if (flags & F.ePresenceSubscriptionPhoneForwards && p.seqLineForwards) out.seqLineForwards = p.seqLineForwards;
  return out;
}
