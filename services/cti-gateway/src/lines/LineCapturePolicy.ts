import { eq, sql } from 'drizzle-orm';
import type { Logger } from '@ucserver/shared';
import { dbSchema, type Db } from '@ucserver/shared/db';
import type { CaptureClient } from '../bus/CaptureClient.ts';
import type { ActiveCall, CallRegistry } from '../calls/CallRegistry.ts';

const { lineCapture } = dbSchema;

export interface LineCapturePolicyOptions {
  db: Db;
  calls: CallRegistry;
  /** Undefined until the bus is up. */
  captures: () => CaptureClient | undefined;
  logger: Logger;
  /** How long the set of lines with the policy on is served from memory. Default 5000 ms. */
  cacheMs?: number;
}

/**
 * The per-line capture policy (table `line_capture`): for a line with the policy on, every call is
 * captured from the first call event that names its media node (the call rings then, so its first RTP
 * packet is in the file). The lines with the policy on are read from the database at most once per
 * `cacheMs` (one statement per call leg was 2 of the ~13 per call), so every gateway honours what any one
 * set — one set through this gateway at once, one set through another within `cacheMs` (as LineStore's
 * line cache). A second gateway starting the same capture gets "running already", which is fine.
 */
export class LineCapturePolicy {
  readonly #db: Db;
  readonly #captures: () => CaptureClient | undefined;
  readonly #logger: Logger;
  /** Calls already handled (started, or known not to need a capture). */
  readonly #seen = new Set<string>();
  readonly #cacheMs: number;
  /** The lines with the policy on, read at `until`'s start; a read that overlapped a `set` is not kept. */
  #enabled: { lines: Promise<ReadonlySet<string>>; until: number } | undefined;
  #generation = 0;

  constructor(options: LineCapturePolicyOptions) {
    this.#db = options.db;
    this.#captures = options.captures;
    this.#logger = options.logger.child({ component: 'capture-policy' });
    this.#cacheMs = options.cacheMs ?? 5000;
    options.calls.on('callchanged', (call) => this.#onCall(call));
  }

  async get(lineId: string): Promise<{ enabled: boolean; updatedBy: string | null; updatedAt: Date | null }> {
    const [row] = await this.#db.select().from(lineCapture).where(eq(lineCapture.lineId, lineId));
    return row ? { enabled: row.enabled, updatedBy: row.updatedBy, updatedAt: row.updatedAt } : { enabled: false, updatedBy: null, updatedAt: null };
  }

  async set(lineId: string, enabled: boolean, admin: string): Promise<{ enabled: boolean; updatedBy: string | null; updatedAt: Date | null }> {
    const [row] = await this.#db.insert(lineCapture).values({ lineId, enabled, updatedBy: admin })
      .onConflictDoUpdate({ target: lineCapture.lineId, set: { enabled, updatedBy: admin, updatedAt: sql`now()` } })
      .returning();
    this.#generation += 1;
    this.#enabled = undefined;
    return { enabled: row!.enabled, updatedBy: row!.updatedBy, updatedAt: row!.updatedAt };
  }

  /** The lines with the policy on: from memory for `cacheMs`, then read again (one statement). */
  #enabledLines(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#enabled && this.#enabled.until > now) return this.#enabled.lines;
    const generation = this.#generation;
    const lines = this.#db.select({ lineId: lineCapture.lineId }).from(lineCapture).where(eq(lineCapture.enabled, true))
      .then((rows): ReadonlySet<string> => new Set(rows.map((r) => r.lineId)));
    const entry = { lines, until: now + this.#cacheMs };
    this.#enabled = entry;
    const drop = (): void => {
      if (this.#enabled === entry) this.#enabled = undefined;
    };
    lines.then(() => {
      if (generation !== this.#generation) drop();
    }, drop);
    return lines;
  }

  #onCall(call: ActiveCall): void {
    if (call.state === 'disconnected') {
      this.#seen.delete(call.callId);
      return;
    }
    const nodeId = call.mediaNodeId;
    if (!nodeId || this.#seen.has(call.callId)) return;
    this.#seen.add(call.callId);
    void this.#apply(call, nodeId);
  }

  async #apply(call: ActiveCall, nodeId: string): Promise<void> {
    try {
      if (!(await this.#enabledLines()).has(call.lineId)) return;
      const client = this.#captures();
      if (!client) return;
      const info = await client.start(nodeId, { callId: call.callId, startedBy: `policy:line ${call.lineNumber}` });
      this.#logger.info({ callId: call.callId, line: call.lineNumber, captureId: info.captureId, nodeId }, 'capture started by the line policy');
    } catch (err) {
      this.#logger.warn({ callId: call.callId, line: call.lineNumber, err: (err as Error).message }, 'line policy capture not started');
    }
  }
}
