// What SQL the gateway sends per call, by statement text, from PostgreSQL's own statement log
// (`--db postgres` with `E2E_SQL_LOG=1`: the bench's server runs with log_statement=all and each rate
// window's slice of its log is tallied). The metric `ucserver_cti_gateway_db_queries_total` gives the count;
// this says which statements make it up, so a per-call read can be found by name.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The settings a PostgreSQL server needs for {@link tallyStatements} to see every statement. */
export const STATEMENT_LOG_SETTINGS: Record<string, string> = { log_statement: 'all', log_line_prefix: '%m [%p] ' };

// "2026-12-07 10:00:00.123 UTC [123] LOG:  statement: select 1" (simple protocol) or
// "... LOG:  execute <unnamed>: select ..." / "... LOG:  execute s1a2b: select ..." (extended: prepared or not).
const STATEMENT = /\] LOG:\s+(?:statement|execute [^:]*):\s(.*)$/;

/** The log's size now: where the next window's slice starts. */
export function logOffset(file: string): number {
  return statSync(file).size;
}

/** Statements logged in `file` from byte `from` on, counted by text (parameters are $n: one text per shape). */
export function tallyStatements(file: string, from: number): Map<string, number> {
  const size = statSync(file).size;
  const buf = Buffer.alloc(Math.max(0, size - from));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  const counts = new Map<string, number>();
  for (const line of buf.toString('utf8').split('\n')) {
    const m = STATEMENT.exec(line);
    if (!m) continue;
    // The head names the statement, the tail its WHERE (the columns between say little).
    const full = m[1]!.replace(/\s+/g, ' ');
    const text = full.length <= 200 ? full : `${full.slice(0, 70)} … ${full.slice(-130)}`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return counts;
}

/** The tally as lines "  per-call  text", most frequent first. */
export function formatTally(counts: Map<string, number>, calls: number): string[] {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([text, n]) => `  ${(n / calls).toFixed(2).padStart(7)}  ${text}`);
}
