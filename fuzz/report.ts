// The fuzz report: a table per target and per service, the findings, one JSON summary line, and the
// verdict (exit code) — pure functions of the recorded outcomes and samples.
import type { OutcomeRecord, ServiceStats, TargetCounts, TargetName } from './types.ts';

export function countOutcomes(records: readonly OutcomeRecord[], targets: readonly TargetName[]): Record<string, TargetCounts> {
  const counts: Record<string, TargetCounts> = {};
  const empty = (): TargetCounts => ({ sent: 0, answered: 0, closed: 0, unansweredAllowed: 0, unanswered: 0, meanMs: 0 });
  for (const t of targets) counts[t] = empty();
  for (const r of records) {
    const c = (counts[r.target] ??= empty());
    c.sent += 1;
    c.meanMs += ((r.ms ?? 0) - c.meanMs) / c.sent;
    if (r.outcome === 'answered') c.answered += 1;
    else if (r.outcome === 'closed') c.closed += 1;
    else if (r.outcome === 'unanswered-allowed') c.unansweredAllowed += 1;
    else c.unanswered += 1;
  }
  for (const c of Object.values(counts)) c.meanMs = Math.round(c.meanMs * 10) / 10;
  return counts;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** Log growth per 1000 inputs in bytes. */
export function logGrowthPer1000(s: ServiceStats, inputs: number): number {
  return inputs === 0 ? 0 : Math.round(((s.logEndBytes - s.logStartBytes) * 1000) / inputs);
}

export function targetTable(counts: Record<string, TargetCounts>, crashesByTarget: Record<string, number>): string {
  return table(
    ['target', 'sent', 'answered', 'closed', 'no answer owed', 'unanswered', 'crashes', 'ms/input'],
    Object.entries(counts).map(([t, c]) => [t, c.sent, c.answered, c.closed, c.unansweredAllowed, c.unanswered, crashesByTarget[t] ?? 0, c.meanMs]),
  );
}

export function serviceTable(stats: readonly ServiceStats[], inputs: number): string {
  const mib = (k: number | undefined): string => (k === undefined ? '-' : (k / 1024).toFixed(1));
  return table(
    ['service', 'RSS start MiB', 'RSS end MiB', 'RSS max MiB', 'log bytes', 'log bytes / 1000 inputs', 'crashes'],
    stats.map((s) => [s.name, mib(s.rssStartKiB), mib(s.rssEndKiB), mib(s.rssMaxKiB), s.logEndBytes - s.logStartBytes, logGrowthPer1000(s, inputs), s.crashes]),
  );
}

export interface Summary {
  seed: number;
  seconds: number;
  inputs: number;
  targets: Record<string, TargetCounts>;
  unanswered: number;
  crashes: Array<{ service: string; afterInputs: number; reason: string }>;
  services: Array<{ name: string; rssStartMiB: number | null; rssEndMiB: number | null; rssMaxMiB: number | null; logBytesPer1000: number }>;
  findings: number;
  ok: boolean;
}

export function summarize(args: {
  seed: number;
  seconds: number;
  records: readonly OutcomeRecord[];
  targets: readonly TargetName[];
  stats: readonly ServiceStats[];
  crashes: Summary['crashes'];
}): Summary {
  const counts = countOutcomes(args.records, args.targets);
  const unanswered = Object.values(counts).reduce((n, c) => n + c.unanswered, 0);
  const mib = (k: number | undefined): number | null => (k === undefined ? null : Math.round(k / 102.4) / 10);
  return {
    seed: args.seed,
    seconds: Math.round(args.seconds),
    inputs: args.records.length,
    targets: counts,
    unanswered,
    crashes: args.crashes,
    services: args.stats.map((s) => ({ name: s.name, rssStartMiB: mib(s.rssStartKiB), rssEndMiB: mib(s.rssEndKiB), rssMaxMiB: mib(s.rssMaxKiB), logBytesPer1000: logGrowthPer1000(s, args.records.length) })),
    findings: unanswered + args.crashes.length,
    ok: unanswered === 0 && args.crashes.length === 0,
  };
}

/** A finding file's text: how to replay it, what was sent and what was missing. */
export function findingText(r: OutcomeRecord, seed: number): string {
  return [
    `target:   ${r.target}`,
    `seed:     ${seed}`,
    `index:    ${r.index}`,
    `replay:   npm run fuzz -- --seed ${seed} --replay ${r.target}:${r.index}`,
    `mutation: ${r.mutation}`,
    `outcome:  ${r.outcome}${r.detail ? ` — ${r.detail}` : ''}`,
    `input:    ${r.excerpt}`,
    '',
  ].join('\n');
}
