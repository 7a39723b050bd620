import { NoCommonCodecError } from '../errors.ts';
import { G711Codec } from './G711Codec.ts';
import { OpusCodec } from './OpusCodec.ts';
import type { ConferenceCodec, MixableCodecName } from './ConferenceCodecTypes.ts';

const mixable: readonly string[] = ['opus', 'PCMU', 'PCMA'];

export function isMixable(name: string): name is MixableCodecName {
  return mixable.includes(name);
}

/**
 * A fresh decoder/encoder for one participant.
 * @throws NoCommonCodecError for a codec the mixer does not decode (G722)
 */
export function codecFor(name: string): ConferenceCodec {
  if (!isMixable(name)) throw new NoCommonCodecError(`the conference mixer cannot mix ${name} (it mixes ${mixable.join(', ')})`, [name]);
  return name === 'opus' ? new OpusCodec() : new G711Codec(name);
}

/**
 * Compiles libopus's WebAssembly now (opusscript does it on first use, synchronously, for ~100 ms): the
 * node calls this at start, so the first conference does not stall every running mix and call.
 */
export function preloadOpus(): void {
  new OpusCodec().close();
}
