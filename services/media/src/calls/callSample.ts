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
  stream('softphone', 'in', sp?.producer);
  stream('softphone', 'out', sp?.downlink);
  stream('pbx', 'in', pbx?.producer);
  stream('pbx', 'out', pbx?.uplink);
  for (const [leg, transport] of [['softphone', sp?.transport], ['pbx', pbx?.transport]] as const) {
    if (!transport || transport.closed) continue;
    tasks.push(transport.getStats().then(([s]) => {
      if (!s) return;
      const delta = ledger.recordTransport({ key: transport.id, leg, bytesIn: s.bytesReceived, bytesOut: s.bytesSent });
      result.transports.push({ leg, ...delta });
    }));
  }
  const video = [['in', sp?.videoProducer], ['out', sp?.videoDownlink], ['in', pbxVideo?.producer], ['out', pbxVideo?.uplink]] as const;
  tasks.push(videoLedger.sample(video).then((v) => void result.video.push(...v)));
  await Promise.all(tasks);
  return result;
}
