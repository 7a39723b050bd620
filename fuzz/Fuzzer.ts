// The fuzz run: the real stack (E2eStack: nats-server, Kamailio + rtpengine, cti-gateway, media,
// pbx-adapter, logs in test-artifacts/fuzz/), the targets round-robin in batches until the time is up,
// the services sampled between batches, findings written, the summary returned.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALICE, BOB, E2eStack } from '../test/e2e/support/E2eStack.ts';
import { repoRoot } from '../test/e2e/support/paths.ts';
import { errorRecords, Monitor, readFrom, type MonitoredService } from './Monitor.ts';
import { findingText, serviceTable, summarize, targetTable, type Summary } from './report.ts';
import { CtiTarget } from './targets/CtiTarget.ts';
import { SdpTarget } from './targets/SdpTarget.ts';
import { SipTarget } from './targets/SipTarget.ts';
import type { FuzzTarget, OutcomeRecord, TargetName } from './types.ts';

export interface FuzzOptions {
  minutes: number;
  seed: number;
  targets: TargetName[];
  /** Replay exactly one input (`target:index`) instead of a timed run. */
  replay?: { target: TargetName; index: number };
  /** Bound for an answer or a close (SDP: four times this). */
  answerTimeoutMs?: number;
  /** Inputs per target before the next target's turn. */
  batch?: number;
  /** Where logs and findings go. Default test-artifacts/fuzz. */
  artifacts?: string;
  /** Progress lines to stderr. */
  log?: (line: string) => void;
}

export interface FuzzResult {
  summary: Summary & { errorRecords: Record<string, number> };
  records: OutcomeRecord[];
  report: string;
  artifacts: string;
}

