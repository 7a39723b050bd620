// The conference events of ENetUC_CTI (asnCtiNotifyConference*, 1286–1289) a line's monitors get, built
// from our call model. Our conference is the line's two calls mixed on the media node: the controller
// call is the active one (the user talks on it), the members are both calls, one per far party (each
// names its party in u8sRemoteNumberSC).
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { callInformation, linePhoneNumber } from './ctiMapping.ts';

/** What happened to a conference, for its line's monitors. */
export type ConferenceNotice =
  | { kind: 'created' | 'destroyed'; controller: ActiveCall; members: ActiveCall[] }
  | { kind: 'partyRemoved'; controller: ActiveCall; member: ActiveCall };

/** Sends `notice` as its ENetUC event to one monitor (`crossRefId`) of the controller call's line. */
export function sendConferenceNotice(session: Pick<ClientSession, 'sendEvent'>, crossRefId: string, notice: ConferenceNotice): void {
  const head = {
    u8sLineMonitorCrossRefID: crossRefId,
    u8sLinePhoneNumber: linePhoneNumber(notice.controller.lineNumber),
    conferenceControllerCallInfo: callInformation(notice.controller),
  };
  switch (notice.kind) {
    case 'created':
      session.sendEvent('asnCtiNotifyConferenceCreated', { ...head, conferenceMemberCallInfoList: notice.members.map((c) => callInformation(c)) });
      return;
    case 'destroyed':
      session.sendEvent('asnCtiNotifyConferenceDestroyed', { ...head, conferenceMemberCallInfoList: notice.members.map((c) => callInformation(c)) });
      return;
    case 'partyRemoved':
      session.sendEvent('asnCtiNotifyConferencePartyRemoved', { ...head, conferenceMemberCallInfo: callInformation(notice.member) });
      return;
  }
}
