// The SIP part of a call snapshot (PbxCallTeardown) from a live call, and back: a dialog's record as the
// bus contract's SipDialogSnapshot, the CANCEL of a pending INVITE, the final response to a pending
// incoming INVITE. Pure.
import type { PbxCallTeardown, SipDialogSnapshot } from '@ucserver/shared';
import {
  createCancel,
  createResponse,
  serializeMessage,
  type Destination,
  type Dialog,
  type DialogRecord,
  type SipRequest,
  type TransportProtocol,
} from '../sip/mod.ts';

type Dest = Extract<PbxCallTeardown, { kind: 'cancel' }>['destination'];

/** A dialog record as the snapshot carries it. */
export const dialogSnapshot = (record: DialogRecord): SipDialogSnapshot => ({
  role: record.role,
  callId: record.id.callId,
  localTag: record.id.localTag,
  remoteTag: record.id.remoteTag,
  ...(record.localSeq !== undefined ? { localSeq: record.localSeq } : {}),
  localUri: record.localUri,
  remoteUri: record.remoteUri,
  ...(record.localTarget !== undefined ? { localTarget: record.localTarget } : {}),
  remoteTarget: record.remoteTarget,
  routeSet: record.routeSet,
  secure: record.secure,
});

/** The record Dialog.restore() takes, from a snapshot (the peer's CSeq is not kept: we only send). */
export const dialogRecord = (snapshot: SipDialogSnapshot): DialogRecord => ({
  id: { callId: snapshot.callId, localTag: snapshot.localTag, remoteTag: snapshot.remoteTag },
  role: snapshot.role,
  localSeq: snapshot.localSeq,
  remoteSeq: undefined,
  localUri: snapshot.localUri,
  remoteUri: snapshot.remoteUri,
  localTarget: snapshot.localTarget,
  remoteTarget: snapshot.remoteTarget,
  routeSet: snapshot.routeSet,
  secure: snapshot.secure,
});

const destinationOf = (d: Destination, fallback: TransportProtocol): Dest => ({ protocol: d.protocol ?? fallback, host: d.host, port: d.port });

/** The CANCEL of our pending INVITE (it carries the INVITE's Via, so the INVITE must have been sent). */
export const cancelTeardown = (invite: SipRequest, destination: Destination): PbxCallTeardown => ({
  kind: 'cancel',
  request: serializeMessage(createCancel(invite)).toString('utf8'),
  destination: destinationOf(destination, 'UDP'),
});

/** A final refusal (480) of the PBX's pending INVITE, sent to where the INVITE's responses go. */
export const rejectTeardown = (invite: SipRequest, toTag: string, destination: Destination): PbxCallTeardown => ({
  kind: 'reject',
  response: serializeMessage(createResponse(invite, 480, { toTag })).toString('utf8'),
  destination: destinationOf(destination, 'UDP'),
});

/** A BYE in `dialog` while it is confirmed (or answered and waiting for the ACK); else nothing to send. */
export const dialogTeardown = (dialog: Dialog | undefined): PbxCallTeardown =>
  dialog && dialog.state === 'confirmed' ? { kind: 'bye', dialog: dialogSnapshot(dialog.record()) } : { kind: 'none' };