const MAX_FINDING_FILES = 200;

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`[fuzz] ${l}\n`));
  const artifacts = options.artifacts ?? join(repoRoot, 'test-artifacts', 'fuzz');
  const findingsDir = join(artifacts, 'findings');
  rmSync(artifacts, { recursive: true, force: true });
  process.env.E2E_LOG_LEVEL ??= process.env.FUZZ_LOG_LEVEL ?? 'info';
  const stack = await E2eStack.start({
    scenario: 'fuzz',
    artifactsDir: artifacts,
    users: [ALICE, BOB],
    // the SDP target's calls ring line 101 (no softphone there) until dropped
    gatewayEnv: { NO_CLIENT_POLICY: 'ring' },
    // the fuzzer is a trusted SIP peer once the pbx-adapter screens sources (issue 11)
    pbxAdapterEnv: { SIP_TRUSTED_PEERS: '127.0.0.1' },
  });
  mkdirSync(findingsDir, { recursive: true });
  const t = options.answerTimeoutMs ?? 2000;
  const sipPort = Number(stack.pbxAdapter!.env.SIP_PORT);
  const make = (name: TargetName): FuzzTarget => {
    switch (name) {
      case 'cti-tcp':
      case 'cti-ws':
        return new CtiTarget({ transport: name === 'cti-tcp' ? 'tcp' : 'websocket', seed: options.seed, host: '127.0.0.1', port: stack.ctiPort, baseUrl: stack.gatewayUrl, user: ALICE.login, password: ALICE.password, answerTimeoutMs: t });
      case 'sip-udp':
      case 'sip-tcp':
        return new SipTarget({ transport: name === 'sip-udp' ? 'UDP' : 'TCP', seed: options.seed, host: '127.0.0.1', port: sipPort, answerTimeoutMs: t, minGapMs: 3 });
      case 'sdp':
        return new SdpTarget({ seed: options.seed, host: '127.0.0.1', port: stack.ctiPort, user: ALICE.login, password: ALICE.password, dial: BOB.line, answerTimeoutMs: 4 * t });
    }
  };
  const services: MonitoredService[] = [stack.gateway!, stack.pbxAdapter!, ...stack.media].map((s) => ({
    name: s.label, pid: () => s.process.pid, running: () => s.process.running, logFile: s.logFile, healthUrl: `${s.httpUrl}/healthz`,
  }));
  const k = stack.kamailio!;
  services.push({ name: 'kamailio', pid: () => k.process?.pid, running: () => k.process?.running ?? false, logFile: k.process?.logFile ?? '' });
  const rtp = k.rtpengine?.process;
  if (rtp) services.push({ name: 'rtpengine', pid: () => rtp.pid, running: () => rtp.running, logFile: rtp.logFile });
  const monitor = new Monitor(services);
  const records: OutcomeRecord[] = [];
  const targets = options.replay ? [options.replay.target] : options.targets;
  const active = new Map<TargetName, FuzzTarget>();
  const next = new Map<TargetName, number>();
  const crashesByTarget: Record<string, number> = {};
  let findings = 0;
  const started = Date.now();
  try {
    for (const name of targets) {
      const target = make(name);
      await target.open();
      active.set(name, target);
      next.set(name, 0);
    }
    await monitor.sample(0);
    const deadline = started + options.minutes * 60_000;
    const batch = options.batch ?? 25;
    const record = (r: OutcomeRecord): void => {
      records.push(r);
      if (r.outcome === 'unanswered' && findings < MAX_FINDING_FILES) {
        findings += 1;
        writeFileSync(join(findingsDir, `${r.target}-${r.index}.txt`), findingText(r, options.seed));
      }
    };
    const runOne = async (name: TargetName, index: number): Promise<void> => {
      const t0 = performance.now();
      try {
        const r = await active.get(name)!.run(index);
        record({ ...r, ms: Math.round(performance.now() - t0) });
      } catch (err) {
        record({ target: name, index, mutation: '(harness)', outcome: 'unanswered', detail: `the input could not be sent: ${(err as Error).message}`, excerpt: '', ms: Math.round(performance.now() - t0) });
      }
    };
    if (options.replay) {
      await runOne(options.replay.target, options.replay.index);
    } else {
      let lastLog = Date.now();
      while (Date.now() < deadline && monitor.crashes.length === 0) {
        for (const name of targets) {
          for (let i = 0; i < batch && Date.now() < deadline; i++) {
            const index = next.get(name)!;
            next.set(name, index + 1);
            await runOne(name, index);
          }
          const before = monitor.crashes.length;
          await monitor.sample(records.length);
          if (monitor.crashes.length > before) crashesByTarget[name] = (crashesByTarget[name] ?? 0) + monitor.crashes.length - before;
          if (monitor.crashes.length > 0) break;
        }
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`${records.length} inputs, ${records.filter((r) => r.outcome === 'unanswered').length} unanswered, ${Math.round((Date.now() - started) / 1000)} s`);
        }
      }
    }
    await monitor.sample(records.length);
  } finally {
    for (const t of active.values()) await t.close().catch(() => undefined);
    await stack.stop();
  }
  for (const c of monitor.crashes) writeFileSync(join(findingsDir, `crash-${c.service}.txt`), `${c.service}: ${c.reason} after ${c.afterInputs} inputs (seed ${options.seed}); the inputs just before it are the last ones of the run in test-artifacts/fuzz/inputs.jsonl\n`);
  writeFileSync(join(artifacts, 'inputs.jsonl'), records.slice(-2000).map((r) => JSON.stringify(r)).join('\n') + '\n');
  // Error-level records the run caused in our services' JSON logs (not a verdict: a lead to read).
  const errors = monitor.stats().filter((s) => ['cti-gateway', 'pbx-adapter'].includes(s.name) || s.name.startsWith('media-')).map((s) => {
    const logFile = services.find((m) => m.name === s.name)!.logFile;
    return { service: s.name, ...errorRecords(readFrom(logFile, s.logStartBytes)) };
  });
  const seconds = (Date.now() - started) / 1000;
  const summary = { ...summarize({ seed: options.seed, seconds, records, targets, stats: monitor.stats(), crashes: monitor.crashes }), errorRecords: Object.fromEntries(errors.map((e) => [e.service, e.count])) };
  const findingLines = records.filter((r) => r.outcome === 'unanswered').slice(0, 30).map((r) => `- ${r.target} #${r.index} ${r.mutation}: ${r.detail ?? ''}`);
  const report = [
    `fuzz run: seed ${options.seed}, ${Math.round(seconds)} s, ${records.length} inputs`,
    '',
    targetTable(summary.targets, crashesByTarget),
    '',
    serviceTable(monitor.stats(), records.length),
    '',
    `error-level log records: ${errors.map((e) => `${e.service} ${e.count}`).join(', ')}${errors.some((e) => e.count > 0) ? `\n${errors.flatMap((e) => e.top.map(([m, n]) => `- ${e.service} ×${n}: ${m}`)).join('\n')}` : ''}`,
    '',
    summary.findings === 0 ? 'findings: none' : `findings (${summary.findings}, files in ${findingsDir}):\n${[...monitor.crashes.map((c) => `- CRASH ${c.service}: ${c.reason} after ${c.afterInputs} inputs`), ...findingLines].join('\n')}`,
  ].join('\n');
  writeFileSync(join(artifacts, 'report.txt'), `${report}\n${JSON.stringify(summary)}\n`);
  return { summary, records, report, artifacts };
}
