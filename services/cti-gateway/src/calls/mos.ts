import type { MediaQuality } from '@ucserver/shared';

/**
 * A MOS estimate (1–4.5) from the node's loss, jitter and RTT by the ITU-T G.107 E-model, simplified
 * as is usual for monitoring (no codec-specific Ie/Bpl tables): the mouth-to-ear delay is half the RTT
 * plus a jitter buffer of twice the jitter plus 10 ms of packetisation; the loss impairment is
 * 2.5 per percent. Without an RTT the delay is estimated from the jitter alone.
 */
export function mosEstimate(quality: Pick<MediaQuality, 'lossPercent' | 'jitterMs' | 'rttMs'>): number {
  const delayMs = (quality.rttMs ?? 0) / 2 + 2 * quality.jitterMs + 10;
  const delayImpairment = delayMs < 160 ? delayMs / 40 : (delayMs - 120) / 10;
  const r = Math.max(0, Math.min(100, 93.2 - delayImpairment - 2.5 * quality.lossPercent));
  const mos = r <= 0 ? 1 : 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.round(Math.max(1, Math.min(4.5, mos)) * 100) / 100;
}
