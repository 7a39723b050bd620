// The media node's metrics (`ucserver_media_…`). No per-call labels: calls are aggregated by media path,
// streams by leg kind and direction, workers by index (bounded by MEDIA_WORKERS).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { metricPrefix } from '@ucserver/shared';
import type { MediaCallSample } from '../calls/MediaCallTypes.ts';
import type { MediaNode } from '../node/MediaNode.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';

export interface MediaMetrics {
  packets: Counter<'leg' | 'direction'>;
  bytes: Counter<'leg' | 'direction'>;
  lossRatio: Histogram<'leg' | 'direction'>;
  jitter: Histogram<'leg'>;
  rtt: Histogram<'leg'>;
  videoStreams: Gauge<'direction'>;
  videoPackets: Counter<'direction'>;
  videoBytes: Counter<'direction'>;
  videoKeyFrameRequests: Counter<'direction'>;
  videoNacks: Counter<'direction'>;
  videoBitrate: Gauge<'direction'>;
  videoFrameRate: Gauge<'stat'>;
  allocationFailures: Counter<'reason'>;
  pathChanges: Counter<'path'>;
  callsFailed: Counter;
  workerDeaths: Counter;
  eventPublishFailures: Counter;
}

export function createMediaMetrics(registry: Registry, node: MediaNode): MediaMetrics {
  const p = metricPrefix('media');
  const registers = [registry];
  // One gauge per figure of pathCounts(), and one per figure of each worker; each is read at scrape time.
  const byPath = (kind: 'calls' | 'legs', help: string): void => {
    new Gauge({
      name: `${p}${kind}`,
      help,
      labelNames: ['path'],
      registers,
      collect() {
        for (const [path, n] of Object.entries(node.pathCounts()[kind])) this.set({ path }, n);
      },
    });
  };
  byPath('calls', 'Calls on this node by media path (none: PBX side not connected yet)');
  // Conferences mixed in this node's Node.js process (bench/conference: ~1.3 % of a core each).
  new Gauge({
    name: `${p}conferences`,
    help: 'Conferences mixed on this node, and the participants (legs) in them',
    labelNames: ['what'],
    registers,
    collect() {
      this.set({ what: 'rooms' }, node.conferences.size);
      this.set({ what: 'participants' }, node.conferences.participantCount);
    },
  });
  new Counter({
    name: `${p}conference_mix_seconds_total`,
    help: 'Time this node\'s Node.js thread spent mixing conferences (rate: the share of a core the mixer uses)',
    registers,
    collect() {
      this.reset();
      this.inc(node.conferences.mixSeconds);
    },
  });
  byPath('legs', 'Legs (softphone + PBX) on this node by the media path of their call');
  new Gauge({
    name: `${p}workers`,
    help: 'mediasoup workers: configured and alive',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'configured' }, node.pool.size);
      this.set({ state: 'alive' }, node.pool.workers.length);
    },
  });
  const byWorker = (name: string, help: string, value: (worker: MediaWorker) => number): void => {
    new Gauge({
      name: `${p}${name}`,
      help,
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const w of node.pool.workers) this.set({ worker: String(w.index) }, value(w));
      },
    });
  };
  byWorker('worker_cpu_ratio', 'CPU share of one core used by each mediasoup worker over the last sample (getResourceUsage)', (w) => w.cpu);
  byWorker('worker_routers', 'Routers on each mediasoup worker (shared by the calls whose payload types agree)', (w) => w.routerCount);
  new Gauge({
    name: `${p}draining`,
    help: '1 while the node is draining (takes no new calls)',
    registers,
    collect() {
      this.set(node.draining ? 1 : 0);
    },
  });
  return {
    packets: new Counter({ name: `${p}rtp_packets_total`, help: 'RTP packets received (in) and sent (out), by leg kind', labelNames: ['leg', 'direction'], registers }),
    bytes: new Counter({ name: `${p}transport_bytes_total`, help: 'Bytes received (in) and sent (out) on the transports (RTP, RTCP, ICE, DTLS), by leg kind', labelNames: ['leg', 'direction'], registers }),
    lossRatio: new Histogram({
      name: `${p}packet_loss_ratio`,
      help: 'Fraction of packets lost per stream and sample (in: seen by the node; out: reported by the receiver)',
      labelNames: ['leg', 'direction'],
      buckets: [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers,
    }),
    jitter: new Histogram({ name: `${p}jitter_seconds`, help: 'Interarrival jitter of received streams per sample', labelNames: ['leg'], buckets: [0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2], registers }),
    rtt: new Histogram({ name: `${p}rtt_seconds`, help: 'Round-trip time reported by RTCP receivers per sample', labelNames: ['leg'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6], registers }),
    videoStreams: new Gauge({ name: `${p}video_streams`, help: 'Softphone video streams in the last sampling round: cameras received (in), video sent to softphones (out)', labelNames: ['direction'], registers }),
    videoPackets: new Counter({ name: `${p}video_packets_total`, help: 'Video RTP packets received from cameras (in) and sent to softphones (out)', labelNames: ['direction'], registers }),
    videoBytes: new Counter({ name: `${p}video_bytes_total`, help: 'Video RTP bytes received from cameras (in) and sent to softphones (out)', labelNames: ['direction'], registers }),
    videoKeyFrameRequests: new Counter({ name: `${p}video_keyframe_requests_total`, help: 'Key frame requests (PLI + FIR) sent to cameras (in) and received from viewers (out)', labelNames: ['direction'], registers }),
    videoNacks: new Counter({ name: `${p}video_nacks_total`, help: 'NACKs sent to cameras (in) and received from viewers (out)', labelNames: ['direction'], registers }),
    videoFrameRate: new Gauge({ name: `${p}video_frames_per_second`, help: 'Frame rate of the video streams the node receives (cameras, PBX video) in the last sampling round, by a 1 s RTP trace per stream: their mean and the lowest', labelNames: ['stat'], registers }),
    videoBitrate: new Gauge({ name: `${p}video_bitrate_bps`, help: 'Sum of the video bitrates in the last sampling round, by direction', labelNames: ['direction'], registers }),
    allocationFailures: new Counter({ name: `${p}allocation_failures_total`, help: 'Call or leg allocations refused, by reason (error code)', labelNames: ['reason'], registers }),
    pathChanges: new Counter({ name: `${p}path_changes_total`, help: 'Media path changes of calls, by new path', labelNames: ['path'], registers }),
    callsFailed: new Counter({ name: `${p}calls_failed_total`, help: 'Calls that failed (worker died, DTLS failed)', registers }),
    workerDeaths: new Counter({ name: `${p}worker_deaths_total`, help: 'mediasoup workers that died (and were replaced)', registers }),
    eventPublishFailures: new Counter({ name: `${p}event_publish_failures_total`, help: 'Media call events that could not be published to JetStream', registers }),
  };
}

