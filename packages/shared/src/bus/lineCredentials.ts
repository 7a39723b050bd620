// A line's SIP password across the bus: the cti-gateway seals it into every line it sends (lines.list,
// lines.changed) and the pbx-adapter opens it, both with LINE_CREDENTIALS_KEY. The line id is part of
// the associated data, so a sealed password moved onto another line does not open.
import type { LineConfig, SealedLineConfig } from './lines.ts';
import { open, seal, type SealingKey } from './sealedSecret.ts';

const PURPOSE = 'ucs.line.authPassword';

export function sealLineConfig(key: SealingKey, line: LineConfig): SealedLineConfig {
  return { ...line, authPassword: seal(key, line.authPassword, [PURPOSE, line.lineId]) };
}

/** Throws SealedSecretError when the password does not open (another key, altered, another line's). */
export function openLineConfig(key: SealingKey, line: SealedLineConfig): LineConfig {
  return { ...line, authPassword: open(key, line.authPassword, [PURPOSE, line.lineId]) };
}
