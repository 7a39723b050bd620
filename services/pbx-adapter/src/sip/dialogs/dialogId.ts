// Dialog identifiers of messages, from the receiver's point of view (RFC 3261 §12).
import type { SipRequest, SipResponse } from '../message.ts';
import type { DialogId } from './DialogTypes.ts';

/** For a request we receive: local tag = To tag, remote tag = From tag. Undefined outside a dialog. */
export const dialogIdOfIncomingRequest = (request: SipRequest): DialogId | undefined => {
  const localTag = request.headers.toTag();
  if (localTag === undefined) return undefined;
  return { callId: request.headers.callId(), localTag, remoteTag: request.headers.fromTag() ?? '' };
};

/** For a response we receive: local tag = From tag, remote tag = To tag. Undefined without To tag. */
export const dialogIdOfIncomingResponse = (response: SipResponse): DialogId | undefined => {
  const remoteTag = response.headers.toTag();
  const localTag = response.headers.fromTag();
  if (remoteTag === undefined || localTag === undefined) return undefined;
  return { callId: response.headers.callId(), localTag, remoteTag };
};

/** Map key of a dialog id. */
export const dialogKey = (id: DialogId): string => `${id.callId}|${id.localTag}|${id.remoteTag}`;
