// DTMF over SIP INFO with the application/dtmf-relay body (the de-facto format of Cisco/Asterisk/
// FreeSWITCH): "Signal=<digit>\r\nDuration=<ms>\r\n". RFC 4733 telephone-events travel in the media path
// and need nothing here.

export const DTMF_RELAY_TYPE = 'application/dtmf-relay';

const DIGIT = /^[0-9*#A-D]$/;

/** The INFO body for one digit. Throws TypeError for a character that is not a DTMF digit. */
export const dtmfRelayBody = (digit: string, durationMs: number): string => {
  const d = digit.toUpperCase();
  if (!DIGIT.test(d)) throw new TypeError(`'${digit}' is not a DTMF digit (0-9, *, #, A-D)`);
  if (!Number.isInteger(durationMs) || durationMs < 1 || durationMs > 10_000) throw new TypeError(`bad DTMF duration ${durationMs} ms`);
  return `Signal=${d}\r\nDuration=${durationMs}\r\n`;
};

/** Parses a dtmf-relay body; undefined when it carries no valid Signal. */
export const parseDtmfRelay = (body: string): { signal: string; durationMs: number | undefined } | undefined => {
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const signal = fields.get('signal')?.toUpperCase();
  if (signal === undefined || !DIGIT.test(signal)) return undefined;
  const duration = Number(fields.get('duration'));
  return { signal, durationMs: Number.isInteger(duration) && duration > 0 ? duration : undefined };
};

/** The digits of a `PbxCommands.digits` string, one INFO each. */
export const splitDigits = (digits: string): string[] => [...digits.toUpperCase()].filter((c) => DIGIT.test(c));