/** Adds one sampling round of every call to the counters and histograms. */
export function recordSamples(metrics: MediaMetrics, samples: MediaCallSample[]): void {
  const video = { in: { streams: 0, bitrate: 0 }, out: { streams: 0, bitrate: 0 } };
  for (const v of samples.flatMap((s) => s.video)) {
    video[v.direction].streams += 1;
    video[v.direction].bitrate += v.bitrateBps;
    if (v.packets > 0) metrics.videoPackets.inc({ direction: v.direction }, v.packets);
    if (v.bytes > 0) metrics.videoBytes.inc({ direction: v.direction }, v.bytes);
    if (v.keyFrameRequests > 0) metrics.videoKeyFrameRequests.inc({ direction: v.direction }, v.keyFrameRequests);
    if (v.nacks > 0) metrics.videoNacks.inc({ direction: v.direction }, v.nacks);
  }
  const rates = samples.flatMap((s) => s.video).flatMap((v) => (v.framesPerSecond !== undefined ? [v.framesPerSecond] : []));
  metrics.videoFrameRate.set({ stat: 'mean' }, rates.length ? Math.round((rates.reduce((a, b) => a + b, 0) / rates.length) * 10) / 10 : 0);
  metrics.videoFrameRate.set({ stat: 'min' }, rates.length ? Math.min(...rates) : 0);
  for (const direction of ['in', 'out'] as const) {
    metrics.videoStreams.set({ direction }, video[direction].streams);
    metrics.videoBitrate.set({ direction }, video[direction].bitrate);
  }
  for (const sample of samples) {
    for (const s of sample.streams) {
      if (s.packets > 0) metrics.packets.inc({ leg: s.leg, direction: s.direction }, s.packets);
      if (s.packets === 0) continue;
      if (s.lossRatio !== undefined) metrics.lossRatio.observe({ leg: s.leg, direction: s.direction }, s.lossRatio);
      if (s.direction === 'in' && s.jitterSeconds !== undefined) metrics.jitter.observe({ leg: s.leg }, s.jitterSeconds);
      if (s.direction === 'out' && s.rttSeconds !== undefined) metrics.rtt.observe({ leg: s.leg }, s.rttSeconds);
    }
    for (const t of sample.transports) {
      if (t.bytesIn > 0) metrics.bytes.inc({ leg: t.leg, direction: 'in' }, t.bytesIn);
      if (t.bytesOut > 0) metrics.bytes.inc({ leg: t.leg, direction: 'out' }, t.bytesOut);
    }
  }
}
