// The floor the PBX itself sets: SIPp as caller (UAC, digest auth on the 407 like our pbx-adapter) → Kamailio →
// SIPp as callee (UAS, registered under its own line), at the same call rate and hold time as the ucserver run.
// Setup time = first INVITE sent → 200 OK received (SIPp response-time timer, one sample per call, -trace_rtt).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linePassword, Sipp, type Kamailio } from '@ucserver/testkit';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CALLER = '9000';
const CALLEE = '9001';

/** The shipped caller scenario with a response-time timer from the first INVITE to the 200 (either INVITE's). */
function timedUacScenario(dir: string): string {
  const xml = readFileSync(join(root, 'infra/pbx/sipp/uac.xml'), 'utf8');
  const timed = xml
    .replace('<send retrans="500">', '<send retrans="500" start_rtd="setup">')
    .replaceAll('<recv response="200" rrs="true"', '<recv response="200" rrs="true" rtd="setup"');
  if (!timed.includes('start_rtd') || !timed.includes('rtd="setup"')) throw new Error('infra/pbx/sipp/uac.xml changed shape: cannot add the setup timer');
  const file = join(dir, 'uac-setup.xml');
  writeFileSync(file, timed);
  return file;
}

export interface SippRateResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  setupMs: number[];
}

/** Registers the callee line once (SIPp `register` on the UAS port) and runs the UAC at each rate in turn. */
export async function runSippBaseline(kamailio: Kamailio, rates: number[], seconds: number, holdMs: number): Promise<SippRateResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-bench-call-setup-'));
  const scenario = timedUacScenario(dir);
  const target = { host: kamailio.host, port: kamailio.port };
  const results: SippRateResult[] = [];
  try {
    for (const rate of rates) {
      const calls = Math.round(rate * seconds);
      // A fresh UAS per rate (its own port and registration), so a failed call of one rate leaves nothing behind.
      const reg = await Sipp.run({ scenario: 'register', target, service: CALLEE, auth: { user: CALLEE, password: linePassword(CALLEE) }, vars: { expires: 600 } });
      if (!reg.ok) throw new Error(`SIPp could not register line ${CALLEE}: ${reg.log}`);
      const timeoutMs = seconds * 1000 + holdMs + 30_000;
      const uas = await Sipp.start({ scenario: 'uas', localPort: reg.localPort, calls, limit: calls, vars: { rtpport: 40002 }, timeoutMs });
      try {
        const uac = await Sipp.start({
          scenario, target, service: CALLEE, auth: { user: CALLER, password: linePassword(CALLER) },
          vars: { from: CALLER, rtpport: 40000, holdms: holdMs }, calls, rate, limit: calls, timeoutMs,
          args: ['-trace_rtt', '-rtt_freq', '1'],
        });
        const done = await uac.done;
        const rttFile = readdirSync(uac.dir).find((f) => f.endsWith('_rtt.csv'));
        // Date_ms;response_time_ms;rtd_no — one row per call that reached the 200.
        const setupMs = rttFile ? readFileSync(join(uac.dir, rttFile), 'utf8').split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((v) => Number.isFinite(v)) : [];
        results.push({ rate, calls, successful: done.stats?.successful ?? 0, failed: done.stats?.failed ?? calls, setupMs });
        await uac.dispose();
      } finally {
        await uas.dispose();
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
