// SDP stream direction (RFC 3264 §6.1) from the point of view of the SDP's author.
import type { MediaSection, SessionDescription } from './session.ts';

const directions = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;
export type Direction = (typeof directions)[number];

/** The m-section's direction, else the session's, else sendrecv (RFC 4566 §6). */
export function readDirection(media: MediaSection, session: SessionDescription): Direction {
  return media.direction ?? session.direction ?? 'sendrecv';
}

/** The direction an answerer writes for an offered one when it is willing to do both. */
export function answerDirection(offered: Direction): Direction {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    default:
      return offered;
  }
}

/** Combines what the offer allows with what we want (RFC 3264 §6.1 table). */
export function intersectDirection(offeredByRemote: Direction, wanted: Direction): Direction {
  const send = canRecv(offeredByRemote) && canSend(wanted);
  const recv = canSend(offeredByRemote) && canRecv(wanted);
  return fromFlags(send, recv);
}

export function canSend(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function canRecv(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

function fromFlags(send: boolean, recv: boolean): Direction {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}
