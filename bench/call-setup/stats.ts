// Percentiles of bench/call-setup's samples (pure).

export interface Summary {
  calls: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RateRow {
  rate: number;
  /** asnAVMakeCallV2 → caller's connect, without the callee's answer time. */
  setup: Summary;
  /** asnAVMakeCallV2 → the callee's asnAVNewCallV2 (the offer reached the callee). */
  toCallee: Summary;
  /** The callee's own answer time (asnAVNewCallV2 → its asnAVConnectV2). */
  answer: Summary;
  /** CPU of each process over the rate's window, percent of one core. */
  cpu: Record<string, number>;
  /** CPU of each process per connected call (ms; the whole call: setup, hold and hang-up), independent of the load. */
  cpuMsPerCall: Record<string, number>;
  /** Write system calls (write, writev: sockets, pipes) of each process per connected call: a count, load-independent. */
  writesPerCall: Record<string, number>;
  /** NATS messages each service published per connected call (requests, replies, events, JetStream API and acks). */
  natsMessagesPerCall: Record<string, number>;
  /** SQL statements the gateway sent per connected call (caller's and callee's leg together). */
  gatewayDbQueriesPerCall: number;
  /** The gateway's event-loop delay during the window (prom-client's monitorEventLoopDelay, reset at its start). */
  gatewayLoopDelayMs: { p99: number; max: number };
  /** GC pauses of each service in the window: all of them, those over 10 ms and over 100 ms (prom-client's buckets). */
  gcPauses: Record<string, { all: number; over10ms: number; over100ms: number }>;
}

/** The value below which `p` percent of the sorted samples lie (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(samples: number[], calls: number, failed: number): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (v: number): number => Math.round(v * 100) / 100;
  return { calls, failed, p50: r(percentile(sorted, 50)), p99: r(percentile(sorted, 99)), max: r(sorted.at(-1) ?? NaN) };
}
