// Small facts about calls and numbers, the one way a call changes state, and a call's snapshot: shared by
// the model, the view and the test hook.
import type { CallSnapshot, CallState, PhoneCall } from './SoftphoneTypes.ts';

/** The number part of `tel:101`, `sip:101@host`, or the text itself. */
export function numberOf(uri: string): string {
  const t = /^tel:(.*)$/i.exec(uri);
  if (t) return t[1]!;
  const s = /^sips?:([^@;>]+)@/i.exec(uri);
  return s ? decodeURIComponent(s[1]!) : uri;
}

/** The call is over (nothing more will happen to it). */
export function isEnded(call: PhoneCall): boolean {
  return call.state === 'destroyed' || call.state === 'failed';
}

/** Moves the call to `state` (an ended call only to destroyed), keeping its history and end time. */
export function moveTo(call: PhoneCall, state: CallState): void {
  if (isEnded(call) && state !== 'destroyed') return;
  call.state = state;
  if (call.history.at(-1) !== state) call.history.push(state);
  if (isEnded(call)) call.endedAt ??= Date.now();
}

/** The serialisable view of a call (test hook). */
export function snapshotOf(call: PhoneCall): CallSnapshot {
  const av = call.av;
  return {
    key: call.key,
    id: call.id,
    line: call.line,
    direction: call.direction,
    remote: call.remote,
    state: call.state,
    history: [...call.history],
    cause: call.cause,
    disconnectedReason: call.disconnectedReason,
    mediaPath: call.mediaPath,
    holdSide: call.holdSide,
    completable: call.completable ?? false,
    callback: call.callback,
    isCallback: call.isCallback ?? false,
    error: call.error,
    avCallId: av?.callId || undefined,
    avDropCause: av?.dropCause,
    avDropReason: av?.dropReason,
    iceState: av?.peer?.iceState,
    connectionState: av?.peer?.connectionState,
    hasRemoteAudio: av?.peer?.hasRemoteAudio ?? false,
  };
}

/** The call's media stops (microphone, remote audio, peer connection); its AV side counts as ended. */
export function endMedia(call: PhoneCall): void {
  const av = call.av;
  if (!av) return;
  av.ended = true;
  av.peer?.close();
}
