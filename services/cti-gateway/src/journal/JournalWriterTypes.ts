// Contract of JournalWriter: how it finds a line's owner and how long its write-behind queue gathers.
export interface JournalWriterOptions {
  /**
   * The owner of a line for a new row: its user id, null for a line without owner, undefined for a line
   * that does not exist. Default: a statement per row; the gateway passes its line cache (LineStore).
   */
  ownerOf?: ((lineId: string) => Promise<string | null | undefined>) | undefined;
  /** How long a queued event waits for more of its call before the batch is written. Default 100 ms. */
  flushMs?: number | undefined;
  /**
   * Ack wait of the durable consumer (JOURNAL_ACK_WAIT_MS): how long the next gateway waits for the
   * events a dead journal writer had received unacknowledged. Events still queued get progress acks.
   * Default 5000 ms.
   */
  ackWaitMs?: number | undefined;
}
