// One stats round of a call: every stream (Producer/Consumer) and transport of its two legs into the
// call's ledgers, returning the increments since the last round (the metrics add those up). Apart from
// MediaCall so the call object stays about its lifecycle.
import type { Consumer, Producer } from 'mediasoup/types';
import type { MediaCallSample } from './MediaCallTypes.ts';
import type { PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { PbxLeg } from './PbxLeg.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import type { LegKind, StatsLedger, StreamDirection } from './StatsLedger.ts';
import { streamFigures } from './streamStats.ts';
import type { VideoLedger } from './videoSample.ts';

export async function sampleCall(ledger: StatsLedger, videoLedger: VideoLedger, sp: SoftphoneLeg | undefined, pbx: PbxLeg | undefined, pbxVideo?: PbxLeg<PbxVideoCodec>): Promise<MediaCallSample> {
  const result: MediaCallSample = { streams: [], transports: [], video: [] };
  const tasks: Array<Promise<void>> = [];
  const stream = (leg: LegKind, direction: StreamDirection, item: Producer | Consumer | undefined): void => {
    if (!item || item.closed) return;
    tasks.push(streamFigures(item).then((s) => {
      if (!s) return;
      const delta = ledger.recordStream({ key: item.id, leg, direction, packets: s.packets, bytes: s.bytes, lost: s.lost, jitterMs: s.jitterMs, rttMs: s.rttMs });
      result.streams.push({ leg, direction, packets: delta.packets, bytes: delta.bytes, lossRatio: s.lossRatio, jitterSeconds: s.jitterMs / 1000, rttSeconds: s.rttMs === undefined ? undefined : s.rttMs / 1000 });
    }));
  };
  // A stream carries RTP only when its transport does: a Producer's packets count into its transport's
  // rtpBytesReceived, a Consumer's into rtpBytesSent. While a transport has none in a direction (a call
  // that is ringing, or whose phones never sent), its streams that way have nothing to report, and the
  // round costs the worker one request per leg instead of three.
  const legs = [['softphone', sp?.transport, sp?.producer, sp?.downlink], ['pbx', pbx?.transport, pbx?.producer, pbx?.uplink]] as const;
  for (const [leg, transport, producer, consumer] of legs) {
    if (!transport || transport.closed) continue;
    tasks.push(transport.getStats().then(([s]) => {
      if (!s) return;
      const delta = ledger.recordTransport({ key: transport.id, leg, bytesIn: s.bytesReceived, bytesOut: s.bytesSent });
      result.transports.push({ leg, ...delta });
      if (s.rtpBytesReceived > 0) stream(leg, 'in', producer);
      if (s.rtpBytesSent > 0) stream(leg, 'out', consumer);
    }));
  }
  const video = [['in', sp?.videoProducer], ['out', sp?.videoDownlink], ['in', pbxVideo?.producer], ['out', pbxVideo?.uplink]] as const;
  tasks.push(videoLedger.sample(video).then((v) => void result.video.push(...v)));
  // The stream tasks are added as the transports' stats arrive.
  for (let done = 0; done < tasks.length;) {
    const batch = tasks.slice(done);
    done = tasks.length;
    await Promise.all(batch);
  }
  return result;
}
