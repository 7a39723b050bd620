// The outcome of our REFER as its NOTIFYs report it (RFC 3515 §2.4.5: a message/sipfrag body whose status
// line is the transfer target's answer). Pure.

export interface TransferOutcome {
  succeeded: boolean;
  status: string;
  reason: string;
}

/** The status code of the sipfrag's status line; undefined without one. */
export const sipfragStatus = (sipfrag: string): number | undefined => {
  const line = /^SIP\/2\.0 (\d{3})\b/.exec(sipfrag);
  return line ? Number(line[1]) : undefined;
};

/** undefined while the transfer is still pending (1xx, or no status line); else whether it succeeded. */
export const transferOutcome = (sipfrag: string): TransferOutcome | undefined => {
  const line = /^SIP\/2\.0 (\d{3})(?: ([^\r\n]*))?/.exec(sipfrag);
  const status = line?.[1];
  if (status === undefined || status.startsWith('1')) return undefined;
  return { succeeded: status.startsWith('2'), status, reason: (line?.[2] ?? '').trim().slice(0, 128) };
};
