// The one timer table of the stack (RFC 3261 §17 Table 4 / Appendix A, RFC 6026 §8.4 Timers L and M)
// and the clock abstraction that lets tests drive timers deterministically.

/** Base values in milliseconds; all other timers derive from them. */
export interface TimerConfig {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  T4: number;
}

export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** Every protocol timer in milliseconds for one transport kind. */
export interface TimerValues extends TimerConfig {
  /** INVITE request retransmit interval (UDP only), initial value; doubles each time. */
  A: number;
  /** INVITE transaction timeout. */
  B: number;
  /** Proxy INVITE transaction timeout (> 3 min); listed for completeness, proxies only. */
  C: number;
  /** Wait time for response retransmits after a non-2xx final (0 on reliable transports). */
  D: number;
  /** Non-INVITE request retransmit interval (UDP only), initial value; doubles up to T2. */
  E: number;
  /** Non-INVITE transaction timeout. */
  F: number;
  /** INVITE final response retransmit interval (UDP only), initial value; doubles up to T2. */
  G: number;
  /** Wait time for ACK receipt. */
  H: number;
  /** Wait time for ACK retransmits (0 on reliable transports). */
  I: number;
  /** Wait time for non-INVITE request retransmits (0 on reliable transports). */
  J: number;
  /** Wait time for non-INVITE response retransmits (0 on reliable transports). */
  K: number;
  /** RFC 6026: INVITE server transaction Accepted-state lifetime (ACK / 2xx retransmits). */
  L: number;
  /** RFC 6026: INVITE client transaction Accepted-state lifetime (2xx retransmits and forks). */
  M: number;
}

export type TimerName = Exclude<keyof TimerValues, keyof TimerConfig>;

/**
 * Resolve the table for a transport. D uses 64*T1 (32 s by default, the RFC's ">32s for UDP") so that it
 * covers the server's Timer H when T1 is tuned; D, I, J and K are zero on reliable transports.
 */
export const timerValues = (config: Partial<TimerConfig> = {}, reliable = false): TimerValues => {
  const { T1, T2, T4 } = { ...DEFAULT_TIMER_CONFIG, ...config };
  for (const [name, v] of Object.entries({ T1, T2, T4 })) {
    if (!Number.isFinite(v) || v <= 0) throw new TypeError(`timer ${name} must be a positive number, got ${v}`);
  }
  return {
    T1,
    T2,
    T4,
    A: T1,
    B: 64 * T1,
    C: 180_000,
    D: reliable ? 0 : 64 * T1,
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
  };
};

/** Opaque handle returned by Clock.setTimeout. */
export type TimerHandle = unknown;

/** Time source and scheduler; inject a fake in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (globalThis timers, read at call time so node:test mock.timers applies). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => globalThis.clearTimeout(handle as unknown as ReturnType<typeof setTimeout>),
};
