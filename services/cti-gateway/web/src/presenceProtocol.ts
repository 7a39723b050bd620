// The presence slice of the ENetUC protocol the page speaks (ENetUC_PresenceV2, absent state, note,
// DND and forwards): values and the few members read. Ids are in protocol.ts (Op).

/** `AsnPresenceStateEnum` (low byte of iPresenceState). */
export const PresenceState = { uncontrolled: 0, available: 1, busy: 2, absent: 3, doNotDisturb: 4 } as const;

/** `AsnPresenceStateFlags` (high bits of iPresenceState). */
export const PresenceFlag = { ringing: 0x0100_0000, call: 0x0400_0000, offline: 0x0800_0000, noteSet: 0x1000_0000 } as const;

/** `AsnAbsentStateEnum` (eAbsentState). */
export const AbsentState = { notAbsent: 0, outOfOffice: 1, busy: 2, doNotDisturb: 3, notSet: 4 } as const;

/** `ForwardMode` key of asnCtiSetForward/asnCtiRemoveForward (`AsnForwardMode`). */
export const ForwardModeParam = { immediate: 1, busy: 2, noAnswer: 3 } as const;

/** `EnumForwardModes` bits of iForwardMode in seqLineForwards. */
export const ForwardModeBit = { immediate: 1, busy: 2, noAnswer: 4 } as const;

/** `AsnPresenceSubscriptionFlags`: every section the page shows. */
export const PRESENCE_SECTIONS = 1 | 2 | 16 | 32 | 128 | 256 | 512;

export interface PresenceLine {
  u8sLinePhoneNumber: string;
  u8sLineNumber: string;
  iDoNotDisturb: number;
}

export interface PresenceForward {
  u8sLinePhoneNumber: string;
  u8sLineNumber: string;
  u8sDestination: string;
  iForwardMode: number;
  iNoAnswerTime?: number;
}

/** AsnPresenceV2: in updates only the sections that changed (besides the id). */
export interface PresenceV2 {
  u8sContactId: string;
  iPresenceState?: number;
  asnRemoteContact?: { u8sDisplayName?: string; u8sCtiServerUserName?: string };
  asnAbsentState?: { eAbsentState: number };
  asnCustomNote?: { u8sNote: string };
  seqPhoneLines?: PresenceLine[];
  seqCalls?: unknown[];
  seqLineForwards?: PresenceForward[];
}

export interface GetAndSubscribePresenceResult {
  seqSubscribedPresence: PresenceV2[];
}

export interface UpdatePresenceV2 {
  presence: PresenceV2;
  iChangedFlags: number;
}

export interface ContentContact {
  u8sEntryIDDB?: string;
  u8sEntryID?: string;
  u8sDisplayName?: string;
}

export interface ClientContentResult {
  contactList: ContentContact[];
}

/** asnClientContentChanged: the whole buddy list again (the server sends it as a whole). */
export interface ClientContentChanged {
  iRevision: number;
  addedOrChangedContacts?: ContentContact[];
}
