// The statistics of one call: its audio and video ledgers, the stats rounds over its legs, and the
// summary at its end. Apart from MediaCall so the call object stays about its commands and lifecycle.
import type { Logger, MediaQuality } from '@ucserver/shared';
import type { PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import { sampleCall } from './callSample.ts';
import type { MediaCallSample } from './MediaCallTypes.ts';
import type { PbxLeg } from './PbxLeg.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import { StatsLedger } from './StatsLedger.ts';
import { withTimeout } from './streamStats.ts';
import { VideoLedger } from './videoSample.ts';

/** A stats round waits this long at most (a stuck worker must not hold a close or a re-INVITE). */
const statsTimeoutMs = 1000;

/** The legs a stats round reads, as they are at the time of the round. */
export interface CallStatsLegs {
  softphone(): SoftphoneLeg | undefined;
  pbx(): PbxLeg | undefined;
  pbxVideo(): PbxLeg<PbxVideoCodec> | undefined;
}

export class CallStats {
  readonly #legs: CallStatsLegs;
  readonly #logger: Logger;
  readonly #ledger = new StatsLedger();
  readonly #videoLedger = new VideoLedger();

  constructor(legs: CallStatsLegs, logger: Logger) {
    this.#legs = legs;
    this.#logger = logger;
  }

  /** The call's quality from every sample so far. */
  get quality(): MediaQuality {
    return this.#ledger.quality();
  }

  /** A camera's or the PBX's video reached the node during the call. */
  get videoCarried(): boolean {
    return this.#videoLedger.carried;
  }

  /** Samples every stream and transport of the call into its ledgers; returns the increments. */
  sample(): Promise<MediaCallSample> {
    return sampleCall(this.#ledger, this.#videoLedger, this.#legs.softphone(), this.#legs.pbx(), this.#legs.pbxVideo());
  }

  /**
   * The bounded sample before the PBX's SDP (an answer, or a re-INVITE's offer) is applied, when it can
   * lose anything: what such an SDP replaces is on the PBX side (its transport, Producer and uplink) and
   * what the softphone hears (its downlinks). While no PBX leg was ever connected it has sent nothing (and
   * what reached it came from tuples mediasoup drops as unknown), so it has no Producer or uplink yet, and
   * with no downlink either there is nothing to keep: the initial answer of an outgoing call costs the
   * worker no stats requests.
   */
  async sampleBeforePbxChange(): Promise<void> {
    const sp = this.#legs.softphone();
    if (this.#legs.pbx()?.connected || this.#legs.pbxVideo()?.connected || sp?.downlink || sp?.videoDownlink) await this.sampleBounded('before a change');
  }

  /**
   * A bounded sample before a change that may replace Producers, Consumers or a transport (re-INVITE,
   * answer, Direct Media switch), or before the close: the summary keeps what the replaced ones carried.
   * A failure leaves the summary at the last sample.
   */
  async sampleBounded(why: string): Promise<void> {
    try {
      await withTimeout(this.sample(), statsTimeoutMs);
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, `stats sample ${why} failed; the summary uses the last one`);
    }
  }
}
